// One client connection: framing, four-letter-word detection, handshake, request intake with a
// bound on requests in flight, replies. What a request *means* is the handler's business
// (sessions, pipeline); this class only moves bytes and enforces per-connection limits.
import type { Socket } from 'node:net'
import {
  decodeConnectRequest, decodeRequest, encodeConnectResponse, FrameDecoder, isProtocolError, OpCode,
} from '@zoo/protocol'
import type { ConnectRequest, Id, Request, RequestHeader } from '@zoo/protocol'
import { fourLetterWordOf } from './four-letter.js'

/**
 * Requests read and not yet answered across every connection of the member (Apache's
 * globalOutstandingLimit): at the limit every connection stops reading until replies drain.
 */
export class OutstandingBudget {
  count = 0
  private readonly throttled = new Set<Connection>()

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`globalOutstandingLimit ${limit}`)
  }

  get exhausted(): boolean {
    return this.count >= this.limit
  }

  take(): void {
    this.count++
  }

  /** `connection` paused for the budget: wake it when there is room. */
  wait(connection: Connection): void {
    this.throttled.add(connection)
  }

  give(n = 1): void {
    if (this.count < n) throw new Error('outstanding budget below zero')
    this.count -= n
    if (this.exhausted || this.throttled.size === 0) return
    const waiting = [...this.throttled]
    this.throttled.clear()
    for (const c of waiting) c.budgetFreed()
  }

  forget(connection: Connection): void {
    this.throttled.delete(connection)
  }
}

export interface ConnectionLimits {
  maxFrameBytes: number
  /** Requests read but not yet answered before this connection stops reading. */
  maxOutstandingRequests: number
  /** Reply bytes queued in the socket before this connection stops reading. */
  maxPendingWriteBytes: number
  minSessionTimeoutMs: number
  maxSessionTimeoutMs: number
  /** A connection that has not sent its ConnectRequest by then is closed. */
  handshakeTimeoutMs: number
  /** Shared by every connection of the member; none: no member-wide bound. */
  budget?: OutstandingBudget
}

/** A request as the pipeline sees it; `request` is undefined for an opcode we do not know. */
export interface IncomingRequest {
  header: RequestHeader
  request: Request | undefined
  /** The frame body as the client sent it (forwarded to the leader as is). */
  body: Buffer
  receivedAtMs: number
}

export interface AcceptedSession {
  sessionId: bigint
  passwd: Buffer
  timeoutMs: number
  readOnly: boolean
}

export interface ConnectionHandler {
  /** A known four-letter word as the first bytes: the whole answer, or undefined to close. */
  fourLetterWord(word: string, connection: Connection): string | Promise<string>
  /** A ConnectRequest, timeout already clamped: answer with accept(), reject() or close(). */
  connect(connection: Connection, request: ConnectRequest & { negotiatedTimeoutMs: number }): void
  request(connection: Connection, incoming: IncomingRequest): void
  closed(connection: Connection, reason: string): void
}

export type ConnectionPhase = 'new' | 'word' | 'handshake' | 'connecting' | 'open' | 'closed'

export interface ConnectionStats {
  received: number
  sent: number
  bytesReceived: number
  bytesSent: number
  lastOperation: string
  lastCxid: number
  lastZxid: bigint
  lastResponseMs: number
  lastLatencyMs: number
  minLatencyMs: number
  maxLatencyMs: number
  totalLatencyMs: number
  replies: number
}

/** Clamp as Apache's ZooKeeperServer.processConnectRequest. */
export function negotiateTimeoutMs(requestedMs: number, minMs: number, maxMs: number): number {
  return Math.min(Math.max(requestedMs, minMs), maxMs)
}

/**
 * Buffers in a request (setData's data, say) are views of its frame, not copies: the frame is
 * kept anyway until the request is answered (IncomingRequest.body), nothing writes to it, and
 * what outlives the request is copied downstream (the txn encoding, the tree's stored data).
 */
const REQUEST_READER = { copyBuffers: false } as const

export class Connection {
  phase: ConnectionPhase = 'new'
  readonly remoteAddress: string
  readonly remotePort: number
  readonly establishedMs = Date.now()
  session: AcceptedSession | undefined
  /** Whether the client's ConnectRequest carried the readOnly byte (answer likewise). */
  private requestHadReadOnly = false
  outstanding = 0
  readonly stats: ConnectionStats = {
    received: 0, sent: 0, bytesReceived: 0, bytesSent: 0, lastOperation: 'NA', lastCxid: -1, lastZxid: -1n,
    lastResponseMs: 0, lastLatencyMs: 0, minLatencyMs: Number.POSITIVE_INFINITY, maxLatencyMs: 0, totalLatencyMs: 0, replies: 0,
  }
  private readonly decoder: FrameDecoder
  private first: Buffer = Buffer.alloc(0)
  /** Frames decoded while reading was paused: at most one socket chunk's worth. */
  private backlog: Buffer[] = []
  private paused = false
  private corked = false
  private handshakeTimer: NodeJS.Timeout | undefined
  private closeReason: string | undefined

  constructor(
    readonly socket: Socket,
    private readonly limits: ConnectionLimits,
    private readonly handler: ConnectionHandler,
    /** Identities the TLS handshake proved (x509: the client certificate's subject). */
    readonly certificateIds: readonly Id[] = [],
  ) {
    this.remoteAddress = normalizeAddress(socket.remoteAddress ?? 'unknown')
    this.remotePort = socket.remotePort ?? 0
    this.decoder = new FrameDecoder({ maxFrameBytes: limits.maxFrameBytes })
    socket.setNoDelay(true)
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('drain', () => this.maybeResume())
    socket.on('error', (e) => this.close(`socket error: ${e.message}`))
    socket.on('close', () => this.close('closed by peer'))
    this.handshakeTimer = setTimeout(() => this.close('no ConnectRequest in time'), limits.handshakeTimeoutMs)
    this.handshakeTimer.unref()
  }

  /** Apache's getInterestOps: 1 (read) while reading, 0 while throttled or closed. */
  get interestOps(): number {
    return this.phase !== 'closed' && !this.paused ? 1 : 0
  }

  get isOpen(): boolean {
    return this.phase === 'open'
  }

  accept(session: AcceptedSession): void {
    if (this.phase !== 'connecting') throw new Error(`accept in phase ${this.phase}`)
    this.session = session
    this.phase = 'open'
    const response = { protocolVersion: 0, timeOut: session.timeoutMs, sessionId: session.sessionId, passwd: session.passwd, readOnly: this.requestHadReadOnly ? session.readOnly : undefined }
    this.write(encodeConnectResponse(response))
    this.maybeResume()
  }

  /** The session is unknown or expired: timeout 0, session 0 (the client reports Expired), then close. */
  reject(reason: string): void {
    if (this.phase !== 'connecting') throw new Error(`reject in phase ${this.phase}`)
    const response = { protocolVersion: 0, timeOut: 0, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: this.requestHadReadOnly ? false : undefined }
    this.write(encodeConnectResponse(response))
    this.close(reason, { flush: true })
  }

  /** Sends a frame that is not the answer to a request (a notification). */
  send(frame: Buffer): void {
    if (this.phase === 'closed') return
    this.write(frame)
    this.stats.sent++
  }

  /** Sends the reply to one request read earlier; frees its slot. */
  reply(frame: Buffer, request: IncomingRequest, zxid: bigint): void {
    if (this.phase === 'closed') return
    if (this.outstanding <= 0) throw new Error('reply without an outstanding request')
    this.outstanding--
    this.limits.budget?.give()
    this.write(frame)
    const now = Date.now()
    const latencyMs = Math.max(0, now - request.receivedAtMs)
    const s = this.stats
    s.sent++
    s.replies++
    s.lastOperation = operationName(request.header.type)
    // Pings (-2), auth (-4) and setWatches (-8) do not move the last cxid, as in Apache.
    if (request.header.xid >= 0) s.lastCxid = request.header.xid
    s.lastZxid = zxid
    s.lastResponseMs = now
    s.lastLatencyMs = latencyMs
    s.totalLatencyMs += latencyMs
    if (latencyMs < s.minLatencyMs) s.minLatencyMs = latencyMs
    if (latencyMs > s.maxLatencyMs) s.maxLatencyMs = latencyMs
    this.maybeResume()
  }

  /** Closes this connection only. `flush` lets queued bytes reach the peer first. */
  close(reason: string, options: { flush?: boolean } = {}): void {
    if (this.phase === 'closed') return
    this.phase = 'closed'
    this.closeReason = reason
    // Requests of a closed connection are never answered: their share of the budget comes back now.
    if (this.limits.budget !== undefined) {
      this.limits.budget.forget(this)
      if (this.outstanding > 0) this.limits.budget.give(this.outstanding)
    }
    clearTimeout(this.handshakeTimer)
    this.backlog = []
    if (options.flush === true) {
      this.socket.end()
      // A peer that never reads must not keep the socket forever.
      setTimeout(() => this.socket.destroy(), 1000).unref()
    } else {
      this.socket.destroy()
    }
    this.handler.closed(this, reason)
  }

  get closedBecause(): string | undefined {
    return this.closeReason
  }

  private write(frame: Buffer): void {
    this.stats.bytesSent += frame.length
    // Replies of one turn of the event loop leave in one writev instead of one syscall each.
    if (!this.corked) {
      this.corked = true
      this.socket.cork()
      process.nextTick(() => {
        this.corked = false
        this.socket.uncork()
      })
    }
    this.socket.write(frame)
    if (this.socket.writableLength > this.limits.maxPendingWriteBytes) this.pause()
  }

  private onData(chunk: Buffer): void {
    if (this.phase === 'closed' || this.phase === 'word') return
    this.stats.bytesReceived += chunk.length
    if (this.phase === 'new') {
      this.first = Buffer.concat([this.first, chunk])
      if (this.first.length < 4) return
      chunk = this.first
      this.first = Buffer.alloc(0)
      const word = fourLetterWordOf(chunk)
      if (word !== undefined) return void this.answerFourLetterWord(word)
      this.phase = 'handshake'
    }
    let frames: Buffer[]
    try {
      frames = this.decoder.push(chunk)
    } catch (e) {
      // A frame over jute.maxbuffer (or a negative length) closes this connection only.
      return this.close(`bad frame: ${(e as Error).message}`)
    }
    this.backlog.push(...frames)
    this.drainBacklog()
  }

  private async answerFourLetterWord(word: string): Promise<void> {
    clearTimeout(this.handshakeTimer)
    this.stats.received++
    this.phase = 'word'
    this.socket.pause()
    let text: string | undefined
    try {
      text = await this.handler.fourLetterWord(word, this)
    } catch (e) {
      // A word that fails to answer closes its connection without an answer, as Apache does.
      text = undefined
      this.close(`four-letter word ${word} failed: ${(e as Error).message}`)
    }
    if (text !== undefined && (this.phase as ConnectionPhase) !== 'closed') this.socket.write(text)
    this.close(`four-letter word ${word}`, { flush: true })
  }

  private drainBacklog(): void {
    while (this.backlog.length > 0 && !this.paused && this.phase !== 'closed') {
      if (this.phase === 'connecting') return this.pause()
      if (this.phase === 'open' && this.limits.budget?.exhausted === true) {
        this.pause()
        return this.limits.budget.wait(this)
      }
      const frame = this.backlog.shift() as Buffer
      if (this.phase === 'handshake') this.onConnectFrame(frame)
      else this.onRequestFrame(frame)
    }
    if (this.backlog.length > 0 && (this.phase as ConnectionPhase) !== 'closed') this.pause()
  }

  private onConnectFrame(frame: Buffer): void {
    let request: ConnectRequest
    try {
      request = decodeConnectRequest(frame)
    } catch (e) {
      return this.close(`bad ConnectRequest: ${(e as Error).message}`)
    }
    clearTimeout(this.handshakeTimer)
    this.requestHadReadOnly = request.readOnly !== undefined
    this.phase = 'connecting'
    this.stats.received++
    const negotiatedTimeoutMs = negotiateTimeoutMs(request.timeOut, this.limits.minSessionTimeoutMs, this.limits.maxSessionTimeoutMs)
    this.handler.connect(this, { ...request, negotiatedTimeoutMs })
  }

  private onRequestFrame(frame: Buffer): void {
    const receivedAtMs = Date.now()
    let header: RequestHeader
    let request: Request | undefined
    try {
      ;({ header, request } = decodeRequest(frame, REQUEST_READER))
    } catch (e) {
      // An opcode we do not know is answered (UNIMPLEMENTED) in order; other bad bytes close.
      if (!isProtocolError(e, 'unknown-opcode') || e.xid === undefined || e.opcode === undefined) {
        return this.close(`bad request: ${(e as Error).message}`)
      }
      header = { xid: e.xid, type: e.opcode }
      request = undefined
    }
    this.stats.received++
    this.outstanding++
    this.limits.budget?.take()
    this.handler.request(this, { header, request, body: frame, receivedAtMs })
    if (this.outstanding >= this.limits.maxOutstandingRequests) this.pause()
  }

  /** The member-wide budget has room again. */
  budgetFreed(): void {
    this.maybeResume()
  }

  private pause(): void {
    if (this.paused) return
    this.paused = true
    this.socket.pause()
  }

  private maybeResume(): void {
    if (!this.paused || this.phase === 'closed' || this.phase === 'connecting') return
    if (this.outstanding >= this.limits.maxOutstandingRequests) return
    if (this.limits.budget?.exhausted === true) return this.limits.budget.wait(this)
    if (this.socket.writableLength > this.limits.maxPendingWriteBytes) return
    this.paused = false
    this.drainBacklog()
    if (!this.paused) this.socket.resume()
  }
}

export function normalizeAddress(address: string): string {
  return address.startsWith('::ffff:') ? address.slice(7) : address
}

const opNames: Record<number, string> = {
  [OpCode.create]: 'CREA', [OpCode.delete]: 'DELE', [OpCode.exists]: 'EXIS', [OpCode.getData]: 'GETD', [OpCode.setData]: 'SETD',
  [OpCode.getACL]: 'GETA', [OpCode.setACL]: 'SETA', [OpCode.getChildren]: 'GETC', [OpCode.sync]: 'SYNC', [OpCode.ping]: 'PING',
  [OpCode.getChildren2]: 'GETC', [OpCode.check]: 'CHEC', [OpCode.multi]: 'MULT', [OpCode.create2]: 'CREA', [OpCode.reconfig]: 'RECO',
  [OpCode.checkWatches]: 'CHKW', [OpCode.removeWatches]: 'REMW', [OpCode.createContainer]: 'CCON', [OpCode.deleteContainer]: 'DCON',
  [OpCode.createTTL]: 'CTTL', [OpCode.multiRead]: 'MLTR', [OpCode.auth]: 'AUTH', [OpCode.setWatches]: 'SETW', [OpCode.sasl]: 'SASL',
  [OpCode.getEphemerals]: 'GETE', [OpCode.getAllChildrenNumber]: 'GETACN', [OpCode.setWatches2]: 'STW2', [OpCode.addWatch]: 'ADDW',
  [OpCode.whoAmI]: 'HOMI', [OpCode.closeSession]: 'CLOS',
}

/** Apache's Request.op2String abbreviations, as `cons` prints them (lop=...). */
export function operationName(type: number): string {
  return opNames[type] ?? 'UNKNOWN'
}
