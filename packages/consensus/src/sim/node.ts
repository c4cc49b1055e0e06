// One simulated member: a Peer, its disk and its application. Each Ready is carried out as a
// chain of events: its early messages, one event per disk write (snapshot, truncate,
// append+fsync, acceptedEpoch, currentEpoch), then the other sends and the apply, so a crash
// can land between any two writes; inputs that arrive meanwhile send their early messages at
// once, as the member does. A crash keeps only what those events wrote, sometimes with a torn
// last record that recovery drops (as storage/ does by CRC).
import type { PeerConfigInput } from '../core/config.js'
import type { Entry, Outbound, PersistOps, Ready, Snapshot } from '../core/types.js'
import type { AppState } from './app.js'
import type { EventQueue } from './queue.js'
import type { Prng } from './prng.js'
import type { Trace } from './trace.js'
import { InvariantError } from '../core/errors.js'
import { Peer } from '../core/peer.js'
import { formatZxid } from '../core/zxid.js'
import { decodeAppSnapshot, emptyApp } from './app.js'
import { Ev } from './trace.js'

export interface SimDisk {
  acceptedEpoch: number
  currentEpoch: number
  snapshot: Snapshot | undefined
  log: Entry[]
  /** A partial record after the log's end, left by a crash during append. */
  tornTail: boolean
}

export interface NodeHooks {
  readonly q: EventQueue
  readonly trace: Trace
  /** Chance that a crash hits at any one disk write. */
  crashPointRate(): number
  /** Chance of a crash right after an epoch file was written (where ZooKeeper lost data). */
  epochCrashRate(): number
  /** Puts messages on the network, in order. */
  send(node: SimNode, messages: readonly Outbound[]): void
  handle(node: SimNode, ready: Ready): void
  truncated(node: SimNode, removed: readonly Entry[]): void
  invariantBroken(node: SimNode, error: InvariantError): void
  crashed(node: SimNode, why: string): void
  recordNotes(): boolean
  /** Every note of the core (elections, syncs, drops), as it is made. */
  noted?(node: SimNode, event: string): void
}

interface DiskOp {
  readonly name: string
  readonly latencyMs: number
  readonly epochFile?: boolean
  apply(): void
  /** A crash in the middle: what survives (only appends can be partial). */
  partial?(): void
}

export class SimNode {
  peer: Peer | undefined
  app: AppState = emptyApp()
  incarnation = 0
  /** When the current incarnation started (simulated ms). */
  upSinceMs = 0
  busy = false
  tornTails = 0
  readonly disk: SimDisk = { acceptedEpoch: 0, currentEpoch: 0, snapshot: undefined, log: [], tornTail: false }

  constructor(
    readonly id: number,
    readonly voter: boolean,
    private readonly config: PeerConfigInput,
    private readonly rng: Prng,
    private readonly hooks: NodeHooks,
  ) {}

  get up(): boolean {
    return this.peer !== undefined
  }

  start(): void {
    const d = this.disk
    if (d.tornTail) {
      d.tornTail = false
      this.tornTails++
      this.hooks.trace.add(this.hooks.q.now, Ev.Torn, this.id, 0, `recovery drops a torn record after ${formatZxid(d.log.at(-1)?.zxid ?? 0n)}`)
    }
    const base = d.snapshot?.zxid ?? 0n
    this.incarnation++
    this.upSinceMs = this.hooks.q.now
    this.busy = false
    this.app = d.snapshot === undefined ? emptyApp() : decodeAppSnapshot(d.snapshot.data)
    const rng = this.rng.fork(`incarnation ${this.incarnation}`)
    const record = this.hooks.recordNotes()
    const note = (e: string) => {
      if (record) this.hooks.trace.add(this.hooks.q.now, Ev.Note, this.id, 0, e)
      this.hooks.noted?.(this, e)
    }
    this.peer = new Peer(
      this.config,
      { acceptedEpoch: d.acceptedEpoch, currentEpoch: d.currentEpoch, snapshot: d.snapshot, log: d.log.filter((e) => e.zxid > base) },
      { random: () => rng.float(), note },
    )
    this.pump()
  }

  crash(why: string): void {
    if (this.peer === undefined) return
    this.peer = undefined
    this.busy = false
    this.incarnation++
    this.hooks.crashed(this, why)
  }

  /** Runs an input against the live peer (if any), then carries out what it produced. */
  input<T>(fn: (p: Peer) => T): T | undefined {
    const p = this.peer
    if (p === undefined) return undefined
    try {
      const out = fn(p)
      // As the member does: what need not wait for the fsync under way leaves now.
      if (this.busy) this.hooks.send(this, p.takeEarly())
      this.pump()
      return out
    } catch (e) {
      if (!(e instanceof InvariantError)) throw e
      this.hooks.invariantBroken(this, e)
      this.crash(`invariant: ${e.message}`)
      return undefined
    }
  }

  /** Takes the next Ready unless one is being carried out. */
  pump(): void {
    const p = this.peer
    if (p === undefined || this.busy || !p.hasReady()) return
    this.busy = true
    const ready = p.ready()
    this.hooks.send(this, ready.messages.filter((o) => o.early === true))
    this.runOps(ready, this.diskOps(ready.persist), 0, this.incarnation)
  }

  private runOps(ready: Ready, ops: readonly DiskOp[], i: number, incarnation: number): void {
    if (i === ops.length) return this.finish(ready)
    const op = ops[i]!
    this.hooks.q.after(op.latencyMs, () => {
      if (this.incarnation !== incarnation) return
      if (this.rng.chance(this.hooks.crashPointRate())) {
        const partial = op.partial !== undefined && this.rng.chance(0.5)
        if (partial) op.partial!()
        this.crash(`${partial ? 'during' : 'before'} ${op.name}`)
        return
      }
      op.apply()
      this.hooks.trace.add(this.hooks.q.now, Ev.Disk, this.id, 0, op.name)
      if (op.epochFile === true && this.rng.chance(this.hooks.epochCrashRate())) return this.crash(`after ${op.name}`)
      this.runOps(ready, ops, i + 1, incarnation)
    })
  }

  private finish(ready: Ready): void {
    const p = this.peer!
    this.hooks.send(this, ready.messages.filter((o) => o.early !== true))
    this.hooks.handle(this, ready)
    if (this.peer !== p) return
    this.busy = false
    this.input((peer) => peer.advance(ready))
  }

  private diskOps(p: PersistOps | undefined): DiskOp[] {
    if (p === undefined) return []
    const d = this.disk
    const ops: DiskOp[] = []
    if (p.snapshot !== undefined) {
      const s = p.snapshot
      ops.push({ name: `snapshot ${formatZxid(s.zxid)}`, latencyMs: 2, apply: () => this.saveSnapshot(s) })
    }
    if (p.truncateAfterZxid !== undefined) {
      const t = p.truncateAfterZxid
      ops.push({
        name: `truncate after ${formatZxid(t)}`,
        latencyMs: 1,
        apply: () => {
          const keep = d.log.filter((e) => e.zxid <= t)
          this.hooks.truncated(this, d.log.slice(keep.length))
          d.log = keep
        },
      })
    }
    if (p.append.length > 0) {
      const records = p.append
      ops.push({
        name: `append ${formatZxid(records[0]!.zxid)}..${formatZxid(records.at(-1)!.zxid)} + fsync`,
        latencyMs: this.rng.int(1, 4),
        apply: () => this.append(records),
        partial: () => {
          // Part of the batch reached the platter; the next record may be half-written.
          this.append(records.slice(0, this.rng.int(0, records.length - 1)))
          d.tornTail = this.rng.chance(0.5)
        },
      })
    }
    if (p.acceptedEpoch !== undefined) {
      const e = p.acceptedEpoch
      ops.push({ name: `acceptedEpoch=${e}`, latencyMs: 1, epochFile: true, apply: () => void (d.acceptedEpoch = e) })
    }
    if (p.currentEpoch !== undefined) {
      const e = p.currentEpoch
      ops.push({ name: `currentEpoch=${e}`, latencyMs: 1, epochFile: true, apply: () => void (d.currentEpoch = e) })
    }
    return ops
  }

  private append(records: readonly Entry[]): void {
    const d = this.disk
    for (const r of records) {
      const last = d.log.at(-1)?.zxid ?? 0n
      if (r.zxid <= last) throw new Error(`sim disk ${this.id}: append ${formatZxid(r.zxid)} after ${formatZxid(last)}`)
      d.log.push(r)
    }
  }

  /** Keeps the newer snapshot and purges the log records it covers. */
  saveSnapshot(s: Snapshot): void {
    const d = this.disk
    if (d.snapshot !== undefined && d.snapshot.zxid >= s.zxid) return
    d.snapshot = s
    d.log = d.log.filter((e) => e.zxid > s.zxid)
  }
}
