// The leader's side of the pipeline (Apache's PrepRequestProcessor + SessionTracker): writes
// from every member queue here in arrival order, are prepared against the tree plus the changes
// still in flight, and proposed. It also expires sessions and reaps containers and TTL nodes.
import { randomInt } from 'node:crypto'
import { ErrorCode, OpCode } from '@zoo/protocol'
import type { Id } from '@zoo/protocol'
import { CONFIG_PATH, encodeTxn, PrepareView } from '@zoo/znode'
import type { DataTree, Txn, WriteRequest } from '@zoo/znode'
import { epochOf, makeZxid } from '@zoo/consensus'
import type { Entry } from '@zoo/consensus'
import { SessionTracker } from './session-tracker.js'
import type { Quorum } from './quorum.js'

export interface PendingWrite {
  request: WriteRequest
  sessionId: bigint
  cxid: number
  authInfo: readonly Id[]
  /** The member holding the client's connection (undefined: the leader itself decided, e.g. expiry). */
  from: number | undefined
}

export interface LeaderOptions {
  myid: number
  quorum: Quorum
  tree: () => DataTree
  /** Proposals in flight before new ones wait (must stay below consensus' maxInflightProposals). */
  maxInflightProposals: number
  /** Writes waiting to be proposed before forwarded ones are refused. */
  maxQueuedWrites: number
  ttlEnabled: boolean
  /** The x509 ACL scheme exists (this member has TLS: secureClientPort or member links). */
  x509Enabled?: boolean
  /** What /zookeeper/config must hold (the ensemble's server lines); undefined: leave it alone. */
  configData?: Buffer
  /** A refused forward: its origin must drop that client's connection. */
  refuse(write: PendingWrite, reason: string): void
  /** A proposal failed after it was made (leadership lost): its fate is left to the next leader. */
  log(message: string, fields?: Record<string, unknown>): void
  nowMs(): number
  wallClockMs(): number
}

/**
 * Requests any member may make for a session: its creation, and its close. Apache checks the
 * owner for every other write but not for closeSession (the last request of a session, also
 * queued by expiry): a client that moved and closes through its new member before the leader
 * saw the move must still end its session, not get SESSIONMOVED and leave it to expire.
 */
function ownerless(type: WriteRequest['type']): boolean {
  return type === OpCode.createSession || type === OpCode.closeSession
}

export class LeaderIntake {
  readonly tracker = new SessionTracker()
  private view: PrepareView | undefined
  private queue: PendingWrite[] = []
  private readyAtZxid = 0n
  private active = false
  /** Whether this term checked /zookeeper/config against the configured ensemble. */
  private configChecked = false
  /** Who asked for each createSession in flight: the new session's first owner. */
  private readonly createdBy = new Map<bigint, number | undefined>()
  /**
   * Proposals in flight, oldest first from `proposedHead`, each with the bytes consensus logged:
   * applying one we prepared, we take the txn back instead of decoding those bytes again (~2% of
   * the leader's CPU under writes). Bounded: canPropose keeps at most maxInflightProposals
   * uncommitted, and take() drops what is applied.
   */
  private proposed: { payload: Uint8Array; txn: Txn }[] = []
  private proposedHead = 0
  /** Largest and last txn size proposed (srvr's "Proposal sizes"). */
  proposalSizes = { last: -1, min: -1, max: -1 }
  proposals = 0

  constructor(private readonly options: LeaderOptions) {}

  get isActive(): boolean {
    return this.active
  }

  get queued(): number {
    return this.queue.length
  }

  /** This member now leads and serves: sessions get a fresh deadline, prepare starts from the tree. */
  start(): void {
    const tree = this.options.tree()
    const now = this.options.nowMs()
    for (const [id, session] of tree.sessions) this.tracker.add(id, session.timeoutMs, now, undefined)
    this.view = new PrepareView(tree, { ttlEnabled: this.options.ttlEnabled, x509Enabled: this.options.x509Enabled })
    // Txns of the previous epoch this leader committed while syncing must be applied before we
    // prepare against the tree, or the view would miss them.
    this.readyAtZxid = this.options.quorum.status().lastLoggedZxid
    this.configChecked = false
    this.active = true
    this.drain()
  }

  stop(): void {
    this.active = false
    this.proposed = []
    this.proposedHead = 0
    this.view?.clear()
    this.view = undefined
    this.queue = []
    this.createdBy.clear()
    for (const [id] of [...this.tracker.entries()]) this.tracker.remove(id)
  }

  /** The tree was replaced under us (a snapshot): prepare from the new one. */
  restored(): void {
    if (!this.active) return
    this.view = new PrepareView(this.options.tree(), { ttlEnabled: this.options.ttlEnabled, x509Enabled: this.options.x509Enabled })
  }

  submit(write: PendingWrite): void {
    if (!this.active) return this.options.refuse(write, 'not leading')
    if (this.queue.length >= this.options.maxQueuedWrites) return this.options.refuse(write, 'leader queue full')
    if (write.request.type === OpCode.closeSession) this.tracker.markClosing(write.sessionId)
    if (write.request.type === OpCode.createSession) this.createdBy.set(write.sessionId, write.from)
    this.queue.push(write)
    this.drain()
  }

  /** A txn applied on this member: keep the tracker in step, then propose what waited. */
  applied(txn: Txn): void {
    if (!this.active) return
    if (txn.body.type === OpCode.createSession) {
      this.tracker.add(txn.clientId, txn.body.timeOut, this.options.nowMs(), this.createdBy.get(txn.clientId))
      this.createdBy.delete(txn.clientId)
    } else if (txn.body.type === OpCode.closeSession) {
      this.tracker.remove(txn.clientId)
    }
    this.drain()
  }

  /**
   * The txn we prepared for `entry`, if its payload is the very bytes object we proposed (so the
   * bytes are that txn's encoding); anything else (a txn of an earlier leader, say) is decoded.
   */
  take(entry: Entry): Txn | undefined {
    const q = this.proposed
    while (this.proposedHead < q.length) {
      const head = q[this.proposedHead] as { payload: Uint8Array; txn: Txn }
      if (head.txn.zxid > entry.zxid) return undefined
      q[this.proposedHead++] = undefined as never
      if (this.proposedHead === q.length || (this.proposedHead > 1024 && this.proposedHead * 2 > q.length)) {
        q.splice(0, this.proposedHead)
        this.proposedHead = 0
      }
      if (head.payload === entry.payload && head.txn.zxid === entry.zxid) return head.txn
    }
    return undefined
  }

  /** Expires silent sessions and reaps due containers/TTL nodes (both through txns). */
  expireSessions(): void {
    if (!this.active) return
    for (const sessionId of this.tracker.expire(this.options.nowMs())) {
      this.options.log('session expired', { session: `0x${sessionId.toString(16)}` })
      this.submit({ request: { type: OpCode.closeSession }, sessionId, cxid: 0, authInfo: [], from: undefined })
    }
  }

  reapContainers(maxPerRun: number): void {
    if (!this.active) return
    const due = this.options.tree().dueForDeletion(BigInt(this.options.wallClockMs()))
    for (const path of due.slice(0, maxPerRun)) {
      this.submit({ request: { type: OpCode.deleteContainer, path, version: -1 }, sessionId: 0n, cxid: 0, authInfo: [], from: undefined })
    }
  }

  private drain(): void {
    if (this.active && !this.configChecked && this.canPropose()) this.publishConfig()
    while (this.active && this.queue.length > 0 && this.canPropose()) {
      this.propose(this.queue.shift() as PendingWrite)
    }
  }

  private canPropose(): boolean {
    if (this.options.tree().lastProcessedZxid < this.readyAtZxid) return false
    const status = this.options.quorum.status()
    if (status.role !== 'leading' || !status.serving) return false
    return status.lastLoggedZxid - status.committedZxid < BigInt(this.options.maxInflightProposals)
  }

  /**
   * Writes the ensemble's members into /zookeeper/config (world READ only, as Apache). It is the
   * server's own txn, outside prepare: nothing else is prepared until it has applied, so the
   * view and the tree digest never miss it.
   */
  private publishConfig(): void {
    this.configChecked = true
    const wanted = this.options.configData
    const tree = this.options.tree()
    const current = tree.data(CONFIG_PATH)
    const stat = tree.stat(CONFIG_PATH)
    if (wanted === undefined || stat === undefined || (current !== null && current !== undefined && current.equals(wanted))) return
    const zxid = this.nextZxid()
    const time = BigInt(this.options.wallClockMs())
    const txn: Txn = { clientId: 0n, cxid: 0, zxid, time, body: { type: OpCode.setData, path: CONFIG_PATH, data: wanted, version: stat.version + 1 } }
    this.proposeTxn(txn)
    this.readyAtZxid = zxid
  }

  /** The zxid the next proposal gets: consensus numbers proposals one after another in its epoch. */
  private nextZxid(): bigint {
    const { lastLoggedZxid, epoch } = this.options.quorum.status()
    return epochOf(lastLoggedZxid) === epoch ? lastLoggedZxid + 1n : makeZxid(epoch, 1)
  }

  private propose(write: PendingWrite): void {
    const view = this.view as PrepareView
    const zxid = this.nextZxid()
    const ctx = { sessionId: write.sessionId, cxid: write.cxid, zxid, time: BigInt(this.options.wallClockMs()), authInfo: write.authInfo }
    const txn: Txn =
      write.from !== undefined && !ownerless(write.request.type) && !this.tracker.isOwner(write.sessionId, write.from)
        ? { clientId: write.sessionId, cxid: write.cxid, zxid, time: ctx.time, body: { type: OpCode.error, err: ErrorCode.SESSIONMOVED } }
        : view.prepare(write.request, ctx)
    this.proposeTxn(txn)
  }

  private proposeTxn(txn: Txn): void {
    const payload = encodeTxn(txn)
    this.options.quorum.propose(payload).catch((e: unknown) => {
      this.options.log('proposal not committed by this leader', { zxid: `0x${txn.zxid.toString(16)}`, error: String(e) })
    })
    const logged = this.options.quorum.status().lastLoggedZxid
    // The prepared change records are keyed by this zxid: a different one would corrupt prepare.
    if (logged !== txn.zxid) throw new Error(`proposal expected at 0x${txn.zxid.toString(16)}, consensus logged 0x${logged.toString(16)}`)
    this.recordSize(payload.length)
    this.proposed.push({ payload, txn })
  }

  private recordSize(bytes: number): void {
    this.proposals++
    const s = this.proposalSizes
    s.last = bytes
    s.min = s.min < 0 ? bytes : Math.min(s.min, bytes)
    s.max = Math.max(s.max, bytes)
  }
}

/** Apache's session ids: the server id in the top byte, then time, counting up from there. */
export class SessionIdGenerator {
  private next: bigint

  constructor(serverId: number, nowMs: number) {
    if (serverId < 0 || serverId > 255) throw new RangeError(`server id ${serverId}`)
    const timePart = (BigInt(nowMs) << 24n) & 0x00ff_ffff_ffff_ffffn
    this.next = (BigInt(serverId) << 56n) | (timePart & ~0xffffn) | BigInt(randomInt(0, 0x100))
  }

  nextId(): bigint {
    const id = this.next
    this.next = BigInt.asIntN(64, this.next + 1n)
    return id
  }
}
