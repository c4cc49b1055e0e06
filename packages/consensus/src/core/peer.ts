// One ensemble member's consensus state machine, in the style of etcd's raft library: the caller
// feeds it ticks, messages and proposals, takes a Ready (what to persist, send and apply), does
// it, and calls advance(). No I/O, no clock, no Math.random: the same inputs give the same outputs.
import type { PeerConfig, PeerConfigInput } from './config.js'
import type { Durable } from './state.js'
import type { Elected, Vote } from './election.js'
import type { Message, Notification } from './messages.js'
import type { Batch } from './outbox.js'
import type { Entry, LearnerCounts, Outbound, PeerEnv, PeerStatus, PersistedState, Ready, Result, Role, Snapshot } from './types.js'
import { resolvePeerConfig } from './config.js'
import { Election } from './election.js'
import { invariant } from './errors.js'
import { Leader } from './leader.js'
import { Learner } from './learner.js'
import { isLinkMessage } from './messages.js'
import { PeerState, afterPersist } from './state.js'
import { formatZxid } from './zxid.js'

type RoleState =
  | { readonly kind: 'looking'; readonly election: Election }
  | { readonly kind: 'leading'; readonly leader: Leader }
  | { readonly kind: 'learning'; readonly learner: Learner }

export interface PeerStats {
  elections: number
  linkLosses: number
  stepDowns: number
  ignoredMessages: number
}

export class Peer {
  readonly config: PeerConfig
  readonly stats: PeerStats = { elections: 0, linkLosses: 0, stepDowns: 0, ignoredMessages: 0 }
  private readonly s: PeerState
  /** The Ready being carried out: what it makes durable, and the members a message of it waits for. */
  private inflight: { readonly ready: Ready; readonly durable: Durable; waiting: ReadonlySet<number> } | undefined
  private role: RoleState
  private elected: { vote: Vote; round: number } | undefined
  /** The highest election round this peer took part in (see Election.highestRound). */
  private highestRound = 0
  private lastStatus: PeerStatus | undefined
  private nextBarrierId = 1
  private readonly members: ReadonlySet<number>
  /** Members whose connection broke (linkDown) and that sent nothing since. */
  private readonly unreachable = new Set<number>()
  /** FOLLOWERINFO that reached us while we were looking and proposing ourselves, by sender. */
  private readonly earlyInfos = new Map<number, Extract<Message, { type: 'followerinfo' }>>()

  constructor(config: PeerConfigInput, persisted: PersistedState, env: PeerEnv & { note?(event: string): void }) {
    this.config = resolvePeerConfig(config)
    this.members = new Set([...this.config.voters, ...this.config.observers])
    this.s = new PeerState(this.config, persisted, env, (reason) => this.lookAgain(reason))
    this.role = this.startElection(1)
  }

  /** Highest zxid handed to the application as committed. */
  get committedZxid(): bigint {
    return this.s.committedZxid
  }

  /** A logged entry (after the snapshot), for inspection. */
  loggedEntry(zxid: bigint): Entry | undefined {
    return this.s.history.get(zxid)
  }

  /** The snapshot the in-memory history starts from. */
  get snapshot(): Snapshot | undefined {
    return this.s.history.snapshot
  }

  // ---- inputs ----
  tick(): void {
    this.s.now++
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
    this.unreachable.delete(from)
    if (message.type === 'notification') {
      this.s.heardAcceptedEpoch(message.acceptedEpoch)
      return this.onNotification(from, message)
    }
    const r = this.role
    if (r.kind === 'leading' && isLinkMessage(message)) r.leader.onLinkMessage(from, message)
    else if (r.kind === 'learning' && from === r.learner.leader) r.learner.onMessage(from, message)
    else if (isLinkMessage(message) && this.refusesLink(from)) this.s.outbox.send(from, { type: 'reset', link: message.link })
    else if (r.kind === 'looking' && message.type === 'followerinfo') {
      // It concluded before our finalize wait ended: answered the moment we lead, not on its next
      // retransmission a tick later. One per sender (its latest link).
      this.earlyInfos.set(from, message)
    } else this.stats.ignoredMessages++
  }

  /**
   * A link message reached a member that does not lead: the sender believes we lead (a learner
   * whose FOLLOWERINFO or later traffic this is) or that we follow it on a link that is over.
   * Unless we may still become its leader, we refuse the link at once, as Apache's learner is
   * refused when only the leader accepts learner connections: the learner goes back to LOOKING
   * and finds the real leader instead of waiting out initLimit, unable to vote meanwhile. We may
   * still become its leader while we are LOOKING and propose ourselves (it concluded before our
   * finalize wait ended): then it retransmits FOLLOWERINFO until we lead, and once we propose
   * someone else or settle elsewhere, the next retransmission is refused. A reset is never
   * answered and only ends a learner whose leader is the sender, so this cannot loop.
   */
  private refusesLink(from: number): boolean {
    const r = this.role
    if (r.kind === 'looking') return !r.election.proposes(this.config.id)
    return r.kind === 'learning'
  }

  /**
   * The caller's connection to `peerId` broke (socket closed or reset; not mere silence, which
   * the tick limits catch). A learner whose leader it was goes back to LOOKING at once, as
   * Apache's learner does on a socket error, instead of waiting out syncLimit. A leader drops
   * that learner's link: it no longer counts for quorum, and the leader steps down on its next
   * tick only if the rest no longer make a quorum (Apache's leader likewise drops the
   * LearnerHandler and checks its quorum on the next ping tick), so one follower's reset does
   * not end a term. Whatever was in flight on the broken connection may be lost: the link ids
   * and sequence numbers of the Zab links already make stale or gapped traffic harmless.
   */
  linkDown(peerId: number): void {
    if (peerId === this.config.id || !this.members.has(peerId)) return
    this.unreachable.add(peerId)
    const r = this.role
    if (r.kind === 'learning' && r.learner.leader === peerId) r.learner.lose(`link to leader ${peerId} down`)
    else if (r.kind === 'leading') r.leader.linkDown(peerId)
    // LOOKING: notifications are resent on ticks, and a lost one only delays the election.
  }

  /**
   * A connection to `peerId` is (again) established. It is no longer counted as unreachable, so
   * an election waits for its vote (or the finalize wait) instead of concluding without it; any
   * message from it does the same.
   */
  linkUp(peerId: number): void {
    this.unreachable.delete(peerId)
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
    const h = this.s.history
    invariant(snapshot.zxid <= this.s.committedZxid, () => `snapshot at ${formatZxid(snapshot.zxid)} beyond committed ${formatZxid(this.s.committedZxid)}`)
    if (snapshot.zxid > h.baseZxid) h.compact(snapshot)
  }

  // ---- outputs ----
  hasReady(): boolean {
    return this.inflight === undefined && (!this.s.outbox.isEmpty() || this.statusDiffers())
  }

  ready(): Ready {
    invariant(this.inflight === undefined, 'ready() called again before advance()')
    if (this.role.kind === 'learning') this.role.learner.flushAck()
    const { batch, waiting } = this.s.outbox.takeForReady()
    const status = this.statusDiffers() ? this.status() : undefined
    if (status !== undefined) this.lastStatus = status
    this.s.statusDirty = false
    const ready = toReady(batch, status)
    this.inflight = { ready, durable: afterPersist(this.s.durable, batch.hasPersist ? batch.persist : undefined), waiting }
    return ready
  }

  /**
   * While the outstanding Ready's writes are being made durable: messages gathered since that
   * may leave now (see Outbound.early), so a proposal or a forwarded request does not wait for
   * an fsync it has nothing to do with. They are no longer part of the next Ready.
   */
  takeEarly(): Outbound[] {
    if (this.inflight === undefined) return []
    return this.s.outbox.takeEarly(this.inflight.waiting)
  }

  /**
   * The caller has sent the outstanding Ready's other messages (its persist is done): nothing of
   * it waits any more, so takeEarly() holds nothing back until advance(). A caller that takes
   * long to apply (loading a SNAP) keeps answering its leader's pings meanwhile.
   */
  sentAfterPersist(): void {
    if (this.inflight !== undefined) this.inflight.waiting = new Set()
  }

  advance(ready: Ready): void {
    invariant(this.inflight?.ready === ready, 'advance() with a Ready that is not the outstanding one')
    this.s.durable = this.inflight.durable
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
      epoch: this.s.currentEpoch,
      acceptedEpoch: this.s.acceptedEpoch,
      serving: r.kind === 'leading' ? r.leader.serving : r.kind === 'learning' ? r.learner.serving : false,
      lastLoggedZxid: this.s.history.lastZxid,
      committedZxid: this.s.committedZxid,
    }
  }

  /** Leader only: its learners as Apache's leader counts them (mntr); undefined otherwise. */
  learnerCounts(): LearnerCounts | undefined {
    return this.role.kind === 'leading' ? this.role.leader.learnerCounts() : undefined
  }

  // ---- election ----
  private lookAgain(reason: string): void {
    this.s.note(`looking: ${reason}`)
    if (this.role.kind === 'leading') this.stats.stepDowns++
    if (this.role.kind === 'learning') this.stats.linkLosses++
    this.role = this.startElection(Math.max(this.roundNumber(), this.highestRound) + 1)
  }

  private roundNumber(): number {
    return this.role.kind === 'looking' ? this.role.election.round : (this.elected?.round ?? 0)
  }

  private startElection(round: number): RoleState {
    this.stats.elections++
    this.s.statusDirty = true
    this.elected = undefined
    const selfVote = this.config.voters.includes(this.config.id) ? this.ownVote() : undefined
    const host = {
      config: this.config,
      now: () => this.s.now,
      acceptedEpoch: () => this.s.acceptedEpoch,
      unreachable: (id: number) => this.unreachable.has(id),
      broadcast: (n: Notification) => this.broadcast(n),
      send: (to: number, n: Notification) => this.s.outbox.send(to, n),
    }
    this.earlyInfos.clear()
    const election = new Election(host, round, selfVote)
    this.role = { kind: 'looking', election }
    const done = election.start()
    if (done !== undefined) return this.concluded(done)
    return this.role
  }

  private ownVote(): Vote {
    const zxid = this.config.unsafeTestFaults.voteWithCommittedZxid ? this.s.committedZxid : this.s.history.lastZxid
    return { leader: this.config.id, zxid, peerEpoch: this.s.currentEpoch }
  }

  private broadcast(n: Notification): void {
    for (const v of this.config.voters) if (v !== this.config.id) this.s.outbox.send(v, n)
  }

  private onNotification(from: number, n: Notification): void {
    const r = this.role
    if (r.kind === 'looking') return this.maybeConclude(r.election.onNotification(from, n))
    if (r.kind === 'learning' && from === r.learner.leader && n.state === 'looking' && this.elected !== undefined && n.round > this.elected.round) {
      // Our leader began an election after the one we concluded: it will not answer our link
      // (and may wait for our vote). Vote instead of waiting out initLimit. Its LOOKING in the
      // round we concluded (still in its finalize wait) is no reason: it may yet lead.
      r.learner.lose(`leader ${from} looking in round ${n.round}`)
      const now = this.role
      if (now.kind === 'looking') this.maybeConclude(now.election.onNotification(from, n))
      return
    }
    // Settled: tell a looking member (or an asking observer) whom we follow.
    if (n.state === 'looking' && this.elected !== undefined) {
      const v = this.elected.vote
      const state = this.status().role
      this.s.outbox.send(from, { type: 'notification', state, leader: v.leader, zxid: v.zxid, round: this.elected.round, peerEpoch: v.peerEpoch, acceptedEpoch: this.s.acceptedEpoch })
    }
  }

  private maybeConclude(done: Elected | undefined): void {
    if (done !== undefined) this.role = this.concluded(done)
  }

  private concluded(done: Elected): RoleState {
    if (this.role.kind === 'looking') this.highestRound = Math.max(this.highestRound, this.role.election.highestRound)
    this.elected = { vote: done.vote, round: done.round }
    this.s.statusDirty = true
    this.s.note(`elected ${done.vote.leader} (round ${done.round}, epoch ${done.vote.peerEpoch}, zxid ${formatZxid(done.vote.zxid)})`)
    const early = [...this.earlyInfos]
    this.earlyInfos.clear()
    if (done.vote.leader === this.config.id) {
      const leader = new Leader(this.s)
      this.role = { kind: 'leading', leader }
      for (const [from, info] of early) if (this.role.kind === 'leading' && this.role.leader === leader) leader.onLinkMessage(from, info)
    } else this.role = { kind: 'learning', learner: new Learner(this.s, done.vote.leader, this.s.isObserver(this.config.id)) }
    return this.role
  }

  private statusDiffers(): boolean {
    if (!this.s.statusDirty) return false
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
