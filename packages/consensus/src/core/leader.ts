// The leader's side of Zab: discovery (pick newEpoch = max acceptedEpoch + 1, get a quorum's
// ACKEPOCH, refusing anyone ahead of us), synchronization (DIFF/TRUNC/SNAP then NEWLEADER, serve
// once a quorum acknowledged it) and broadcast (pipelined PROPOSALs, cumulative ACKs, COMMIT in
// zxid order, INFORM to observers). Our own votes count only once the caller confirmed the
// corresponding write durable (advance).
import type { PeerContext } from './context.js'
import type { LinkBody, LinkMessage } from './messages.js'
import type { Entry, LearnerCounts, Result } from './types.js'
import { invariant } from './errors.js'
import { entriesBytes } from './messages.js'
import { isQuorum, quorumZxid } from './quorum.js'
import { planSync } from './sync.js'
import { MAX_EPOCH, counterOf, epochOf, formatZxid, makeZxid, maxCounter } from './zxid.js'

type LearnerPhase = 'info' | 'epoch' | 'acked' | 'syncing' | 'synced' | 'uptodate'

interface LearnerLink {
  readonly sid: number
  readonly observer: boolean
  readonly link: number
  sendSeq: number
  recvSeq: number
  phase: LearnerPhase
  syncPoint: bigint
  ackedZxid: bigint
  lastZxid: bigint
  readonly startedTick: number
  lastHeardTick: number
}

interface PendingBarrier {
  readonly sid: number
  readonly link: number
  readonly id: number
  readonly zxid: bigint
}

const FORWARDING: ReadonlySet<LearnerPhase> = new Set(['syncing', 'synced', 'uptodate'])
const ACKING: ReadonlySet<LearnerPhase> = new Set(['synced', 'uptodate'])

export class Leader {
  phase: 'discovery' | 'sync' | 'broadcast' = 'discovery'
  newEpoch = 0
  commitZxid: bigint
  private readonly learners = new Map<number, LearnerLink>()
  /** acceptedEpoch of each voter that registered (ourselves included). */
  private readonly epochInfo = new Map<number, number>()
  private readonly epochAcks = new Set<number>()
  private readonly newLeaderAcks = new Set<number>()
  private phaseStartTick: number
  private initialLastZxid = 0n
  private readonly barriers: PendingBarrier[] = []

  constructor(private readonly ctx: PeerContext) {
    invariant(ctx.config.voters.includes(ctx.config.id), 'only a voter can lead')
    this.commitZxid = ctx.committedZxid
    this.phaseStartTick = ctx.now
    this.epochInfo.set(ctx.config.id, ctx.acceptedEpoch)
    this.maybeDecideEpoch()
  }

  get serving(): boolean {
    return this.phase === 'broadcast'
  }

  onLinkMessage(from: number, m: LinkMessage): void {
    if (m.type === 'followerinfo') return this.onFollowerInfo(from, m)
    const l = this.learners.get(from)
    if (l === undefined || l.link !== m.link) {
      this.ctx.outbox.send(from, { type: 'reset', link: m.link })
      return
    }
    if (m.seq < l.recvSeq) return
    if (m.seq > l.recvSeq) return this.drop(l, `gap: seq ${m.seq}, expected ${l.recvSeq}`)
    l.recvSeq++
    l.lastHeardTick = this.ctx.now
    switch (m.type) {
      case 'ackepoch':
        return this.onAckEpoch(l, m)
      case 'acknewleader':
        return this.onAckNewLeader(l, m)
      case 'ack':
        return this.onAck(l, m)
      case 'ping':
        return
      case 'barrier':
        return this.onBarrier(l, m.id)
      case 'channel':
        if (ACKING.has(l.phase)) return this.ctx.outbox.receive({ from, payload: m.payload })
        return this.drop(l, 'channel before sync')
      default:
        return this.drop(l, `unexpected ${m.type}`)
    }
  }

  private onFollowerInfo(from: number, m: Extract<LinkMessage, { type: 'followerinfo' }>): void {
    const existing = this.learners.get(from)
    if (existing?.link === m.link) return
    if (m.seq !== 0 || m.observer !== this.ctx.isObserver(from)) {
      this.ctx.outbox.send(from, { type: 'reset', link: m.link })
      return
    }
    const now = this.ctx.now
    const l: LearnerLink = {
      sid: from,
      observer: m.observer,
      link: m.link,
      sendSeq: 0,
      recvSeq: 1,
      phase: 'info',
      syncPoint: 0n,
      ackedZxid: 0n,
      lastZxid: 0n,
      startedTick: now,
      lastHeardTick: now,
    }
    this.learners.set(from, l)
    this.ctx.heardAcceptedEpoch(m.acceptedEpoch)
    if (this.newEpoch !== 0 && m.acceptedEpoch > this.newEpoch) {
      // It promised a later epoch (to a leader that never established it) and would refuse ours
      // for as long as we lead; lead again above it rather than leave it out for good.
      return this.stepDown(`member ${from} accepted epoch ${m.acceptedEpoch} > ours ${this.newEpoch}`)
    }
    if (!m.observer && this.newEpoch === 0) {
      this.epochInfo.set(from, m.acceptedEpoch)
      this.maybeDecideEpoch()
    }
    if (this.newEpoch !== 0 && l.phase === 'info') this.sendLeaderInfo(l)
  }

  private maybeDecideEpoch(): void {
    if (this.newEpoch !== 0 || !isQuorum(this.ctx.config.voters, this.epochInfo)) return
    this.newEpoch = Math.max(...this.epochInfo.values(), this.ctx.epochHint) + 1
    invariant(this.newEpoch <= MAX_EPOCH, 'epoch space exhausted')
    invariant(this.newEpoch > this.ctx.acceptedEpoch, 'new epoch must exceed our accepted epoch')
    this.ctx.setAcceptedEpoch(this.newEpoch)
    this.ctx.note(`proposes epoch ${this.newEpoch}`)
    for (const l of this.learners.values()) if (l.phase === 'info') this.sendLeaderInfo(l)
  }

  private sendLeaderInfo(l: LearnerLink): void {
    this.sendTo(l, { type: 'leaderinfo', newEpoch: this.newEpoch })
    l.phase = 'epoch'
  }

  private onAckEpoch(l: LearnerLink, m: Extract<LinkMessage, { type: 'ackepoch' }>): void {
    if (l.phase !== 'epoch') return this.drop(l, `ackepoch in phase ${l.phase}`)
    const ours = { currentEpoch: this.ctx.currentEpoch, lastZxid: this.ctx.history.lastZxid }
    const ahead = m.currentEpoch > ours.currentEpoch || (m.currentEpoch === ours.currentEpoch && m.lastZxid > ours.lastZxid)
    if (ahead && !this.ctx.faults.noFollowerAheadCheck) {
      // It may hold committed txns we lack: syncing it to us could destroy them.
      return this.drop(l, `follower ahead: epoch ${m.currentEpoch} zxid ${formatZxid(m.lastZxid)}`)
    }
    l.lastZxid = m.lastZxid
    l.phase = 'acked'
    if (m.counted && !l.observer) this.epochAcks.add(l.sid)
    if (this.phase === 'discovery') this.maybeEpochQuorum()
    else this.syncLearner(l)
  }

  private maybeEpochQuorum(): void {
    if (this.phase !== 'discovery' || this.newEpoch === 0 || !isQuorum(this.ctx.config.voters, this.epochAcks)) return
    this.phase = 'sync'
    this.phaseStartTick = this.ctx.now
    this.ctx.setCurrentEpoch(this.newEpoch)
    this.initialLastZxid = this.ctx.history.lastZxid
    this.ctx.statusChanged()
    this.ctx.note(`epoch ${this.newEpoch} acknowledged; history up to ${formatZxid(this.initialLastZxid)}`)
    for (const l of this.learners.values()) if (l.phase === 'acked') this.syncLearner(l)
  }

  private syncLearner(l: LearnerLink): void {
    const h = this.ctx.history
    const plan = planSync(h, l.lastZxid)
    const snapshot = plan.mode === 'snap' ? h.snapshot : undefined
    invariant(plan.mode !== 'snap' || snapshot !== undefined, 'SNAP without a snapshot')
    this.sendTo(l, {
      type: 'syncstart',
      mode: plan.mode,
      truncZxid: plan.truncZxid,
      snapshotZxid: snapshot?.zxid ?? 0n,
      snapshotBytes: snapshot?.data.length ?? 0,
    })
    if (snapshot !== undefined) {
      const chunk = this.ctx.config.maxSnapshotChunkBytes
      for (let at = 0; at < snapshot.data.length; at += chunk) this.sendTo(l, { type: 'snapchunk', data: snapshot.data.subarray(at, at + chunk) })
    }
    for (const part of this.chunks(h.between(plan.fromZxid))) this.sendTo(l, { type: 'syncentries', entries: part })
    this.sendTo(l, { type: 'newleader', epoch: this.newEpoch, lastZxid: h.lastZxid })
    l.syncPoint = h.lastZxid
    l.phase = 'syncing'
    this.ctx.note(`sync ${l.sid}: ${plan.mode} from ${formatZxid(plan.fromZxid)} to ${formatZxid(h.lastZxid)}`)
  }

  private *chunks(entries: readonly Entry[]): Generator<Entry[]> {
    const { maxEntriesPerMessage, maxBatchBytes } = this.ctx.config
    let part: Entry[] = []
    let bytes = 0
    for (const e of entries) {
      const size = entriesBytes([e])
      if (part.length > 0 && (part.length >= maxEntriesPerMessage || bytes + size > maxBatchBytes)) {
        yield part
        part = []
        bytes = 0
      }
      part.push(e)
      bytes += size
    }
    if (part.length > 0) yield part
  }

  private onAckNewLeader(l: LearnerLink, m: Extract<LinkMessage, { type: 'acknewleader' }>): void {
    if (l.phase !== 'syncing' || m.lastZxid !== l.syncPoint) return this.drop(l, `bad acknewleader ${formatZxid(m.lastZxid)} in ${l.phase}`)
    l.phase = 'synced'
    l.ackedZxid = m.lastZxid
    if (!l.observer) this.newLeaderAcks.add(l.sid)
    if (this.phase === 'broadcast') {
      this.sendUpToDate(l)
      this.recomputeCommit()
    } else this.maybeEstablish()
  }

  private maybeEstablish(): void {
    if (this.phase !== 'sync' || !isQuorum(this.ctx.config.voters, this.newLeaderAcks)) return
    this.phase = 'broadcast'
    // The whole initial history is now on a quorum with currentEpoch = newEpoch: it is committed.
    if (this.initialLastZxid > this.commitZxid) this.advanceCommit(this.initialLastZxid, false)
    for (const l of this.learners.values()) if (l.phase === 'synced') this.sendUpToDate(l)
    this.ctx.statusChanged()
    this.ctx.note(`established epoch ${this.newEpoch}`)
    this.recomputeCommit()
  }

  private sendUpToDate(l: LearnerLink): void {
    this.sendTo(l, { type: 'uptodate', commitZxid: this.commitZxid })
    l.phase = 'uptodate'
  }

  private onAck(l: LearnerLink, m: Extract<LinkMessage, { type: 'ack' }>): void {
    if (l.observer || !ACKING.has(l.phase) || m.zxid > this.ctx.history.lastZxid) return this.drop(l, `bad ack ${formatZxid(m.zxid)}`)
    if (m.zxid > l.ackedZxid) l.ackedZxid = m.zxid
    this.recomputeCommit()
  }

  /** Called after the caller confirmed writes durable: our own acknowledgements count now. */
  onDurable(): void {
    const id = this.ctx.config.id
    if (this.newEpoch !== 0 && this.ctx.durableAcceptedEpoch === this.newEpoch && !this.epochAcks.has(id)) {
      this.epochAcks.add(id)
      this.maybeEpochQuorum()
    }
    if (this.phase === 'sync' && this.ctx.durableCurrentEpoch === this.newEpoch && !this.newLeaderAcks.has(id)) {
      this.newLeaderAcks.add(id)
      this.maybeEstablish()
    }
    this.recomputeCommit()
  }

  private recomputeCommit(): void {
    if (this.phase !== 'broadcast') return
    const self = this.ctx.config.id
    const q = quorumZxid(this.ctx.config.voters, (id) => {
      if (id === self) return this.ctx.durableZxid
      const l = this.learners.get(id)
      return l !== undefined && !l.observer && ACKING.has(l.phase) ? l.ackedZxid : undefined
    })
    // The broken build counts its own durable log as a quorum (tests only: the checkers must catch it).
    const committable = this.ctx.faults.ackBeforeQuorum === true && this.ctx.durableZxid > q ? this.ctx.durableZxid : q
    if (committable > this.commitZxid) this.advanceCommit(committable, true)
  }

  private advanceCommit(zxid: bigint, notify: boolean): void {
    invariant(zxid > this.commitZxid && zxid <= this.ctx.history.lastZxid, () => `commit ${formatZxid(zxid)} out of range`)
    const entries = notify ? this.ctx.history.between(this.commitZxid, zxid) : []
    this.commitZxid = zxid
    this.ctx.commitTo(zxid)
    if (notify) {
      for (const l of this.learners.values()) {
        if (!FORWARDING.has(l.phase)) continue
        if (l.observer) this.sendMerged(l, { type: 'inform', entries })
        else this.sendMerged(l, { type: 'commit', zxid })
      }
    }
    this.completeBarriers()
  }

  propose(payload: Uint8Array): Result<{ zxid: bigint }> {
    if (this.phase !== 'broadcast') return { ok: false, reason: 'not-serving' }
    if (payload.length > this.ctx.config.maxPayloadBytes) return { ok: false, reason: 'too-large' }
    const last = this.ctx.history.lastZxid
    const lastCounter = epochOf(last) === this.newEpoch ? counterOf(last) : 0
    const committedCounter = epochOf(this.commitZxid) === this.newEpoch ? counterOf(this.commitZxid) : 0
    if (lastCounter - committedCounter >= this.ctx.config.maxInflightProposals) return { ok: false, reason: 'busy' }
    if (lastCounter + 1 > maxCounter(this.ctx.config.counterBits)) {
      // Apache forces a new election rather than let the counter roll over into the epoch.
      this.stepDown('zxid counter exhausted')
      return { ok: false, reason: 'epoch-exhausted' }
    }
    const entry: Entry = { zxid: makeZxid(this.newEpoch, lastCounter + 1), payload }
    this.ctx.history.append(entry)
    this.ctx.outbox.persistAppend(entry)
    for (const l of this.learners.values()) {
      if (!l.observer && FORWARDING.has(l.phase)) this.sendMerged(l, { type: 'proposal', entries: [entry] })
    }
    return { ok: true, zxid: entry.zxid }
  }

  /** An ordered marker: completes once everything proposed so far is committed. */
  barrier(id: number): void {
    this.enqueueBarrier({ sid: this.ctx.config.id, link: 0, id, zxid: this.ctx.history.lastZxid })
  }

  private onBarrier(l: LearnerLink, id: number): void {
    if (l.phase !== 'uptodate' || this.phase !== 'broadcast') return this.drop(l, 'barrier before uptodate')
    this.enqueueBarrier({ sid: l.sid, link: l.link, id, zxid: this.ctx.history.lastZxid })
  }

  private enqueueBarrier(b: PendingBarrier): void {
    if (this.barriers.length >= this.ctx.config.maxPendingBarriers) return this.answerBarrier(b, false)
    this.barriers.push(b)
    this.completeBarriers()
  }

  private completeBarriers(): void {
    if (this.phase !== 'broadcast') return
    while (this.barriers.length > 0 && this.barriers[0]!.zxid <= this.commitZxid) this.answerBarrier(this.barriers.shift()!, true)
  }

  private answerBarrier(b: PendingBarrier, ok: boolean): void {
    if (b.sid === this.ctx.config.id) {
      this.ctx.outbox.barrier(ok ? { id: b.id, ok, zxid: this.commitZxid } : { id: b.id, ok, reason: 'busy' })
      return
    }
    const l = this.learners.get(b.sid)
    if (l?.link === b.link) this.sendTo(l, { type: 'barrierdone', id: b.id, zxid: this.commitZxid, ok })
  }

  sendToMember(to: number, payload: Uint8Array): Result<object> {
    const l = this.learners.get(to)
    if (l === undefined || l.phase !== 'uptodate') return { ok: false, reason: 'unknown-member' }
    if (payload.length > this.ctx.config.maxPayloadBytes) return { ok: false, reason: 'too-large' }
    this.sendTo(l, { type: 'channel', payload })
    return { ok: true }
  }

  tick(): void {
    const { now, config } = this.ctx
    if (this.phase !== 'broadcast') {
      if (now - this.phaseStartTick >= config.initLimitTicks) this.stepDown(`no quorum for epoch ${this.newEpoch} within initLimit`)
      return
    }
    for (const l of [...this.learners.values()]) {
      const silent = ACKING.has(l.phase) ? now - l.lastHeardTick > config.syncLimitTicks : now - l.startedTick > config.initLimitTicks
      if (silent) this.drop(l, 'silent')
      else if (ACKING.has(l.phase)) this.sendTo(l, { type: 'ping' })
    }
    const synced = new Set([config.id])
    for (const l of this.learners.values()) if (!l.observer && ACKING.has(l.phase)) synced.add(l.sid)
    if (!isQuorum(config.voters, synced)) this.stepDown('lost quorum')
  }

  /** The connection to `sid` broke: its link is over (it re-registers with a new FOLLOWERINFO). */
  linkDown(sid: number): void {
    const l = this.learners.get(sid)
    if (l !== undefined) this.drop(l, 'connection lost')
  }

  /** Ends every link (telling each learner) and fails our own pending barriers. */
  stepDown(reason: string): void {
    for (const l of this.learners.values()) this.ctx.outbox.send(l.sid, { type: 'reset', link: l.link })
    this.learners.clear()
    for (const b of this.barriers) if (b.sid === this.ctx.config.id) this.ctx.outbox.barrier({ id: b.id, ok: false, reason: 'lost-leader' })
    this.barriers.length = 0
    this.ctx.lookAgain(reason)
  }

  private drop(l: LearnerLink, reason: string): void {
    this.ctx.note(`drops ${l.sid}: ${reason}`)
    this.learners.delete(l.sid)
    this.ctx.outbox.send(l.sid, { type: 'reset', link: l.link })
  }

  private sendTo(l: LearnerLink, body: LinkBody): void {
    this.ctx.outbox.send(l.sid, { ...body, link: l.link, seq: l.sendSeq++ } as LinkMessage)
  }

  private sendMerged(l: LearnerLink, body: Extract<LinkBody, { type: 'proposal' | 'inform' | 'commit' }>): void {
    if (!this.ctx.outbox.tryMerge(l.sid, l.link, body, this.ctx.config)) this.sendTo(l, body)
  }

  learnerCounts(): LearnerCounts {
    const links = [...this.learners.values()]
    const forwarded = (observer: boolean) => links.filter((l) => l.observer === observer && FORWARDING.has(l.phase)).length
    const waitedOn = new Set(this.barriers.filter((b) => b.sid !== this.ctx.config.id).map((b) => b.zxid))
    return { learners: links.length, syncedFollowers: forwarded(false), syncedObservers: forwarded(true), pendingSyncs: waitedOn.size }
  }

  /** Learners and their phases, for status pages and tests. */
  learnerPhases(): ReadonlyMap<number, LearnerPhase> {
    return new Map([...this.learners.values()].map((l) => [l.sid, l.phase]))
  }
}
