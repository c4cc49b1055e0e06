// The client side of a member: sessions whose connection is here, each with its FIFO queue;
// reads answered from the local tree, writes sent to the leader and answered when their txn
// applies here, watch notifications sent as txns apply (so before any later reply).
import { randomBytes } from 'node:crypto'
import { encodeNotification, ErrorCode, OpCode } from '@zoo/protocol'
import type { AuthPacket, ConnectRequest, Id, Request } from '@zoo/protocol'
import { authenticate, isReadRequest, isWriteRequest, read } from '@zoo/znode'
import type { ApplyResult, DataTree, Txn, WatchRegistry, WriteRequest } from '@zoo/znode'
import type { Connection, ConnectionHandler, IncomingRequest } from '../net/connection.js'
import type { ServerMetrics } from '../metrics.js'
import { Summary } from '../summary.js'
import { ChannelType, encodeChannel } from './channel.js'
import type { LeaderIntake } from './leader.js'
import { SessionIdGenerator } from './leader.js'
import type { Quorum } from './quorum.js'
import { errorReply, okReply, writeReply } from './replies.js'
import { SessionQueue } from './session-queue.js'
import type { QueueEntry, Reply } from './session-queue.js'

export interface PipelineContext {
  /** This member's consensus id. */
  myid: number
  tree(): DataTree
  watches: WatchRegistry
  quorum(): Quorum
  leader: LeaderIntake
  isLeader(): boolean
  /** Serving clients: part of an established quorum and caught up. */
  serving(): boolean
  /** Cut off from the quorum with readonlymode.enabled: serve reads to clients that ask for it. */
  readOnly(): boolean
  /** Not serving, but an election is expected to end soon (it began a short while ago). */
  electionUnderWay(): boolean
  /** Longest wait of a handshake for the election's outcome (0: refuse at once). */
  maxHandshakeParkMs: number
  fourLetterWord(word: string): string
  metrics: ServerMetrics
  superDigest?: string
  log(message: string, fields?: Record<string, unknown>): void
}

export interface LocalSession {
  readonly id: bigint
  readonly connection: Connection
  readonly timeoutMs: number
  readonly authInfo: Id[]
  readonly queue: SessionQueue<PipelineEntry>
  /** Opened by a read-only member: reads only, nothing is replicated. */
  readonly readOnly: boolean
  lastHeardMs: number
}

/** What a local entry does when its turn comes (an enum, so an entry needs no closure). */
const LocalOp = { none: 0, unimplemented: 1, ping: 2, auth: 3, closeReadOnly: 4, notReadOnly: 5, read: 6 } as const
type LocalOp = (typeof LocalOp)[keyof typeof LocalOp]

type PipelineEntry = QueueEntry & { incoming: IncomingRequest; op: LocalOp }

function localEntry(xid: number, incoming: IncomingRequest, op: LocalOp): PipelineEntry {
  return { kind: 'local', xid, state: 'waiting', incoming, op }
}

interface PendingConnect {
  connection: Connection
  timeoutMs: number
}

type ConnectRequestIn = ConnectRequest & { negotiatedTimeoutMs: number }

interface ParkedConnect {
  readonly request: ConnectRequestIn
  readonly untilMs: number
}

/** Handshakes waiting for an election at once; more are refused as before. */
const MAX_PARKED_CONNECTS = 10_000

export class Pipeline implements ConnectionHandler {
  readonly sessions = new Map<bigint, LocalSession>()
  /** Every request's latency (srvr's "Latency min/avg/max"). */
  readonly latency = new Summary(false)
  private readonly pendingCreates = new Map<bigint, PendingConnect>()
  private readonly pendingRevalidations = new Map<bigint, PendingConnect>()
  /** Handshakes that arrived during an election, answered once it ends (see park). */
  private readonly parked = new Map<Connection, ParkedConnect>()
  private parkTimer: NodeJS.Timeout | undefined
  private touched = new Set<bigint>()
  private readonly ids: SessionIdGenerator

  constructor(private readonly ctx: PipelineContext) {
    this.ids = new SessionIdGenerator(ctx.myid, Date.now())
  }

  // ---------------------------------------------------------------- connections

  fourLetterWord(word: string): string {
    return this.ctx.fourLetterWord(word)
  }

  connect(connection: Connection, request: ConnectRequestIn): void {
    if (!this.ctx.serving() && this.park(connection, request)) return
    this.connectNow(connection, request)
  }

  /**
   * During an election a handshake waits for its outcome instead of being refused (Apache closes
   * it): refused, a client walks the ring of members, all refusing, and backs off, so it comes
   * back some time after the new leader serves; parked, it is answered the moment this member
   * serves. The wait is a tenth of the session timeout at most (and maxHandshakeParkMs), well inside the
   * time a client gives a handshake (its session timeout over the number of members, for
   * Apache's and kazoo's clients), and only while the election is young; then the
   * handshake is refused as before (or served read-only).
   */
  private park(connection: Connection, request: ConnectRequestIn): boolean {
    if (!this.ctx.electionUnderWay() || this.parked.size >= MAX_PARKED_CONNECTS || this.parked.has(connection)) return false
    const holdMs = Math.min(this.ctx.maxHandshakeParkMs, Math.floor(request.negotiatedTimeoutMs / 10))
    if (holdMs <= 0) return false
    this.parked.set(connection, { request, untilMs: performance.now() + holdMs })
    this.scheduleParked()
    return true
  }

  /** Answers parked handshakes once this member serves, and refuses those whose wait ran out. */
  resumeParked(): void {
    const now = performance.now()
    const serving = this.ctx.serving()
    for (const [connection, p] of [...this.parked]) {
      if (!serving && now < p.untilMs) continue
      this.parked.delete(connection)
      this.connectNow(connection, p.request)
    }
    this.scheduleParked()
  }

  private scheduleParked(): void {
    clearTimeout(this.parkTimer)
    this.parkTimer = undefined
    if (this.parked.size === 0) return
    let first = Infinity
    for (const p of this.parked.values()) first = Math.min(first, p.untilMs)
    this.parkTimer = setTimeout(() => this.resumeParked(), Math.max(0, first - performance.now()))
    this.parkTimer.unref()
  }

  private connectNow(connection: Connection, request: ConnectRequestIn): void {
    const readOnly = !this.ctx.serving() && this.ctx.readOnly()
    if (!this.ctx.serving() && !readOnly) return connection.close('not serving: no quorum')
    if (readOnly && request.readOnly !== true) return connection.close('read-only member: refusing a client that did not ask for read-only')
    const lastZxid = this.ctx.tree().lastProcessedZxid
    // Apache refuses a client that has seen more than this member: it must find a fresher one.
    if (request.lastZxidSeen > lastZxid) {
      return connection.close(`client has seen zxid 0x${request.lastZxidSeen.toString(16)}, ours is 0x${lastZxid.toString(16)}`)
    }
    if (readOnly) this.openReadOnly(connection, request.sessionId, request.passwd, request.negotiatedTimeoutMs)
    else if (request.sessionId === 0n) this.createSession(connection, request.negotiatedTimeoutMs)
    else this.reopenSession(connection, request.sessionId, request.passwd, request.negotiatedTimeoutMs)
  }

  request(connection: Connection, incoming: IncomingRequest): void {
    const session = this.sessionOf(connection)
    if (session === undefined) return connection.close('request on a connection without a session here')
    session.lastHeardMs = Date.now()
    this.touched.add(session.id)
    this.ctx.metrics.inc('packets_received')
    session.queue.add(this.entryFor(session, incoming))
  }

  closed(connection: Connection, _reason: string): void {
    this.parked.delete(connection)
    const session = this.sessionOf(connection)
    if (session !== undefined) {
      session.queue.clear()
      this.sessions.delete(session.id)
      // Watches belong to the connection: a client re-sends them (SetWatches) on reconnect.
      this.ctx.watches.removeSession(session.id)
    }
    for (const pending of [this.pendingCreates, this.pendingRevalidations]) {
      for (const [id, p] of pending) if (p.connection === connection) pending.delete(id)
    }
  }

  /** Leadership or quorum changed: every client reconnects (Apache shuts its server down too). */
  closeAll(reason: string): void {
    for (const session of [...this.sessions.values()]) session.connection.close(reason)
    for (const pending of [this.pendingCreates, this.pendingRevalidations]) {
      for (const p of [...pending.values()]) p.connection.close(reason)
      pending.clear()
    }
  }

  /** Sessions that showed life since the last call (reported to the leader). */
  takeTouched(): bigint[] {
    const ids = [...this.touched]
    this.touched = new Set()
    return ids
  }

  /** Closes connections silent for longer than their session timeout. */
  closeIdle(nowMs: number): void {
    for (const session of [...this.sessions.values()]) {
      if (nowMs - session.lastHeardMs > session.timeoutMs) session.connection.close('session timeout passed without a packet')
    }
  }

  // ---------------------------------------------------------------- sessions

  private sessionOf(connection: Connection): LocalSession | undefined {
    const id = connection.session?.sessionId
    if (id === undefined) return undefined
    const session = this.sessions.get(id)
    return session?.connection === connection ? session : undefined
  }

  private createSession(connection: Connection, timeoutMs: number): void {
    const sessionId = this.ids.nextId()
    const passwd = randomBytes(16)
    this.pendingCreates.set(sessionId, { connection, timeoutMs })
    this.toLeader(
      () => this.ctx.leader.submit({ request: { type: OpCode.createSession, timeoutMs, passwd }, sessionId, cxid: 0, authInfo: [], from: this.ctx.myid }),
      { type: ChannelType.createSession, sessionId, timeoutMs, passwd },
      connection,
    )
  }

  private reopenSession(connection: Connection, sessionId: bigint, passwd: Buffer | null, timeoutMs: number, caughtUp = false): void {
    const record = this.ctx.tree().sessions.get(sessionId)
    if (record === undefined && !caughtUp) {
      // The session may be younger than what this member applied: catch up with the leader first.
      this.ctx.quorum().barrier().then(
        () => {
          if (connection.phase === 'connecting') this.reopenSession(connection, sessionId, passwd, timeoutMs, true)
        },
        (e: unknown) => connection.close(`cannot catch up with the leader: ${(e as Error).message}`),
      )
      return
    }
    if (record === undefined) return connection.reject(`session 0x${sessionId.toString(16)} is expired or unknown`)
    if (passwd === null || !record.passwd.equals(passwd)) return connection.reject(`wrong password for session 0x${sessionId.toString(16)}`)
    if (this.ctx.isLeader()) {
      // The tracker runs on the leader's monotonic clock (performance.now), never the wall clock.
      const result = this.ctx.leader.tracker.revalidate(sessionId, performance.now(), this.ctx.myid)
      if (!result.valid) return connection.reject(`session 0x${sessionId.toString(16)} is closing`)
      if (result.previousOwner !== undefined) this.tellMoved(result.previousOwner, sessionId)
      return this.open(connection, sessionId, timeoutMs)
    }
    this.pendingRevalidations.set(sessionId, { connection, timeoutMs })
    this.toLeader(() => undefined, { type: ChannelType.revalidate, sessionId, timeoutMs }, connection)
  }

  /**
   * Tells the session's previous member to drop its stale connection. Best effort: the usual
   * reason for a move is that the previous member died or lost the quorum, and a member that is
   * not synced with this leader serves no client, so there is nothing stale to drop. (Throwing
   * here killed the leader whenever a client moved off a crashed member.)
   */
  private tellMoved(previousOwner: number, sessionId: bigint): void {
    try {
      this.ctx.quorum().sendToMember(previousOwner, encodeChannel({ type: ChannelType.moved, sessionId }))
    } catch (e) {
      this.ctx.log('session moved; its previous member is not reachable', { previousOwner, session: `0x${sessionId.toString(16)}`, reason: (e as Error).message })
    }
  }

  /** The leader's answer to a revalidation this member asked for. */
  revalidated(sessionId: bigint, valid: boolean): void {
    const pending = this.pendingRevalidations.get(sessionId)
    if (pending === undefined || pending.connection.phase !== 'connecting') return
    this.pendingRevalidations.delete(sessionId)
    if (valid) this.open(pending.connection, sessionId, pending.timeoutMs)
    else pending.connection.reject(`session 0x${sessionId.toString(16)} is expired`)
  }

  /** The session moved to another member: its connection here is stale. */
  moved(sessionId: bigint): void {
    this.sessions.get(sessionId)?.connection.close('session moved to another member')
  }

  /** The leader would not take a forwarded request: drop the connection (the client retries). */
  refused(sessionId: bigint, reason: string): void {
    this.sessions.get(sessionId)?.connection.close(`leader refused a request: ${reason}`)
    this.pendingCreates.get(sessionId)?.connection.close(`leader refused the session: ${reason}`)
  }

  /**
   * A read-only member's session: a known session (right password) keeps its id, a new one gets
   * a local id that no txn records (the next read-write member gives the client a new session).
   */
  private openReadOnly(connection: Connection, sessionId: bigint, passwd: Buffer | null, timeoutMs: number): void {
    if (sessionId === 0n) return this.register(connection, this.ids.nextId(), randomBytes(16), timeoutMs, true)
    const record = this.ctx.tree().sessions.get(sessionId)
    if (record === undefined || passwd === null || !record.passwd.equals(passwd)) return connection.reject(`session 0x${sessionId.toString(16)} is unknown here`)
    this.register(connection, sessionId, record.passwd, timeoutMs, true)
  }

  private open(connection: Connection, sessionId: bigint, timeoutMs: number): void {
    if (connection.phase !== 'connecting') return
    const record = this.ctx.tree().sessions.get(sessionId)
    if (record === undefined) return connection.reject(`session 0x${sessionId.toString(16)} closed meanwhile`)
    this.register(connection, sessionId, record.passwd, timeoutMs, false)
  }

  private register(connection: Connection, sessionId: bigint, passwd: Buffer, timeoutMs: number, readOnly: boolean): void {
    const existing = this.sessions.get(sessionId)
    if (existing !== undefined) existing.connection.close('the session reconnected on a new connection')
    const session: LocalSession = {
      id: sessionId,
      connection,
      timeoutMs,
      // Apache gives every connection its address as an ip identity, then what its TLS handshake proved (x509).
      authInfo: [{ scheme: 'ip', id: connection.remoteAddress }, ...connection.certificateIds],
      queue: new SessionQueue<PipelineEntry>({
        run: (entry) => this.runLocal(session, entry),
        submit: (entry) => this.submitEntry(session, entry),
        send: (entry, reply) => this.sendReply(session, entry, reply),
      }),
      readOnly,
      lastHeardMs: Date.now(),
    }
    this.sessions.set(sessionId, session)
    this.ctx.metrics.inc('connection_request_count')
    connection.accept({ sessionId, passwd, timeoutMs, readOnly })
  }

  /** Runs `local` on the leader, or sends `message` to it; no leader to reach closes the connection. */
  private toLeader(local: () => void, message: Parameters<typeof encodeChannel>[0], connection: Connection): void {
    try {
      if (this.ctx.isLeader()) local()
      else this.ctx.quorum().sendToLeader(encodeChannel(message))
    } catch (e) {
      connection.close(`cannot reach the leader: ${(e as Error).message}`)
    }
  }

  // ---------------------------------------------------------------- requests

  private entryFor(session: LocalSession, incoming: IncomingRequest): PipelineEntry {
    const xid = incoming.header.xid
    const request = incoming.request
    if (request === undefined) return localEntry(xid, incoming, LocalOp.unimplemented)
    switch (request.type) {
      case OpCode.ping:
        return localEntry(xid, incoming, LocalOp.ping)
      case OpCode.auth:
        return localEntry(xid, incoming, LocalOp.auth)
      case OpCode.sasl:
        // No SASL provider: answer as Apache without one configured would leave the client (no token).
        return localEntry(xid, incoming, LocalOp.unimplemented)
      case OpCode.closeSession:
        if (session.readOnly) return localEntry(xid, incoming, LocalOp.closeReadOnly)
        break
      case OpCode.sync:
        if (session.readOnly) return localEntry(xid, incoming, LocalOp.notReadOnly)
        return { kind: 'sync', xid, state: 'waiting', incoming, op: LocalOp.none }
      default:
        break
    }
    if (isWriteRequest(request)) {
      if (session.readOnly) return localEntry(xid, incoming, LocalOp.notReadOnly)
      return { kind: 'write', xid, state: 'waiting', incoming, op: LocalOp.none }
    }
    return localEntry(xid, incoming, isReadRequest(request) ? LocalOp.read : LocalOp.unimplemented)
  }

  /** A local entry's turn (SessionQueue's run): its reply. */
  private runLocal(session: LocalSession, entry: PipelineEntry): Reply {
    const { xid, type } = entry.incoming.header
    try {
      return this.localReply(session, entry)
    } catch (e) {
      return this.failedReply(session, xid, type, e)
    }
  }

  /** A bug met while answering one request ends that connection, never the member. */
  private failedReply(session: LocalSession, xid: number, type: number, e: unknown): Reply {
    this.ctx.log('request failed unexpectedly; closing its connection', { session: session.id, xid, type, error: (e as Error).stack ?? String(e) })
    return errorReply(xid, type, ErrorCode.MARSHALLINGERROR, this.zxid(), true)
  }

  private localReply(session: LocalSession, entry: PipelineEntry): Reply {
    const { xid, type } = entry.incoming.header
    const request = entry.incoming.request
    switch (entry.op) {
      case LocalOp.ping:
        return okReply(xid, OpCode.ping, undefined, this.zxid())
      case LocalOp.auth:
        return this.auth(session, xid, request as AuthPacket)
      case LocalOp.closeReadOnly:
        return { ...okReply(xid, OpCode.closeSession, undefined, this.zxid()), close: true }
      case LocalOp.notReadOnly:
        return errorReply(xid, type, ErrorCode.NOTREADONLY, this.zxid())
      case LocalOp.read:
        return this.read(session, xid, request as Parameters<typeof read>[3])
      default:
        return errorReply(xid, type, ErrorCode.UNIMPLEMENTED, this.zxid())
    }
  }

  /** A write's or sync's turn (SessionQueue's submit). */
  private submitEntry(session: LocalSession, entry: PipelineEntry): void {
    const request = entry.incoming.request as Request
    if (entry.kind === 'sync') this.sync(session, entry, (request as { path: string }).path)
    else this.forward(session, entry.incoming, request as WriteRequest)
  }

  private zxid(): bigint {
    return this.ctx.tree().lastProcessedZxid
  }

  private auth(session: LocalSession, xid: number, packet: AuthPacket): Reply {
    const ids = authenticate(packet.scheme, packet.auth, { superDigest: this.ctx.superDigest, remoteAddress: session.connection.remoteAddress, certificateIds: session.connection.certificateIds })
    if (ids === undefined) {
      this.ctx.metrics.inc('auth_failed_count')
      return errorReply(xid, OpCode.auth, ErrorCode.AUTHFAILED, this.zxid(), true)
    }
    for (const id of ids) {
      if (!session.authInfo.some((a) => a.scheme === id.scheme && a.id === id.id)) session.authInfo.push(id)
    }
    return okReply(xid, OpCode.auth, undefined, this.zxid())
  }

  private read(session: LocalSession, xid: number, request: Parameters<typeof read>[3]): Reply {
    const result = read(this.ctx.tree(), this.ctx.watches, { sessionId: session.id, authInfo: session.authInfo }, request)
    for (const delivery of result.events ?? []) this.notify(session, delivery.event)
    if (result.err !== ErrorCode.OK) return errorReply(xid, request.type, result.err, this.zxid())
    return okReply(xid, request.type, result.response as never, this.zxid())
  }

  private sync(session: LocalSession, entry: PipelineEntry, path: string): void {
    this.ctx
      .quorum()
      .barrier()
      .then(
        () => {
          if (this.sessions.get(session.id) === session) session.queue.complete(entry, okReply(entry.xid, OpCode.sync, { path }, this.zxid()))
        },
        (e: unknown) => session.connection.close(`sync failed: ${(e as Error).message}`),
      )
  }

  /** toLeader for a write, inlined: it builds only the form it sends (the hot path of every write). */
  private forward(session: LocalSession, incoming: IncomingRequest, request: WriteRequest): void {
    try {
      if (this.ctx.isLeader()) {
        this.ctx.leader.submit({ request, sessionId: session.id, cxid: incoming.header.xid, authInfo: session.authInfo.slice(), from: this.ctx.myid })
      } else {
        this.ctx.quorum().sendToLeader(encodeChannel({ type: ChannelType.forward, sessionId: session.id, authInfo: session.authInfo, body: incoming.body }))
      }
    } catch (e) {
      session.connection.close(`cannot reach the leader: ${(e as Error).message}`)
    }
  }

  private notify(session: LocalSession, event: Parameters<typeof encodeNotification>[0]): void {
    session.connection.send(encodeNotification(event))
    this.ctx.metrics.inc('packets_sent')
  }

  private sendReply(session: LocalSession, entry: PipelineEntry, reply: Reply): void {
    const connection = session.connection
    connection.reply(reply.frame, entry.incoming, reply.zxid)
    const latencyMs = Date.now() - entry.incoming.receivedAtMs
    this.latency.observe(latencyMs)
    this.ctx.metrics.observe(entry.kind === 'write' ? 'updatelatency' : 'readlatency', latencyMs)
    this.ctx.metrics.inc('packets_sent')
    this.ctx.metrics.responseSize(reply.frame.length)
    if (reply.close === true) connection.close('closed after its reply', { flush: true })
  }

  // ---------------------------------------------------------------- applied txns

  /** A txn applied here: notify watchers, then answer the write or open/close the session. */
  applied(txn: Txn, result: ApplyResult): void {
    const deliveries = this.ctx.watches.trigger(result.triggers, (id) => this.sessions.get(id)?.authInfo)
    for (const { sessionId, event } of deliveries) {
      const session = this.sessions.get(sessionId)
      if (session !== undefined) this.notify(session, event)
    }
    if (txn.body.type === OpCode.createSession) return this.sessionCreated(txn.clientId, txn.body.timeOut)
    const session = this.sessions.get(txn.clientId)
    if (session !== undefined) this.completeWrite(session, txn, result)
    if (txn.body.type === OpCode.closeSession) this.sessions.get(txn.clientId)?.connection.close('session closed', { flush: true })
  }

  private sessionCreated(sessionId: bigint, timeoutMs: number): void {
    const pending = this.pendingCreates.get(sessionId)
    if (pending === undefined) return
    this.pendingCreates.delete(sessionId)
    this.open(pending.connection, sessionId, timeoutMs)
  }

  private completeWrite(session: LocalSession, txn: Txn, result: ApplyResult): void {
    const entry = session.queue.oldestWriteInFlight()
    if (entry === undefined || entry.xid !== txn.cxid) {
      // An expiry's closeSession, or a write sent before a move: not this connection's to answer.
      if (session.queue.hasWriteInFlight(txn.cxid)) session.connection.close(`txn for cxid ${txn.cxid} applied out of the session's order`)
      return
    }
    let reply: Reply
    try {
      reply = writeReply(entry.xid, entry.incoming.header.type, result)
    } catch (e) {
      reply = this.failedReply(session, entry.xid, entry.incoming.header.type, e)
    }
    session.queue.complete(entry, result.err === ErrorCode.SESSIONMOVED ? { ...reply, close: true } : reply)
  }
}

