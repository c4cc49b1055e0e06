// A follower's (or observer's) side of Zab on one link to its leader: FOLLOWERINFO, ACKEPOCH
// with the last *logged* zxid, buffering the sync, and on NEWLEADER making the synced txns
// durable, then currentEpoch, and only then acknowledging; afterwards logging proposals before
// ACKing them and applying commits in order. Any surprise on the link ends it (back to LOOKING):
// the leader re-syncs us from scratch on the next link.
import type { PeerContext } from './context.js'
import type { LinkBody, LinkMessage, Message, SyncMode } from './messages.js'
import type { Entry, Result } from './types.js'
import { invariant } from './errors.js'
import { epochOf, formatZxid } from './zxid.js'

type LearnerPhase = 'connecting' | 'epoch' | 'syncing' | 'synced' | 'uptodate'

interface SyncBuffer {
  readonly mode: SyncMode
  readonly truncZxid: bigint
  readonly snapshotZxid: bigint
  readonly snapshot: Uint8Array | undefined
  snapshotFilled: number
  readonly entries: Entry[]
}

export class Learner {
  phase: LearnerPhase = 'connecting'
  readonly link: number
  private sendSeq = 0
  /** Highest zxid logged since the last ACK went into a Ready (see flushAck). */
  private pendingAck: bigint | undefined
  private recvSeq = 0
  private newEpoch = 0
  private readonly startedTick: number
  private lastHeardTick: number
  private sync: SyncBuffer | undefined
  /** Barriers sent to the leader, in order. */
  private readonly barriers = new Set<number>()
  /** Barriers the leader answered that wait for our commits to reach their zxid. */
  private readonly answered: { id: number; zxid: bigint }[] = []

  constructor(
    private readonly ctx: PeerContext,
    readonly leader: number,
    readonly observer: boolean,
  ) {
    this.link = ctx.newLinkId()
    this.startedTick = this.lastHeardTick = ctx.now
    this.sendInfo()
    this.sendSeq = 1
  }

  /** FOLLOWERINFO is seq 0 of the link; it is repeated until the leader answers (it may still be concluding). */
  private sendInfo(): void {
    this.ctx.outbox.send(this.leader, { type: 'followerinfo', observer: this.observer, acceptedEpoch: this.ctx.acceptedEpoch, link: this.link, seq: 0 })
  }

  get serving(): boolean {
    return this.phase === 'uptodate'
  }

  onMessage(from: number, m: Message): void {
    if (from !== this.leader) return
    if (m.type === 'reset') {
      if (m.link === this.link) this.lose('reset by the leader')
      return
    }
    if (m.type === 'notification' || m.link !== this.link || m.seq < this.recvSeq) return
    if (m.seq > this.recvSeq) return this.lose(`gap: seq ${m.seq}, expected ${this.recvSeq}`)
    this.recvSeq++
    this.lastHeardTick = this.ctx.now
    this.dispatch(m)
  }

  private dispatch(m: LinkMessage): void {
    const p = this.phase
    const synced = p === 'synced' || p === 'uptodate'
    if (m.type === 'leaderinfo' && p === 'connecting') return this.onLeaderInfo(m.newEpoch)
    if (m.type === 'syncstart' && p === 'epoch') return this.onSyncStart(m)
    if (m.type === 'snapchunk' && p === 'syncing') return this.onSnapChunk(m.data)
    if (m.type === 'syncentries' && p === 'syncing') return this.onSyncEntries(m.entries)
    if (m.type === 'newleader' && p === 'syncing') return this.onNewLeader(m.epoch, m.lastZxid)
    if (m.type === 'uptodate' && p === 'synced') return this.onUpToDate(m.commitZxid)
    if (m.type === 'proposal' && synced && !this.observer) return this.onProposal(m.entries)
    if (m.type === 'commit' && synced && !this.observer) return this.onCommit(m.zxid)
    if (m.type === 'inform' && synced && this.observer) return this.onInform(m.entries)
    if (m.type === 'ping' && p !== 'connecting') return this.send({ type: 'ping' })
    if (m.type === 'barrierdone' && p === 'uptodate') return this.onBarrierDone(m.id, m.zxid, m.ok)
    if (m.type === 'channel' && synced) return this.ctx.outbox.receive({ from: this.leader, payload: m.payload })
    this.lose(`unexpected ${m.type} in phase ${p}`)
  }

  private onLeaderInfo(newEpoch: number): void {
    const accepted = this.ctx.acceptedEpoch
    if (newEpoch < accepted) return this.lose(`leader epoch ${newEpoch} below accepted ${accepted}`)
    // An epoch we already accepted (we reconnected) is not acknowledged twice: not counted.
    const counted = newEpoch > accepted
    if (counted) this.ctx.setAcceptedEpoch(newEpoch)
    this.newEpoch = newEpoch
    this.send({ type: 'ackepoch', currentEpoch: this.ctx.currentEpoch, lastZxid: this.ctx.history.lastZxid, counted })
    this.phase = 'epoch'
  }

  private onSyncStart(m: Extract<LinkMessage, { type: 'syncstart' }>): void {
    const committed = this.ctx.committedZxid
    if (m.mode !== 'diff') {
      // Cutting below what we applied would un-commit txns: only a broken leader asks that.
      invariant(m.truncZxid >= committed, () => `leader ${this.leader} asks to cut at ${formatZxid(m.truncZxid)} below committed ${formatZxid(committed)}`)
    }
    if (m.snapshotBytes > this.ctx.config.maxSnapshotBytes) return this.lose(`snapshot of ${m.snapshotBytes} bytes exceeds maxSnapshotBytes`)
    this.sync = {
      mode: m.mode,
      truncZxid: m.truncZxid,
      snapshotZxid: m.snapshotZxid,
      snapshot: m.mode === 'snap' ? new Uint8Array(m.snapshotBytes) : undefined,
      snapshotFilled: 0,
      entries: [],
    }
    this.phase = 'syncing'
  }

  private onSnapChunk(data: Uint8Array): void {
    const s = this.sync!
    if (s.snapshot === undefined || s.snapshotFilled + data.length > s.snapshot.length) return this.lose('snapshot chunk overflows')
    s.snapshot.set(data, s.snapshotFilled)
    s.snapshotFilled += data.length
  }

  private onSyncEntries(entries: readonly Entry[]): void {
    const s = this.sync!
    if (s.entries.length + entries.length > this.ctx.config.maxSyncEntries) return this.lose('sync exceeds maxSyncEntries')
    const prev = s.entries.at(-1)?.zxid ?? -1n
    if ((entries[0]?.zxid ?? prev + 1n) <= prev) return this.lose('sync entries out of order')
    s.entries.push(...entries)
  }

  private onNewLeader(epoch: number, lastZxid: bigint): void {
    const s = this.sync!
    this.sync = undefined
    if (epoch !== this.newEpoch) return this.lose(`newleader for epoch ${epoch}, expected ${this.newEpoch}`)
    if (s.snapshot !== undefined && s.snapshotFilled !== s.snapshot.length) return this.lose('snapshot incomplete')
    const fault = this.ctx.faults.currentEpochBeforeTxns === true
    if (fault) {
      this.ctx.setCurrentEpoch(epoch, true)
      this.ctx.outbox.split()
    }
    if (!this.applySync(s, lastZxid)) return
    // Order matters (ZOOKEEPER-3911 and friends): txns durable, then currentEpoch, then the ACK.
    if (!fault) this.ctx.setCurrentEpoch(epoch)
    this.send({ type: 'acknewleader', lastZxid })
    this.phase = 'synced'
  }

  private applySync(s: SyncBuffer, lastZxid: bigint): boolean {
    const h = this.ctx.history
    const out = this.ctx.outbox
    if (s.mode === 'snap') {
      invariant(s.snapshotZxid >= this.ctx.committedZxid, 'SNAP older than what we applied')
      const snapshot = { zxid: s.snapshotZxid, data: s.snapshot! }
      h.resetTo(snapshot)
      out.persistSnapshot(snapshot)
      out.persistTruncate(snapshot.zxid)
    } else if (s.mode === 'trunc') {
      h.truncateAfter(s.truncZxid)
      out.persistTruncate(s.truncZxid)
    }
    for (const e of s.entries) {
      if (e.zxid <= h.lastZxid) {
        this.lose(`sync entry ${formatZxid(e.zxid)} not after ${formatZxid(h.lastZxid)}`)
        return false
      }
      h.append(e)
      out.persistAppend(e)
    }
    if (h.lastZxid !== lastZxid) {
      this.lose(`synced to ${formatZxid(h.lastZxid)}, leader has ${formatZxid(lastZxid)}`)
      return false
    }
    return true
  }

  private onUpToDate(commitZxid: bigint): void {
    this.phase = 'uptodate'
    this.commitUpTo(commitZxid)
    this.ctx.statusChanged()
  }

  private onProposal(entries: readonly Entry[]): void {
    const h = this.ctx.history
    const fault = this.ctx.faults.ackBeforeFsync === true
    if (fault) this.ctx.outbox.split()
    for (const e of entries) {
      if (e.zxid <= h.lastZxid || epochOf(e.zxid) !== this.newEpoch) return this.lose(`proposal ${formatZxid(e.zxid)} out of order`)
      h.append(e)
      this.ctx.outbox.persistAppend(e)
    }
    if (fault) this.ctx.outbox.sendInCurrent(this.leader, { type: 'ack', zxid: h.lastZxid, link: this.link, seq: this.sendSeq++ })
    else this.pendingAck = h.lastZxid
  }

  /**
   * The ACK of what this Ready logs goes last in it (the peer calls this as it hands the Ready
   * out): it must wait for the fsync, and anything queued behind it on the link would wait too,
   * requests forwarded from clients among them. One ACK covers every proposal of the batch.
   */
  flushAck(): void {
    if (this.pendingAck === undefined) return
    this.send({ type: 'ack', zxid: this.pendingAck })
    this.pendingAck = undefined
  }

  private onCommit(zxid: bigint): void {
    if (zxid > this.ctx.history.lastZxid) return this.lose(`commit ${formatZxid(zxid)} beyond our log`)
    this.commitUpTo(zxid)
  }

  private onInform(entries: readonly Entry[]): void {
    const h = this.ctx.history
    for (const e of entries) {
      if (e.zxid <= h.lastZxid) {
        if (!h.hasPoint(e.zxid)) return this.lose(`inform ${formatZxid(e.zxid)} unknown to our log`)
        continue
      }
      h.append(e)
      this.ctx.outbox.persistAppend(e)
    }
    const last = entries.at(-1)
    if (last !== undefined) this.commitUpTo(last.zxid)
  }

  private commitUpTo(zxid: bigint): void {
    const target = zxid < this.ctx.history.lastZxid ? zxid : this.ctx.history.lastZxid
    if (target > this.ctx.committedZxid) this.ctx.commitTo(target)
    while (this.answered.length > 0 && this.answered[0]!.zxid <= this.ctx.committedZxid) {
      const b = this.answered.shift()!
      this.ctx.outbox.barrier({ id: b.id, ok: true, zxid: b.zxid })
    }
  }

  barrier(id: number): Result<object> {
    if (this.phase !== 'uptodate') return { ok: false, reason: 'not-serving' }
    if (this.barriers.size >= this.ctx.config.maxPendingBarriers) return { ok: false, reason: 'busy' }
    this.barriers.add(id)
    this.send({ type: 'barrier', id })
    return { ok: true }
  }

  private onBarrierDone(id: number, zxid: bigint, ok: boolean): void {
    if (!this.barriers.delete(id)) return this.lose(`answer to unknown barrier ${id}`)
    if (!ok) return this.ctx.outbox.barrier({ id, ok: false, reason: 'busy' })
    // FIFO on the link put the commit before this answer; wait for it if it is still pending.
    this.answered.push({ id, zxid })
    this.commitUpTo(this.ctx.committedZxid)
  }

  sendToLeader(payload: Uint8Array): Result<object> {
    if (this.phase !== 'synced' && this.phase !== 'uptodate') return { ok: false, reason: 'no-leader' }
    if (payload.length > this.ctx.config.maxPayloadBytes) return { ok: false, reason: 'too-large' }
    this.send({ type: 'channel', payload })
    return { ok: true }
  }

  tick(): void {
    const { now, config } = this.ctx
    if (this.phase === 'connecting') this.sendInfo()
    if (this.phase !== 'uptodate') {
      if (now - this.startedTick > config.initLimitTicks) this.lose(`not synced with ${this.leader} within initLimit (phase ${this.phase})`)
    } else if (now - this.lastHeardTick > config.syncLimitTicks) this.lose('leader silent for syncLimit')
  }

  /** Fails pending barriers and goes back to LOOKING. */
  lose(reason: string): void {
    for (const id of this.barriers) this.ctx.outbox.barrier({ id, ok: false, reason: 'lost-leader' })
    for (const b of this.answered) this.ctx.outbox.barrier({ id: b.id, ok: false, reason: 'lost-leader' })
    this.barriers.clear()
    this.answered.length = 0
    this.ctx.lookAgain(reason)
  }

  private send(body: LinkBody): void {
    this.ctx.outbox.send(this.leader, { ...body, link: this.link, seq: this.sendSeq++ } as LinkMessage)
  }
}
