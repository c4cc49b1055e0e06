/**
 * The session engine: one connection at a time, requests pipelined on it and answered in FIFO
 * order, reconnects that keep the session, and the handling of drops and expiry. The public API
 * (client.ts) turns replies into values; this module decides when and where bytes go.
 *
 * Reconnect order on every new connection (errata, issue 6): ConnectRequest (with lastZxidSeen),
 * every addAuth replayed, SetWatches2 in frames of at most 128 KiB, then the queued requests.
 */
import { EventEmitter } from 'node:events'
import {
  ErrorCode, JuteWriter, KeeperError, OpCode, ProtocolError, WatcherType, Xid,
  decodeConnectResponse, decodeReply, encodeConnectRequest, writeRequest,
  type DecodedReply, type Request,
} from '@zoo/protocol'
import { systemClock, type Clock, type TimerHandle } from './clock.js'
import { onAbort } from './abort.js'
import { Connection } from './connection.js'
import { BoundedQueue } from './deque.js'
import { EventStream } from './event-stream.js'
import { HostRing, type Random } from './hosts.js'
import { SET_WATCHES_MAX_FRAME_BYTES, connectTimeoutFor, type ConnectionString, type ResolvedOptions } from './options.js'
import { toBytes } from './modes.js'
import { Chroot } from './paths.js'
import { splitSetWatches } from './set-watches.js'
import { SessionState, type ClientState } from './state.js'
import { WatchRegistry, type PersistentWatchCallback, type PersistentWatchEvent, type WatchSnapshot } from './watches.js'

export interface CallOptions {
  /** aborts the call; if it was already sent, the server may still apply it */
  signal?: AbortSignal
  /** rejects with REQUESTTIMEOUT after this long; if it was already sent, the server may still apply it */
  timeoutMs?: number
}

type ReplyHook = (reply: DecodedReply) => void

interface Call {
  readonly request: Request
  /** the user's path, for error messages */
  readonly path: string | undefined
  readonly resolve: (reply: DecodedReply) => void
  readonly reject: (error: unknown) => void
  /** runs synchronously when the reply is read, before any later frame (registers watches) */
  readonly onReply: ReplyHook | undefined
  xid: number
  sentAtMs: number
  settled: boolean
  detach: (() => void) | undefined
}

interface AuthEntry {
  scheme: string
  credentials: Buffer
  waiters: { resolve: () => void; reject: (error: unknown) => void }[]
}

/** Ping replies outstanding on one connection; more than this and the connection is dead anyway. */
const MAX_OUTSTANDING_PINGS = 64
/** Listener buffers of persistent watch iterators. */
export const MAX_BUFFERED_WATCH_EVENTS = 10_000

export interface CoreDependencies {
  clock?: Clock
  random?: Random
}

export class ClientCore extends EventEmitter {
  readonly session: SessionState
  readonly chroot: Chroot
  readonly watches = new WatchRegistry()
  private readonly clock: Clock
  private readonly random: Random
  private readonly ring: HostRing
  private readonly waiting: BoundedQueue<Call>
  private readonly inFlight: BoundedQueue<Call>
  private readonly pings = new BoundedQueue<number>(MAX_OUTSTANDING_PINGS)
  private readonly auths: AuthEntry[] = []
  private authReplies: AuthEntry[] = []
  private readonly streams = new Set<EventStream<PersistentWatchEvent>>()
  private connection: Connection | undefined
  /** handshake answered and priming frames written: requests may flow */
  private primed = false
  /** session generation the current handshake was started for */
  private handshakeGeneration = -1
  /** lastZxidSeen presented in the current ConnectRequest: replies may never be older */
  private connectZxid = 0n
  private connectSentAtMs = 0
  private out: JuteWriter | undefined
  private nextXid = 1
  private lastSendMs = 0
  private lastRecvMs = 0
  private connectTimer: TimerHandle | undefined
  private heartbeatTimer: TimerHandle | undefined
  private expiryTimer: TimerHandle | undefined
  private closing = false
  /** why we closed the current connection ourselves: the cause of the CONNECTIONLOSS it brings */
  private dropReason: Error | undefined
  private connectionController = new AbortController()
  private sessionController = new AbortController()
  private readonly firstSession: Promise<void>
  /** Why the last attempt to open a session failed (reported if no first session comes). */
  private lastConnectError: Error | undefined
  private settleFirstSession: { resolve: () => void; reject: (error: unknown) => void } | undefined

  constructor(
    readonly target: ConnectionString,
    readonly options: ResolvedOptions,
    deps: CoreDependencies = {},
  ) {
    super()
    // Every recipe on a client listens to 'state' (one per lock, latch, membership, watcher):
    // a process with dozens of them is normal use, not the leak EventEmitter's limit of 10 guards against.
    this.setMaxListeners(0)
    this.clock = deps.clock ?? systemClock
    this.random = deps.random ?? Math.random
    this.chroot = new Chroot(target.chroot)
    this.session = new SessionState(options.renewSessionOnExpiry, options.session)
    this.ring = new HostRing(target.hosts, this.random, { shuffle: options.shuffleHosts })
    this.waiting = new BoundedQueue(options.maxQueuedRequests)
    this.inFlight = new BoundedQueue(options.maxInFlightRequests)
    for (const { scheme, credentials } of options.auth) this.auths.push({ scheme, credentials: toBytes(credentials), waiters: [] })
    this.connectionController.abort(lossError('not connected yet'))
    this.sessionController.abort(lossError('no session yet'))
    this.firstSession = new Promise((resolve, reject) => (this.settleFirstSession = { resolve, reject }))
    // A rejection nobody awaited must not crash the process: start() hands it to the caller.
    this.firstSession.catch(() => {})
  }

  /** Starts connecting; resolves once the first session is established. */
  start(): Promise<void> {
    this.connectNext()
    const limitMs = this.options.sessionTimeoutMs
    const timer = this.clock.setTimeout(() => {
      const hosts = this.ring.hosts.map((h) => `${h.host}:${h.port}`).join(',')
      // The last failure says why (a refused TLS certificate, say), not just that nothing answered.
      const last = this.lastConnectError === undefined ? '' : `; last error: ${this.lastConnectError.message}`
      const cause = new Error(`no server of ${hosts} established a session within ${limitMs} ms${last}`, { cause: this.lastConnectError })
      if (this.settleFirstSession) this.shutdown('closed', new KeeperError(ErrorCode.CONNECTIONLOSS, undefined, { cause }))
    }, limitMs)
    const clear = () => this.clock.clearTimeout(timer)
    this.firstSession.then(clear, clear)
    return this.firstSession
  }

  get state(): ClientState {
    return this.session.state
  }

  get connectedHost(): string | undefined {
    return this.primed ? this.connection?.hostLabel : undefined
  }

  /** Aborts when the current connection is lost (or already aborted when there is none). */
  connectionSignal(): AbortSignal {
    return this.connectionController.signal
  }

  /** Aborts when the current session ends: expiry, close, or auth failure. */
  sessionSignal(): AbortSignal {
    return this.sessionController.signal
  }

  // ------------------------------------------------------------------ requests

  submit(request: Request, path: string | undefined, options?: CallOptions, onReply?: ReplyHook): Promise<DecodedReply> {
    const refusal = this.refusal(path)
    if (refusal) return Promise.reject(refusal)
    const signal = options?.signal
    if (signal?.aborted) return Promise.reject(signal.reason)
    return new Promise<DecodedReply>((resolve, reject) => {
      const call: Call = { request, path, resolve, reject, onReply, xid: 0, sentAtMs: 0, settled: false, detach: undefined }
      const timeoutMs = options?.timeoutMs ?? this.options.requestTimeoutMs
      if (timeoutMs !== undefined || signal) this.watchCall(call, timeoutMs, signal)
      if (this.primed && this.waiting.length === 0 && !this.inFlight.full) this.send(call)
      else if (!this.waiting.push(call)) this.fail(call, new KeeperError(ErrorCode.THROTTLEDOP, path, { cause: new Error(`more than ${this.options.maxQueuedRequests} requests queued`) }))
    })
  }

  /** Why a new call cannot be accepted now, if it cannot. */
  private refusal(path: string | undefined): KeeperError | undefined {
    const state = this.session.state
    if (state === 'authFailed') return new KeeperError(ErrorCode.AUTHFAILED, path)
    if (state === 'closed' || this.closing) return new KeeperError(ErrorCode.SESSIONEXPIRED, path, { cause: new Error('the client is closed') })
    if (state === 'expired' && this.session.terminal) return new KeeperError(ErrorCode.SESSIONEXPIRED, path)
    return undefined
  }

  private watchCall(call: Call, timeoutMs: number | undefined, signal: AbortSignal | undefined): void {
    const timer = timeoutMs === undefined ? undefined : this.clock.setTimeout(() => this.fail(call, new KeeperError(ErrorCode.REQUESTTIMEOUT, call.path)), timeoutMs)
    const unlisten = signal && onAbort(signal, () => this.fail(call, signal.reason))
    call.detach = () => {
      if (timer !== undefined) this.clock.clearTimeout(timer)
      unlisten?.()
    }
  }

  private fail(call: Call, error: unknown): void {
    if (call.settled) return
    call.settled = true
    call.detach?.()
    call.reject(error)
  }

  private send(call: Call): void {
    call.xid = this.nextXid
    this.nextXid = this.nextXid === 0x7fffffff ? 1 : this.nextXid + 1
    call.sentAtMs = this.clock.now()
    try {
      this.writeFrame(call.xid, call.request)
    } catch (error) {
      return this.fail(call, error)
    }
    const queued = this.inFlight.push(call)
    if (!queued) throw new Error('assertion failed: send() with a full in-flight queue')
  }

  /** Sends waiting calls while the connection is primed and the in-flight bound allows. */
  private pump(): void {
    while (this.primed && !this.inFlight.full && this.waiting.length > 0) {
      const call = this.waiting.shift()!
      if (!call.settled) this.send(call)
    }
  }

  /**
   * Appends a frame to the current batch. Frames written in one tick leave in one socket write
   * (flushed once the nextTick and promise-continuation queues of this tick have run dry), which
   * is what makes 64 concurrent callers cost one syscall instead of 64.
   */
  private writeFrame(xid: number, request: Request): void {
    if (this.out === undefined) {
      this.out = new JuteWriter(1024)
      // nextTick alone runs before the promise continuations of a timer or socket callback, so a
      // frame written there directly left without those its continuations wrote. A nextTick
      // queued from a microtask runs only once the microtask queue is empty.
      queueMicrotask(() => process.nextTick(() => this.flush()))
    }
    const before = this.out.length
    try {
      writeRequest(this.out, xid, request)
    } catch (error) {
      // Keep the frames before this one intact: a half-written frame would desync the stream.
      const good = Buffer.from(this.out.toBuffer().subarray(0, before))
      this.out = new JuteWriter(Math.max(1024, before))
      this.out.raw(good)
      throw error
    }
  }

  private flush(): void {
    const out = this.out
    this.out = undefined
    if (out === undefined || out.length === 0) return
    this.lastSendMs = this.clock.now()
    this.connection?.write(out.toBuffer())
  }

  // ------------------------------------------------------------------ auth

  /** Adds credentials to this connection and every later one; resolves when the server took them. */
  addAuth(scheme: string, credentials: Buffer): Promise<void> {
    const refusal = this.refusal(undefined)
    if (refusal) return Promise.reject(refusal)
    let entry = this.auths.find((a) => a.scheme === scheme && a.credentials.equals(credentials))
    if (!entry) this.auths.push((entry = { scheme, credentials, waiters: [] }))
    const target = entry
    return new Promise((resolve, reject) => {
      target.waiters.push({ resolve, reject })
      if (this.primed) this.sendAuth(target)
      // Otherwise priming sends every entry, this one included, right after the next handshake.
    })
  }

  private sendAuth(entry: AuthEntry): void {
    this.writeFrame(Xid.AUTH, { type: OpCode.auth, authType: 0, scheme: entry.scheme, auth: entry.credentials })
    this.authReplies.push(entry)
  }

  private onAuthReply(err: number): void {
    const entry = this.authReplies.shift()
    if (entry === undefined) throw new ProtocolError('malformed', 'an auth reply nobody asked for')
    const waiters = entry.waiters.splice(0)
    if (err === ErrorCode.OK) return waiters.forEach((w) => w.resolve())
    const error = new KeeperError(err as ErrorCode, undefined, { cause: new Error(`addAuth scheme ${entry.scheme}`) })
    for (const w of waiters) w.reject(error)
    // Apache closes the connection after AUTHFAILED and the session is unusable from then on.
    if (err === ErrorCode.AUTHFAILED) this.shutdown('authFailed', error)
  }

  // ------------------------------------------------------------------ persistent watch streams

  /** A `for await` stream of events under `path`; addWatch is sent by the caller when needed. */
  /** A persistent-watch stream; `signal` ends it (and is let go of when the stream ends first). */
  openStream(path: string, recursive: boolean, signal?: AbortSignal): { stream: EventStream<PersistentWatchEvent>; first: boolean } {
    let listener: PersistentWatchCallback = () => {}
    let unlisten: (() => void) | undefined
    const stream = new EventStream<PersistentWatchEvent>(
      MAX_BUFFERED_WATCH_EVENTS,
      () => ({ type: 'resync', path, reason: 'overflow' }),
      () => {
        unlisten?.()
        this.streams.delete(stream)
        const action = this.watches.removePersistent(path, recursive, listener)
        // Offline, the next reconnect registers exactly what is left.
        if (action === 'none' || !this.primed) return
        const relativeZxid = this.session.lastZxidSeen
        this.removeServerWatch(path).then(() => action === 'reset' && this.setWatches(path, relativeZxid))
      },
    )
    listener = (event) => stream.push(event)
    this.streams.add(stream)
    const first = this.watches.addPersistent(path, recursive, listener)
    if (signal && !signal.aborted) unlisten = onAbort(signal, () => void stream.return())
    return { stream, first }
  }

  /** Drops the server's watches on a path; settles once the server answered (or cannot). */
  private removeServerWatch(path: string): Promise<void> {
    const request: Request = { type: OpCode.removeWatches, path: this.chroot.toServer(path), watcherType: WatcherType.Any }
    return this.submit(request, path).then(
      (reply) => {
        // NOWATCHER: the server had already dropped it (e.g. a reconnect re-registered nothing for it).
        if (reply.header.err !== ErrorCode.OK && reply.header.err !== ErrorCode.NOWATCHER) this.listenerError(new KeeperError(reply.header.err as ErrorCode, path))
      },
      (error: unknown) => {
        // A lost connection drops the server's watches with it; nothing is left to remove.
        if (!(error instanceof KeeperError)) this.listenerError(error)
      },
    )
  }

  /**
   * Registers the watches the registry holds for one path (SetWatches2 mid-session): the server
   * fires at once for what changed after `relativeZxid`, so nothing is missed in between.
   */
  setWatches(path: string, relativeZxid: bigint): void {
    if (!this.primed) return
    const frames = splitSetWatches(this.serverWatchPaths(path), relativeZxid, SET_WATCHES_MAX_FRAME_BYTES)
    for (const frame of frames) this.writeFrame(Xid.SET_WATCHES, { type: OpCode.setWatches2, ...frame })
  }

  // ------------------------------------------------------------------ connecting

  private connectNext(): void {
    if (this.session.terminal || this.closing) return
    const { host, delayMs } = this.ring.next(this.clock.now())
    this.connectTimer = this.clock.setTimeout(() => {
      this.connectTimer = undefined
      if (this.session.terminal || this.closing) return
      const timeoutMs = connectTimeoutFor(this.options, this.ring.hosts.length)
      Connection.open(host, timeoutMs, this.options.maxFrameBytes, this.options.tls).then(
        (connection) => this.beginHandshake(connection, timeoutMs),
        (error: Error) => {
          this.lastConnectError = error
          this.ring.failed()
          this.connectNext()
        },
      )
    }, delayMs)
  }

  private beginHandshake(connection: Connection, timeoutMs: number): void {
    if (this.session.terminal || this.closing) return connection.close()
    this.connection = connection
    this.primed = false
    this.handshakeGeneration = this.session.generation
    this.connectZxid = this.session.lastZxidSeen
    connection.start({ frame: (body) => this.onFrame(connection, body), closed: (error) => this.onClosed(connection, error) })
    const { sessionId, password } = this.session.connectRequestSession()
    this.connectSentAtMs = this.clock.now()
    this.lastRecvMs = this.connectSentAtMs
    // The ConnectRequest is a send: the first ping is due a third of the timeout after it, not
    // at once (an idle client used to ping right after every handshake).
    this.lastSendMs = this.connectSentAtMs
    connection.write(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: this.connectZxid, timeOut: this.options.sessionTimeoutMs, sessionId, passwd: password, readOnly: this.options.readOnly }))
    // A server that accepts TCP but never answers (or refuses us for being ahead) costs one timeout.
    this.heartbeatTimer = this.clock.setTimeout(() => {
      if (this.connection === connection && !this.primed) this.drop(connection, new Error(`no handshake from ${connection.hostLabel} within ${timeoutMs} ms`))
    }, timeoutMs)
  }

  private onHandshake(connection: Connection, body: Buffer): void {
    this.clearHeartbeat()
    const response = decodeConnectResponse(body, { maxLengthBytes: this.options.maxFrameBytes })
    if (this.handshakeGeneration !== this.session.generation) return this.drop(connection, new Error('the session expired during the handshake'))
    const outcome = this.session.handshake(
      { timeoutMs: response.timeOut, sessionId: response.sessionId, password: response.passwd ?? Buffer.alloc(16), readOnly: response.readOnly === true },
      this.connectSentAtMs,
    )
    if (outcome.kind === 'rejected') return this.drop(connection, new ProtocolError('malformed', outcome.reason))
    if (outcome.kind === 'expired') {
      this.ring.connected()
      this.onExpired('the server reports the session expired')
      return connection.close()
    }
    this.ring.connected()
    this.clearExpiryTimer()
    this.prime()
    this.armHeartbeat()
    this.enterLive(outcome.state, outcome.newSession)
  }

  /** Auth replays, then SetWatches2 frames, then whatever queued while we were away. */
  private prime(): void {
    this.authReplies = []
    for (const entry of this.auths) this.sendAuth(entry)
    const frames = splitSetWatches(this.serverWatchPaths(), this.session.lastZxidSeen, SET_WATCHES_MAX_FRAME_BYTES)
    for (const frame of frames) this.writeFrame(Xid.SET_WATCHES, { type: OpCode.setWatches2, ...frame })
    this.primed = true
    this.pump()
    this.flush()
  }

  private serverWatchPaths(only?: string): WatchSnapshot {
    const snapshot = this.watches.snapshot(only)
    const map = (paths: string[]) => paths.map((p) => this.chroot.toServer(p))
    return { data: map(snapshot.data), exist: map(snapshot.exist), child: map(snapshot.child), persistent: map(snapshot.persistent), recursive: map(snapshot.recursive) }
  }

  private enterLive(state: ClientState, newSession: boolean): void {
    this.connectionController = new AbortController()
    if (newSession) {
      // Only a read-only member's local session can be replaced without an expiry first.
      this.sessionController.abort(new KeeperError(ErrorCode.SESSIONEXPIRED, undefined, { cause: new Error('replaced by a new session') }))
      this.sessionController = new AbortController()
    }
    const first = this.settleFirstSession
    this.settleFirstSession = undefined
    this.emit('state', state)
    first?.resolve()
    if (this.streams.size > 0) this.deliver(this.watches.resync(newSession ? 'newSession' : 'reconnected'))
  }

  // ------------------------------------------------------------------ frames in

  private onFrame(connection: Connection, body: Buffer): void {
    if (connection !== this.connection) return
    this.lastRecvMs = this.clock.now()
    try {
      if (!this.primed) return this.onHandshake(connection, body)
      if (body.length < 16) throw new ProtocolError('truncated', `reply of ${body.length} bytes`)
      const xid = body.readInt32BE(0)
      if (xid > 0) return this.onReply(body, xid)
      const { header, response } = decodeReply(body, xid === Xid.NOTIFICATION ? OpCode.notification : OpCode.ping, this.readerOptions())
      switch (xid) {
        case Xid.NOTIFICATION:
          return this.onNotification(response as { type: number; path: string })
        case Xid.PING:
          return this.session.heard(this.pings.shift() ?? this.lastSendMs, header.zxid)
        case Xid.AUTH:
          return this.onAuthReply(header.err)
        case Xid.SET_WATCHES: {
          if (header.err === ErrorCode.OK) return
          const refused = new KeeperError(header.err as ErrorCode, undefined, { cause: new Error('the server refused SetWatches2') })
          // The session ended between the handshake and this reply (closed from another
          // connection, say): the next handshake reports the expiry, and the expiry path tells
          // every watcher and moves persistent watches to the new session. Not a listener error.
          if (header.err === ErrorCode.SESSIONEXPIRED || header.err === ErrorCode.SESSIONMOVED) return this.drop(connection, refused)
          // Watches not re-registered would leave their listeners waiting forever: say so loudly.
          return this.listenerError(refused)
        }
        default:
          throw new ProtocolError('malformed', `reply with reserved xid ${xid}`)
      }
    } catch (error) {
      this.drop(connection, error as Error)
    }
  }

  private readerOptions() {
    return { maxLengthBytes: this.options.maxFrameBytes }
  }

  private onReply(body: Buffer, xid: number): void {
    const call = this.inFlight.shift()
    if (call === undefined || call.xid !== xid) {
      if (call) this.fail(call, lossError(`reply out of order (xid ${xid}, expected ${call.xid})`, call.path))
      throw new ProtocolError('malformed', `reply xid ${xid} does not answer the oldest request (${call?.xid ?? 'none'})`)
    }
    let reply: DecodedReply
    try {
      reply = decodeReply(body, call.request.type, this.readerOptions())
    } catch (error) {
      this.fail(call, lossError('undecodable reply', call.path))
      throw error
    }
    const zxid = reply.header.zxid
    if (zxid > 0n && zxid < this.connectZxid) {
      this.fail(call, lossError('server is behind what this client already saw', call.path))
      throw new ProtocolError('malformed', `reply zxid 0x${zxid.toString(16)} older than lastZxidSeen 0x${this.connectZxid.toString(16)}`)
    }
    this.session.heard(call.sentAtMs, zxid)
    if (!call.settled) {
      call.settled = true
      call.detach?.()
      if (call.onReply) this.runHook(call, reply)
      call.resolve(reply)
    }
    if (this.waiting.length > 0) this.pump()
  }

  private runHook(call: Call, reply: DecodedReply): void {
    try {
      call.onReply!(reply)
    } catch (error) {
      this.listenerError(error)
    }
  }

  private onNotification(event: { type: number; path: string }): void {
    this.deliver(this.watches.notify(event.type, this.chroot.fromServer(event.path)))
  }

  /** Calls watch listeners; one that throws does not stop the others or the connection. */
  deliver(deliveries: [callback: (event: never) => void, event: unknown][]): void {
    for (const [callback, event] of deliveries) {
      try {
        ;(callback as (event: unknown) => void)(event)
      } catch (error) {
        this.listenerError(error)
      }
    }
  }

  /**
   * An error no caller waits for (a watch listener threw): 'error' listeners get it; without one
   * it surfaces as an uncaught exception, as a throwing EventEmitter listener would.
   */
  listenerError(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', error)
    else queueMicrotask(() => {
      throw error
    })
  }

  /** Closes a connection for a reason that becomes the cause of the CONNECTIONLOSS it brings. */
  private drop(connection: Connection, reason: Error): void {
    if (connection === this.connection && this.dropReason === undefined) this.dropReason = reason
    connection.close()
  }

  // ------------------------------------------------------------------ liveness

  /** Ping after a third of the timeout without sending; give up after two thirds without hearing. */
  private armHeartbeat(): void {
    this.clearHeartbeat()
    const timeoutMs = this.session.negotiatedTimeoutMs
    const pingIntervalMs = Math.max(1, Math.floor(timeoutMs / 3))
    const readTimeoutMs = Math.max(1, Math.floor((timeoutMs * 2) / 3))
    const now = this.clock.now()
    const dueMs = Math.min(this.lastSendMs + pingIntervalMs, this.lastRecvMs + readTimeoutMs)
    this.heartbeatTimer = this.clock.setTimeout(() => this.heartbeat(pingIntervalMs, readTimeoutMs), Math.max(0, dueMs - now))
  }

  private heartbeat(pingIntervalMs: number, readTimeoutMs: number): void {
    this.heartbeatTimer = undefined
    const connection = this.connection
    if (!connection || !this.primed) return
    const now = this.clock.now()
    if (now - this.lastRecvMs >= readTimeoutMs) return this.drop(connection, new Error(`nothing heard from ${connection.hostLabel} for ${now - this.lastRecvMs} ms`))
    if (now - this.lastSendMs >= pingIntervalMs) {
      if (!this.pings.push(now)) return this.drop(connection, new Error(`${MAX_OUTSTANDING_PINGS} pings unanswered`))
      this.writeFrame(Xid.PING, { type: OpCode.ping })
      this.flush()
    }
    this.armHeartbeat()
  }

  private clearHeartbeat(): void {
    if (this.heartbeatTimer !== undefined) this.clock.clearTimeout(this.heartbeatTimer)
    this.heartbeatTimer = undefined
  }

  private clearExpiryTimer(): void {
    if (this.expiryTimer !== undefined) this.clock.clearTimeout(this.expiryTimer)
    this.expiryTimer = undefined
  }

  // ------------------------------------------------------------------ losing the connection

  private onClosed(connection: Connection, error: Error | undefined): void {
    if (connection !== this.connection) return
    const wasPrimed = this.primed
    const reason = this.dropReason ?? error ?? new Error('connection closed')
    this.dropReason = undefined
    this.connection = undefined
    this.primed = false
    this.out = undefined
    this.clearHeartbeat()
    this.pings.drain()
    this.authReplies = []
    // Sent and unanswered: the server may or may not have applied them. Never resent.
    for (const call of this.inFlight.drain()) this.fail(call, new KeeperError(ErrorCode.CONNECTIONLOSS, call.path, { cause: reason }))
    if (this.closing || this.session.terminal) return
    if (!wasPrimed) {
      this.lastConnectError = reason
      this.ring.failed()
    }
    const transition = this.session.connectionLost()
    if (transition) {
      this.connectionController.abort(new KeeperError(ErrorCode.CONNECTIONLOSS, undefined, { cause: reason }))
      this.armExpiryTimer()
      this.emit('state', transition)
    }
    this.connectNext()
  }

  private armExpiryTimer(): void {
    const deadlineMs = this.session.expiryDeadlineMs
    if (deadlineMs === undefined) return
    this.clearExpiryTimer()
    this.expiryTimer = this.clock.setTimeout(() => {
      this.expiryTimer = undefined
      if (this.session.tick(this.clock.now()) === 'expired') this.onExpired(`no server reached within the session timeout`)
      else this.armExpiryTimer()
    }, Math.max(0, deadlineMs - this.clock.now()))
  }

  /** The session is gone (the server said so, or our deadline passed): tell everyone, once. */
  private onExpired(reason: string): void {
    this.clearExpiryTimer()
    const cause = new Error(reason)
    // An attempt for the old session still handshaking must not come back to life as a new one.
    if (this.connection && !this.primed) this.connection.close()
    for (const call of this.waiting.drain()) this.fail(call, new KeeperError(ErrorCode.SESSIONEXPIRED, call.path, { cause }))
    const expired = new KeeperError(ErrorCode.SESSIONEXPIRED, undefined, { cause })
    this.connectionController.abort(expired)
    this.sessionController.abort(expired)
    const oneShot = this.watches.sessionExpired()
    this.emit('state', 'expired')
    this.deliver(oneShot)
    if (this.session.terminal) {
      for (const stream of [...this.streams]) stream.fail(expired)
      this.watches.clear()
      this.settleFirstSession?.reject(expired)
      this.settleFirstSession = undefined
    }
  }

  // ------------------------------------------------------------------ closing

  /**
   * Ends the session (closeSession, so ephemerals go at once) and the connection. Calls made
   * before close() are answered first; calls after it fail with SESSIONEXPIRED.
   */
  async close(timeoutMs = 5_000): Promise<void> {
    if (this.closing || this.session.terminal) return this.shutdown('closed')
    const live = this.primed
    if (live) {
      const request: Request = { type: OpCode.closeSession }
      const done = this.submit(request, undefined, { timeoutMs: Math.min(timeoutMs, this.session.negotiatedTimeoutMs || timeoutMs) })
      this.closing = true
      try {
        await done
      } catch (error) {
        // A lost connection or a silent server: the session then expires on the server's own clock.
        if (!(error instanceof KeeperError)) throw error
      }
    }
    this.closing = true
    this.shutdown('closed')
  }

  private shutdown(final: 'closed' | 'authFailed', cause?: KeeperError): void {
    const transition = final === 'closed' ? this.session.close() : this.session.authFailed()
    if (transition === undefined) return
    this.closing = true
    if (this.connectTimer !== undefined) this.clock.clearTimeout(this.connectTimer)
    this.clearHeartbeat()
    this.clearExpiryTimer()
    const error = cause ?? new KeeperError(ErrorCode.SESSIONEXPIRED, undefined, { cause: new Error('the client is closed') })
    this.connection?.close()
    for (const call of this.waiting.drain()) this.fail(call, new KeeperError(error.code, call.path, { cause: error }))
    for (const call of this.inFlight.drain()) this.fail(call, lossError('the client is closed', call.path))
    for (const entry of this.auths) for (const w of entry.waiters.splice(0)) w.reject(error)
    this.connectionController.abort(error)
    this.sessionController.abort(error)
    this.emit('state', transition)
    for (const stream of [...this.streams]) (final === 'closed' ? stream.end() : stream.fail(error))
    this.watches.clear()
    this.settleFirstSession?.reject(error)
    this.settleFirstSession = undefined
  }
}

function lossError(reason: string, path?: string): KeeperError {
  return new KeeperError(ErrorCode.CONNECTIONLOSS, path, { cause: new Error(reason) })
}
