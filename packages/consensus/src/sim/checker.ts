// What must hold after every step of a run. Safety: at most one established leader per epoch;
// every member applies a prefix of one canonical committed history (so histories are prefixes
// of one another); a newly established leader's history contains everything ever committed and
// no member cuts a committed txn from its log (so nothing committed is lost across crashes);
// barriers complete only after everything committed before them was applied. Liveness is
// checked by the simulation's stable phase.
import type { Entry } from '../core/types.js'
import type { AppState } from './app.js'
import { epochOf, formatZxid } from '../core/zxid.js'
import { decodeAppSnapshot, emptyApp, hashStep } from './app.js'

export type ViolationKind = 'safety' | 'liveness' | 'invariant'

export interface Violation {
  readonly kind: ViolationKind
  readonly message: string
}

const text = new TextDecoder()

export class Checker {
  private readonly zxids: bigint[] = []
  private readonly payloads: Uint8Array[] = []
  /** Hash chain after position i. */
  private readonly hashes: number[] = []
  private readonly positionOf = new Map<bigint, number>()
  private readonly leaderOfEpoch = new Map<number, number>()
  violation: Violation | undefined

  fail(kind: ViolationKind, message: string): void {
    this.violation ??= { kind, message }
  }

  get committedCount(): number {
    return this.zxids.length
  }

  get lastCommittedZxid(): bigint {
    return this.zxids.at(-1) ?? 0n
  }

  isCommitted(e: Entry): boolean {
    const i = this.positionOf.get(e.zxid)
    return i !== undefined && equalBytes(this.payloads[i]!, e.payload)
  }

  /** Member `id`, whose application is in state `s`, applies `e` next. */
  applied(id: number, s: AppState, e: Entry): void {
    const i = s.count
    if (i < this.zxids.length) {
      if (this.zxids[i] !== e.zxid || !equalBytes(this.payloads[i]!, e.payload)) {
        this.fail('safety', `member ${id} applied ${show(e)} at position ${i + 1}, but ${show({ zxid: this.zxids[i]!, payload: this.payloads[i]! })} was committed there`)
      }
      return
    }
    if (e.zxid <= this.lastCommittedZxid) this.fail('safety', `member ${id} committed ${show(e)} after ${formatZxid(this.lastCommittedZxid)}`)
    this.positionOf.set(e.zxid, this.zxids.length)
    this.zxids.push(e.zxid)
    this.payloads.push(e.payload)
    this.hashes.push(hashStep(this.hashes.at(-1) ?? emptyApp().hash, e.zxid, e.payload))
  }

  /** The application state `s` (from a snapshot) must be a prefix of the canonical history. */
  restored(id: number, s: AppState, how: string): void {
    if (s.count === 0) return
    const i = s.count - 1
    if (i >= this.zxids.length || this.zxids[i] !== s.lastZxid || this.hashes[i] !== s.hash) {
      this.fail('safety', `member ${id} ${how} a snapshot of ${s.count} txns up to ${formatZxid(s.lastZxid)} that is not a prefix of the committed history`)
    }
  }

  /**
   * A leader just established `epoch` with this history: it must hold every txn committed in an
   * earlier epoch. (Txns of later epochs may already be committed: a leader whose NEWLEADER
   * acknowledgements were delayed can establish after the next epoch did; the quorum that
   * acknowledged it holds its history, so every later epoch starts from it, and it cannot
   * commit anything of its own since that quorum has moved on.)
   */
  established(id: number, epoch: number, snapshot: Uint8Array | undefined, entryAt: (zxid: bigint) => Entry | undefined): void {
    const prior = this.leaderOfEpoch.get(epoch)
    if (prior !== undefined && prior !== id) this.fail('safety', `two leaders in epoch ${epoch}: ${prior} and ${id}`)
    this.leaderOfEpoch.set(epoch, id)
    const base = snapshot === undefined ? emptyApp() : decodeAppSnapshot(snapshot)
    this.restored(id, base, 'leads from')
    for (let i = base.count; i < this.zxids.length && epochOf(this.zxids[i]!) < epoch; i++) {
      const e = entryAt(this.zxids[i]!)
      if (e === undefined || !equalBytes(e.payload, this.payloads[i]!)) {
        this.fail('safety', `leader ${id} of epoch ${epoch} lacks committed ${show({ zxid: this.zxids[i]!, payload: this.payloads[i]! })} (position ${i + 1})`)
        return
      }
    }
  }

  truncated(id: number, removed: readonly Entry[]): void {
    const lost = removed.find((e) => this.isCommitted(e))
    if (lost !== undefined) this.fail('safety', `member ${id} cut committed ${show(lost)} from its log`)
  }
}

function equalBytes(a: Uint8Array, b: Uint8Array): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

export function show(e: Entry): string {
  return `${formatZxid(e.zxid)} "${text.decode(e.payload)}"`
}
