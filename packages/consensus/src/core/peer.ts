// One ensemble member's consensus state machine, in the style of etcd's raft library: the caller
// feeds it ticks, messages and proposals, takes a Ready (what to persist, send and apply), does
// it, and calls advance(). No I/O, no clock, no Math.random: the same inputs give the same outputs.
import type { PeerConfig, PeerConfigInput, UnsafeTestFaults } from './config.js'
import type { PeerContext } from './context.js'
import type { Elected, Vote } from './election.js'
import type { Message, Notification } from './messages.js'
import type { Batch } from './outbox.js'
import type { PeerEnv, PeerStatus, PersistOps, PersistedState, Ready, Result, Role, Snapshot } from './types.js'
import { resolvePeerConfig } from './config.js'
import { Election } from './election.js'
import { ConsensusConfigError, invariant } from './errors.js'
import { History } from './history.js'
import { Leader } from './leader.js'
import { Learner } from './learner.js'
import { isLinkMessage } from './messages.js'
import { Outbox } from './outbox.js'
import { formatZxid } from './zxid.js'

type RoleState =
  | { readonly kind: 'looking'; readonly election: Election }
  | { readonly kind: 'leading'; readonly leader: Leader }
  | { readonly kind: 'learning'; readonly learner: Learner }

interface Durable {
  readonly lastZxid: bigint
  readonly acceptedEpoch: number
  readonly currentEpoch: number
}

export interface PeerStats {
  elections: number
  linkLosses: number
  stepDowns: number
  ignoredMessages: number
}

export class Peer implements PeerContext {
  readonly config: PeerConfig
  readonly faults: UnsafeTestFaults
  readonly history: History
  readonly outbox = new Outbox()
  readonly stats: PeerStats = { elections: 0, linkLosses: 0, stepDowns: 0, ignoredMessages: 0 }
  private nowTick = 0
  private accepted: number
  private current: number
  private committed: bigint
  private durable: Durable
  private inflight: { ready: Ready; durable: Durable } | undefined
  private role: RoleState
  private elected: { vote: Vote; round: number } | undefined
  private lastStatus: PeerStatus | undefined
  private statusDirty = true
  private nextBarrierId = 1
  private highestAcceptedHeard = 0
  private readonly members: ReadonlySet<number>

  constructor(
    config: PeerConfigInput,
    persisted: PersistedState,
    private readonly env: PeerEnv & { note?(event: string): void },
  ) {
    this.config = resolvePeerConfig(config)
    this.faults = this.config.unsafeTestFaults
    this.members = new Set([...this.config.voters, ...this.config.observers])
    validatePersisted(persisted)
    this.history = new History(persisted.snapshot, persisted.log)
    this.accepted = persisted.acceptedEpoch
    this.current = persisted.currentEpoch
    this.committed = this.history.baseZxid
    this.durable = { lastZxid: this.history.lastZxid, acceptedEpoch: this.accepted, currentEpoch: this.current }
    this.role = this.startElection(1)
  }

  // ---- PeerContext (for the role modules) ----
  get now(): number {
    return this.nowTick
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
    invariant(zxid > this.committed && zxid <= this.history.lastZxid, () => `commit ${formatZxid(zxid)} outside (${formatZxid(this.committed)}, ${formatZxid(this.history.lastZxid)}]`)
    if (this.committed < this.history.baseZxid) {
      this.outbox.restore(this.history.snapshot!)
      this.committed = this.history.baseZxid
    }
    if (zxid > this.committed) this.outbox.commit(this.history.between(this.committed, zxid))
    this.committed = zxid
  }
  newLinkId(): number {
    return 1 + Math.floor(this.env.random() * 0xffff_fffe)
  }
  isObserver(id: number): boolean {
    return this.config.observers.includes(id)
  }
  lookAgain(reason: string): void {
    this.note(`looking: ${reason}`)
    if (this.role.kind === 'leading') this.stats.stepDowns++
    if (this.role.kind === 'learning') this.stats.linkLosses++
    this.role = this.startElection(this.roundNumber() + 1)
  }
  get epochHint(): number {
    return this.highestAcceptedHeard
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

  // ---- inputs ----
  tick(): void {
    this.nowTick++
    const r = this.role
    if (r.kind === 'looking') this.maybeConclude(r.election.onTick())
    else if (r.kind === 'leading') r.leader.tick()
    else r.learner.tick()
  }

  step(from: number, message: Message): void {
    if (from === this.config.id || !this.members.has(from)) {
      this.stats.ignoredMessages++
      return
    }
    if (message.type === 'notification') {
      this.heardAcceptedEpoch(message.acceptedEpoch)
      return this.onNotification(from, message)
    }
    const r = this.role
    if (r.kind === 'leading' && isLinkMessage(message)) r.leader.onLinkMessage(from, message)
    else if (r.kind === 'learning') r.learner.onMessage(from, message)
    // A learner that concluded before us retransmits its FOLLOWERINFO until we lead (or it gives up).
    else this.stats.ignoredMessages++
  }

  propose(payload: Uint8Array): Result<{ zxid: bigint }> {
    if (this.role.kind !== 'leading') return { ok: false, reason: 'not-leader' }
    return this.role.leader.propose(payload)
  }

  /** An ordered `sync` marker; its outcome arrives in a later Ready's `barriers`. */
  barrier(): Result<{ id: number }> {
    const r = this.role
    const id = this.nextBarrierId
    if (r.kind === 'leading') {
      if (!r.leader.serving) return { ok: false, reason: 'not-serving' }
      r.leader.barrier(id)
    } else if (r.kind === 'learning') {
      const res = r.learner.barrier(id)
      if (!res.ok) return res
    } else return { ok: false, reason: 'no-leader' }
    this.nextBarrierId = id >= 0xffff_ffff ? 1 : id + 1
    return { ok: true, id }
  }

  /** Opaque bytes to the leader, delivered in order with its view of our link (at most once). */
  sendToLeader(payload: Uint8Array): Result<object> {
    if (this.role.kind !== 'learning') return { ok: false, reason: this.role.kind === 'leading' ? 'not-leader' : 'no-leader' }
    return this.role.learner.sendToLeader(payload)
  }

  /** Leader only: opaque bytes to a synced learner, ordered with the commits sent to it. */
  sendToMember(to: number, payload: Uint8Array): Result<object> {
    if (this.role.kind !== 'leading') return { ok: false, reason: 'not-leader' }
    return this.role.leader.sendToMember(to, payload)
  }

  /**
   * The application saved a snapshot of its state at `snapshot.zxid` (at most what it applied):
   * entries up to it are dropped from memory and later SNAPs send this snapshot.
   */
  compact(snapshot: Snapshot): void {
    invariant(snapshot.zxid <= this.committed, () => `snapshot at ${formatZxid(snapshot.zxid)} beyond committed ${formatZxid(this.committed)}`)
    if (snapshot.zxid > this.history.baseZxid) this.history.compact(snapshot)
  }

  // ---- outputs ----
  hasReady(): boolean {
    return this.inflight === undefined && (!this.outbox.isEmpty() || this.statusDiffers())
  }

  ready(): Ready {
    invariant(this.inflight === undefined, 'ready() called again before advance()')
    const batch = this.outbox.take()
    const status = this.statusDiffers() ? this.status() : undefined
    if (status !== undefined) this.lastStatus = status
    this.statusDirty = false
    const ready = toReady(batch, status)
    this.inflight = { ready, durable: afterPersist(this.durable, batch.hasPersist ? batch.persist : undefined) }
    return ready
  }

  advance(ready: Ready): void {
    invariant(this.inflight?.ready === ready, 'advance() with a Ready that is not the outstanding one')
    this.durable = this.inflight.durable
    this.inflight = undefined
    if (this.role.kind === 'leading') this.role.leader.onDurable()
  }

  status(): PeerStatus {
    const r = this.role
    const role: Role = r.kind === 'leading' ? 'leading' : r.kind === 'looking' ? 'looking' : r.learner.observer ? 'observing' : 'following'
    return {
      id: this.config.id,
      role,
      leader: r.kind === 'leading' ? this.config.id : r.kind === 'learning' ? r.learner.leader : undefined,
      epoch: this.current,
      acceptedEpoch: this.accepted,
      serving: r.kind === 'leading' ? r.leader.serving : r.kind === 'learning' ? r.learner.serving : false,
      lastLoggedZxid: this.history.lastZxid,
      committedZxid: this.committed,
    }
  }

  // ---- election ----
  private roundNumber(): number {
    return this.role.kind === 'looking' ? this.role.election.round : (this.elected?.round ?? 0)
  }

  private startElection(round: number): RoleState {
    this.stats.elections++
    this.statusDirty = true
    this.elected = undefined
    const selfVote = this.config.voters.includes(this.config.id) ? this.ownVote() : undefined
    const election = new Election({ config: this.config, now: () => this.nowTick, acceptedEpoch: () => this.accepted, broadcast: (n) => this.broadcast(n), send: (to, n) => this.outbox.send(to, n) }, round, selfVote)
    this.role = { kind: 'looking', election }
    const done = election.start()
    if (done !== undefined) return this.concluded(done)
    return this.role
  }

  private ownVote(): Vote {
    const zxid = this.faults.voteWithCommittedZxid ? this.committed : this.history.lastZxid
    return { leader: this.config.id, zxid, peerEpoch: this.current }
  }

  private broadcast(n: Notification): void {
    for (const v of this.config.voters) if (v !== this.config.id) this.outbox.send(v, n)
  }

  private onNotification(from: number, n: Notification): void {
    const r = this.role
    if (r.kind === 'looking') return this.maybeConclude(r.election.onNotification(from, n))
    // Settled: tell a looking member (or an asking observer) whom we follow.
    if (n.state === 'looking' && this.elected !== undefined) {
      const v = this.elected.vote
      const state = this.status().role
      this.outbox.send(from, { type: 'notification', state, leader: v.leader, zxid: v.zxid, round: this.elected.round, peerEpoch: v.peerEpoch, acceptedEpoch: this.accepted })
    }
  }

  private maybeConclude(done: Elected | undefined): void {
    if (done !== undefined) this.role = this.concluded(done)
  }

  private concluded(done: Elected): RoleState {
    this.elected = { vote: done.vote, round: done.round }
    this.statusDirty = true
    this.note(`elected ${done.vote.leader} (round ${done.round}, epoch ${done.vote.peerEpoch}, zxid ${formatZxid(done.vote.zxid)})`)
    if (done.vote.leader === this.config.id) this.role = { kind: 'leading', leader: new Leader(this) }
    else this.role = { kind: 'learning', learner: new Learner(this, done.vote.leader, this.isObserver(this.config.id)) }
    return this.role
  }

  private statusDiffers(): boolean {
    if (!this.statusDirty) return false
    const s = this.status()
    const l = this.lastStatus
    return l === undefined || l.role !== s.role || l.leader !== s.leader || l.epoch !== s.epoch || l.serving !== s.serving
  }
}

function toReady(b: Batch, status: PeerStatus | undefined): Ready {
  return {
    persist: b.hasPersist ? b.persist : undefined,
    messages: b.messages,
    restore: b.restore,
    committed: b.committed,
    barriers: b.barriers,
    received: b.received,
    status,
  }
}

/** The durable state once the caller carried out `p` in the documented order. */
function afterPersist(d: Durable, p: PersistOps | undefined): Durable {
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
