// The state a peer shares with its role modules (PeerContext): epochs, the logged history, what
// the caller confirmed durable, the commit point and the outbox. Kept apart from Peer so that
// none of these mutators are part of the public API.
import type { PeerConfig, UnsafeTestFaults } from './config.js'
import type { PeerContext } from './context.js'
import type { PeerEnv, PersistOps, PersistedState } from './types.js'
import { ConsensusConfigError, invariant } from './errors.js'
import { History } from './history.js'
import { Outbox } from './outbox.js'
import { formatZxid } from './zxid.js'

export interface Durable {
  readonly lastZxid: bigint
  readonly acceptedEpoch: number
  readonly currentEpoch: number
}

export class PeerState implements PeerContext {
  readonly faults: UnsafeTestFaults
  readonly history: History
  readonly outbox = new Outbox()
  now = 0
  statusDirty = true
  durable: Durable
  private accepted: number
  private current: number
  private committed: bigint
  private highestAcceptedHeard = 0

  constructor(
    readonly config: PeerConfig,
    persisted: PersistedState,
    private readonly env: PeerEnv & { note?(event: string): void },
    /** Called by a role module that gives up its role. */
    readonly lookAgain: (reason: string) => void,
  ) {
    validatePersisted(persisted)
    this.faults = config.unsafeTestFaults
    this.history = new History(persisted.snapshot, persisted.log)
    this.accepted = persisted.acceptedEpoch
    this.current = persisted.currentEpoch
    this.committed = this.history.baseZxid
    this.durable = { lastZxid: this.history.lastZxid, acceptedEpoch: this.accepted, currentEpoch: this.current }
  }

  get acceptedEpoch(): number {
    return this.accepted
  }
  get currentEpoch(): number {
    return this.current
  }
  get committedZxid(): bigint {
    return this.committed
  }
  get durableZxid(): bigint {
    return this.durable.lastZxid
  }
  get durableAcceptedEpoch(): number {
    return this.durable.acceptedEpoch
  }
  get durableCurrentEpoch(): number {
    return this.durable.currentEpoch
  }
  get epochHint(): number {
    return this.highestAcceptedHeard
  }

  setAcceptedEpoch(epoch: number): void {
    invariant(epoch > this.accepted, () => `acceptedEpoch must grow: ${this.accepted} -> ${epoch}`)
    this.accepted = epoch
    this.outbox.persistAcceptedEpoch(epoch)
  }

  setCurrentEpoch(epoch: number, inCurrentReady = false): void {
    invariant(epoch >= this.current && epoch <= this.accepted, () => `bad currentEpoch ${epoch} (current ${this.current}, accepted ${this.accepted})`)
    this.current = epoch
    this.outbox.persistCurrentEpoch(epoch, inCurrentReady)
    this.statusDirty = true
  }

  commitTo(zxid: bigint): void {
    const h = this.history
    invariant(zxid > this.committed && zxid <= h.lastZxid, () => `commit ${formatZxid(zxid)} outside (${formatZxid(this.committed)}, ${formatZxid(h.lastZxid)}]`)
    if (this.committed < h.baseZxid) {
      // What we applied is older than our snapshot (a SNAP replaced our log): restore it first.
      this.outbox.restore(h.snapshot!)
      this.committed = h.baseZxid
    }
    if (zxid > this.committed) this.outbox.commit(h.between(this.committed, zxid))
    this.committed = zxid
  }

  newLinkId(): number {
    return 1 + Math.floor(this.env.random() * 0xffff_fffe)
  }

  isObserver(id: number): boolean {
    return this.config.observers.includes(id)
  }

  heardAcceptedEpoch(epoch: number): void {
    if (epoch > this.highestAcceptedHeard) this.highestAcceptedHeard = epoch
  }

  statusChanged(): void {
    this.statusDirty = true
  }

  note(event: string): void {
    this.env.note?.(event)
  }
}

/** The durable state once the caller carried out `p` in the documented order. */
export function afterPersist(d: Durable, p: PersistOps | undefined): Durable {
  if (p === undefined) return d
  let last = d.lastZxid
  if (p.snapshot !== undefined && p.snapshot.zxid > last) last = p.snapshot.zxid
  if (p.truncateAfterZxid !== undefined && p.truncateAfterZxid < last) last = p.truncateAfterZxid
  const appended = p.append.at(-1)
  if (appended !== undefined) last = appended.zxid
  return { lastZxid: last, acceptedEpoch: p.acceptedEpoch ?? d.acceptedEpoch, currentEpoch: p.currentEpoch ?? d.currentEpoch }
}

function validatePersisted(p: PersistedState): void {
  const fail = (why: string): never => {
    throw new ConsensusConfigError(`persisted state: ${why}`)
  }
  for (const e of [p.acceptedEpoch, p.currentEpoch]) if (!Number.isInteger(e) || e < 0 || e > 0xffff_ffff) fail(`bad epoch ${e}`)
  if (p.currentEpoch > p.acceptedEpoch) fail(`currentEpoch ${p.currentEpoch} > acceptedEpoch ${p.acceptedEpoch}`)
  let previous = -1n
  for (const e of p.log) {
    if (e.zxid <= previous) fail(`log not in zxid order at ${formatZxid(e.zxid)}`)
    previous = e.zxid
  }
}
