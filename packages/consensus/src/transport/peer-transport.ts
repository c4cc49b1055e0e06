import { EventEmitter } from 'node:events'
import { connect, createServer, isIP, type AddressInfo, type Server, type Socket } from 'node:net'
import { connect as connectTls, createServer as createTlsServer, TLSSocket, type Server as TlsServer, type SecureContextOptions } from 'node:tls'
import { TransportError } from './errors.js'
import { checkFrameBytes, encodeFrame, FrameDecoder, framePayloads } from './frame.js'
import { decodeHello, encodeHello, HELLO_BYTES } from './handshake.js'
import { SendQueue } from './send-queue.js'
import { certificateHostError, ContextCache, describeFailedHandshake, describeUntrusted, TLS_HANDSHAKE_RECORD, WarningLimiter, type PeerTlsOptions } from './tls.js'

export interface PeerAddress {
  host: string
  port: number
}

export interface PeerTransportOptions {
  id: number
  /** Every other member (an entry for `id` itself is ignored). */
  peers: ReadonlyMap<number, PeerAddress>
  listen: PeerAddress
  maxFrameBytes?: number
  /** Bounds on frames waiting for one peer; a full queue drops (and counts) new frames. */
  maxQueueBytes?: number
  maxQueueFrames?: number
  reconnectInitialDelayMs?: number
  reconnectMaxDelayMs?: number
  handshakeTimeoutMs?: number
  /**
   * An empty frame goes to a peer after this long without sending it anything; a link that
   * receives nothing (not even that) for idleTimeoutMs is closed, and redialed by the higher id.
   * Without it a peer whose host vanished stays "connected" until TCP gives up, minutes later.
   */
  heartbeatMs?: number
  idleTimeoutMs?: number
  /** Jitter source for reconnect delays (injected so tests can pin it). */
  random?: () => number
  /** TLS with mutual authentication on every link; plain TCP when absent. */
  tls?: PeerTlsOptions
}

export interface PeerLinkStats {
  connected: boolean
  queuedFrames: number
  queuedBytes: number
  /** Frames handed to the socket. */
  sentFrames: number
  receivedFrames: number
  /** Frames refused by send() because the queue was full, or discarded when the link was reset. */
  droppedFrames: number
  /** Completed handshakes. */
  connects: number
  /** Links closed because the peer announced a frame above maxFrameBytes. */
  oversizedFrames: number
  /** Links reset because the peer could not keep up (its queue overflowed while connected). */
  overflowResets: number
}

export interface PeerTransportEvents {
  message: [from: number, payload: Buffer]
  connected: [peer: number]
  disconnected: [peer: number, reason: string]
  warning: [message: string]
}

interface Link {
  readonly id: number
  readonly address: PeerAddress
  readonly queue: SendQueue
  socket: Socket | undefined
  dialing: Socket | undefined
  reconnectTimer: NodeJS.Timeout | undefined
  failedDials: number
  /** The last dial failure reported, so a peer refusing every redial is reported once. */
  lastDialWarning: string | undefined
  flushScheduled: boolean
  lastSentMs: number
  lastReceivedMs: number
  readonly stats: Omit<PeerLinkStats, 'connected' | 'queuedFrames' | 'queuedBytes'>
}

// A refused member redials every few seconds; its refusal is reported at most this often.
const REFUSAL_WARNING_INTERVAL_MS = 60_000

type DialProgress = 'connecting' | 'tls-handshake' | 'connected'

export const DEFAULT_MAX_FRAME_BYTES = 64 * 1024 * 1024
const DEFAULT_MAX_QUEUE_BYTES = 128 * 1024 * 1024
const DEFAULT_MAX_QUEUE_FRAMES = 100_000
// A zero-length frame is a heartbeat: every real message has at least its type byte.
const EMPTY_FRAME = Buffer.alloc(4)
// Frames are coalesced into writes of about this size: fewer syscalls under load.
const WRITE_CHUNK_BYTES = 256 * 1024

/**
 * TCP links between ensemble members. Exactly one connection per pair: the member with the
 * higher id dials, the lower one accepts (as Apache's election connections end up). With a
 * fixed direction there is no race between two simultaneous dials to resolve, and a restarted
 * member is recognised by its hello replacing the old connection.
 *
 * Each connection carries a gap-free prefix of what was sent on it: when a connected peer's
 * queue overflows, the link is reset (and the queue dropped) rather than skipping frames.
 */
export class PeerTransport extends EventEmitter<PeerTransportEvents> {
  readonly id: number
  private readonly links = new Map<number, Link>()
  private readonly sockets = new Set<Socket>()
  private readonly server: Server
  private readonly maxFrameBytes: number
  private readonly reconnectInitialDelayMs: number
  private readonly reconnectMaxDelayMs: number
  private readonly handshakeTimeoutMs: number
  private readonly heartbeatMs: number
  private readonly idleTimeoutMs: number
  private heartbeat: NodeJS.Timeout | undefined
  private readonly random: () => number
  private readonly tls: { options: PeerTlsOptions; server: TlsServer; contexts: ContextCache; applied: SecureContextOptions } | undefined
  private readonly refusals = new WarningLimiter(REFUSAL_WARNING_INTERVAL_MS)
  private closed = false

  constructor(private readonly options: PeerTransportOptions) {
    super()
    if (!Number.isInteger(options.id) || options.id < 0 || options.id > 0xffff_ffff) throw new RangeError(`bad member id ${options.id}`)
    this.id = options.id
    this.maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
    this.reconnectInitialDelayMs = options.reconnectInitialDelayMs ?? 50
    this.reconnectMaxDelayMs = options.reconnectMaxDelayMs ?? 2_000
    this.handshakeTimeoutMs = options.handshakeTimeoutMs ?? 5_000
    this.heartbeatMs = options.heartbeatMs ?? 1_000
    this.idleTimeoutMs = options.idleTimeoutMs ?? 5_000
    if (!(this.idleTimeoutMs > this.heartbeatMs)) throw new RangeError('idleTimeoutMs must exceed heartbeatMs')
    this.random = options.random ?? Math.random
    const maxQueueBytes = options.maxQueueBytes ?? DEFAULT_MAX_QUEUE_BYTES
    const maxQueueFrames = options.maxQueueFrames ?? DEFAULT_MAX_QUEUE_FRAMES
    for (const [id, address] of options.peers) {
      if (id === this.id) continue
      const stats = { sentFrames: 0, receivedFrames: 0, droppedFrames: 0, connects: 0, oversizedFrames: 0, overflowResets: 0 }
      const queue = new SendQueue(maxQueueFrames, maxQueueBytes)
      const link = { id, address, queue, socket: undefined, dialing: undefined, reconnectTimer: undefined, failedDials: 0, lastDialWarning: undefined, flushScheduled: false, lastSentMs: 0, lastReceivedMs: 0, stats }
      this.links.set(id, link)
    }
    this.server = createServer((socket) => this.accept(socket))
    this.tls = options.tls === undefined ? undefined : this.createTls(options.tls)
  }

  private createTls(options: PeerTlsOptions) {
    if (options.dialPlain === true && options.acceptPlain !== true) throw new RangeError('tls.dialPlain needs tls.acceptPlain: members dialing plain TCP must be accepted')
    const applied = options.material()
    // Never listening itself: accepted sockets are handed to it, so one port can also take
    // plain connections (acceptPlain). It asks for the dialer's certificate and verifies it;
    // the refusal is ours (not rejectUnauthorized) so it can be reported with the dialer's address.
    const server = createTlsServer({ ...applied, requestCert: true, rejectUnauthorized: false, handshakeTimeout: this.handshakeTimeoutMs }, (socket) => {
      if (socket.authorized) return this.attach(socket, undefined)
      this.warnRefused(describeUntrusted(socket))
      socket.destroy()
    })
    // With a listener here, node leaves closing the socket to us (a handshake timeout included).
    server.on('tlsClientError', (error, socket) => {
      this.warnRefused(describeFailedHandshake(error))
      socket.destroy()
    })
    return { options, server, contexts: new ContextCache(options.material), applied }
  }

  /** Listens, then starts dialing the members with lower ids. Resolves with the bound address. */
  async start(): Promise<PeerAddress> {
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject)
      this.server.listen(this.options.listen.port, this.options.listen.host, () => {
        this.server.off('error', reject)
        resolve()
      })
    })
    this.server.on('error', (error) => this.emit('warning', `listener: ${error.message}`))
    for (const link of this.links.values()) if (link.id < this.id) this.dial(link)
    this.heartbeat = setInterval(() => this.checkLinks(), Math.max(10, Math.floor(this.heartbeatMs / 2)))
    return this.address
  }

  get address(): PeerAddress {
    const address = this.server.address() as AddressInfo | null
    if (address === null) throw new TransportError('CLOSED', 'transport is not listening')
    return { host: address.address, port: address.port }
  }

  get peerIds(): number[] {
    return [...this.links.keys()]
  }

  isConnected(peer: number): boolean {
    return this.links.get(peer)?.socket !== undefined
  }

  /**
   * Queues `payload` for `to`. Never blocks: returns false (and counts a drop) when the
   * peer's queue is full. Throws for an unknown peer, an empty payload or one above maxFrameBytes.
   * The payload is queued by reference until it is written: the caller must not change it.
   */
  send(to: number, payload: Uint8Array): boolean {
    const link = this.links.get(to)
    if (link === undefined) throw new RangeError(`member ${this.id} has no peer ${to}`)
    if (payload.length === 0) throw new RangeError('an empty payload is reserved for heartbeats')
    if (this.closed) return false
    checkFrameBytes(payload, this.maxFrameBytes)
    // Queued unframed: flush() frames a whole run of payloads into one buffer (one copy each).
    if (!link.queue.offer(payload)) {
      link.stats.droppedFrames += 1
      if (link.socket !== undefined) {
        link.stats.overflowResets += 1
        link.stats.droppedFrames += link.queue.clear()
        link.socket.destroy(new Error(`send queue overflow (${link.queue.maxFrames} frames / ${link.queue.maxBytes} bytes)`))
      }
      return false
    }
    this.scheduleFlush(link)
    return true
  }

  stats(peer: number): PeerLinkStats {
    const link = this.links.get(peer)
    if (link === undefined) throw new RangeError(`member ${this.id} has no peer ${peer}`)
    return { ...link.stats, connected: link.socket !== undefined, queuedFrames: link.queue.length, queuedBytes: link.queue.bytes }
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.heartbeat)
    for (const link of this.links.values()) {
      clearTimeout(link.reconnectTimer)
      link.queue.clear()
    }
    const serverClosed = new Promise<void>((resolve) => this.server.close(() => resolve()))
    for (const socket of this.sockets) socket.destroy()
    await serverClosed
  }

  private dial(link: Link): void {
    if (this.closed || link.dialing !== undefined || link.socket !== undefined) return
    const { host, port } = link.address
    let socket: Socket
    if (this.tls === undefined || this.tls.options.dialPlain === true) {
      socket = connect({ host, port })
      socket.once('connect', () => socket.write(encodeFrame(encodeHello(this.id), HELLO_BYTES)))
    } else {
      const hostnameVerification = this.tls.options.hostnameVerification ?? true
      socket = connectTls({
        host,
        port,
        secureContext: this.tls.contexts.current().context,
        // SNI carries names only; an IP host is still checked against the certificate's IP SANs.
        servername: isIP(host) === 0 ? host : undefined,
        rejectUnauthorized: true,
        ...(hostnameVerification ? {} : { checkServerIdentity: () => undefined }),
      })
      socket.once('secureConnect', () => socket.write(encodeFrame(encodeHello(this.id), HELLO_BYTES)))
    }
    link.dialing = socket
    this.attach(socket, link)
  }

  /** An accepted TCP connection: plain, TLS, or (acceptPlain) whichever its first byte says. */
  private accept(socket: Socket): void {
    const tls = this.tls
    if (tls === undefined) return this.attach(socket, undefined)
    // Tracked from the start, so close() also ends connections still in their TLS handshake.
    this.sockets.add(socket)
    socket.once('close', () => this.sockets.delete(socket))
    if (tls.options.acceptPlain !== true) return this.acceptTls(socket)
    socket.once('data', (chunk: Buffer) => {
      socket.pause()
      socket.unshift(chunk)
      if (chunk[0] === TLS_HANDSHAKE_RECORD) this.acceptTls(socket)
      else {
        this.attach(socket, undefined)
        socket.resume()
      }
    })
    // Until the first byte decides, a connection that says nothing is closed at the deadline.
    const deadline = setTimeout(() => socket.destroy(), this.handshakeTimeoutMs)
    socket.once('data', () => clearTimeout(deadline))
    socket.once('close', () => clearTimeout(deadline))
    socket.on('error', () => undefined)
  }

  /** A refused TLS connection, reported once a minute per reason (the refused member keeps redialing). */
  private warnRefused(message: string): void {
    if (this.refusals.allow(message, Date.now())) this.emit('warning', message)
  }

  private acceptTls(socket: Socket): void {
    const tls = this.tls!
    const material = tls.options.material()
    if (material !== tls.applied) {
      try {
        tls.server.setSecureContext(material)
      } catch (error) {
        // Keep the last good keys rather than stop accepting members.
        this.emit('warning', `new TLS material not applied, the previous stays in use: ${(error as Error).message}`)
      }
      tls.applied = material
    }
    tls.server.emit('connection', socket)
  }

  private scheduleReconnect(link: Link): void {
    if (this.closed || link.reconnectTimer !== undefined) return
    const delayMs = reconnectDelayMs(link.failedDials, this.reconnectInitialDelayMs, this.reconnectMaxDelayMs, this.random())
    link.failedDials += 1
    link.reconnectTimer = setTimeout(() => {
      link.reconnectTimer = undefined
      this.dial(link)
    }, delayMs)
  }

  /**
   * One connection's life: hello (with a small frame limit and a deadline), then frames.
   * `dialed` is the link we dialed for, undefined for an accepted connection.
   */
  private attach(socket: Socket, dialed: Link | undefined): void {
    this.sockets.add(socket)
    socket.setNoDelay(true)
    const decoder = new FrameDecoder(HELLO_BYTES)
    let link: Link | undefined
    let closeReason = 'connection closed'
    let firstByte: number | undefined
    // How far a dial got: TCP connected, then (TLS) the handshake done.
    let progress: DialProgress = 'connecting'
    socket.once('connect', () => (progress = socket instanceof TLSSocket ? 'tls-handshake' : 'connected'))
    socket.once('secureConnect', () => (progress = 'connected'))
    const deadline = setTimeout(() => socket.destroy(new Error('handshake timed out')), this.handshakeTimeoutMs)
    socket.on('error', (error) => {
      closeReason = error.message
    })
    socket.on('data', (chunk: Buffer) => {
      firstByte ??= chunk[0]
      decoder.append(chunk)
      try {
        if (link !== undefined) link.lastReceivedMs = Date.now()
        for (let frame = decoder.next(); frame !== undefined && !socket.destroyed; frame = decoder.next()) {
          if (link === undefined) {
            link = this.handshake(socket, decodeHello(frame), dialed)
            clearTimeout(deadline)
            decoder.maxFrameBytes = this.maxFrameBytes
          } else if (frame.length > 0) {
            link.stats.receivedFrames += 1
            this.emit('message', link.id, frame)
          }
        }
      } catch (error) {
        if (error instanceof TransportError && error.code === 'FRAME_TOO_LARGE' && link !== undefined) link.stats.oversizedFrames += 1
        const plainMeetsTls = link === undefined && firstByte === TLS_HANDSHAKE_RECORD && !(socket instanceof TLSSocket)
        const message = plainMeetsTls ? 'a TLS connection arrived, but this member does not use TLS between members' : (error as Error).message
        this.emit('warning', `connection ${link === undefined ? 'before handshake' : `with member ${link.id}`}: ${message}`)
        socket.destroy(error as Error)
      }
    })
    socket.on('drain', () => {
      if (link !== undefined && link.socket === socket) this.flush(link)
    })
    socket.on('close', () => {
      clearTimeout(deadline)
      this.sockets.delete(socket)
      if (dialed !== undefined && dialed.dialing === socket) dialed.dialing = undefined
      if (dialed !== undefined && link === undefined) this.reportFailedDial(dialed, progress, closeReason)
      if (link !== undefined && link.socket === socket) {
        link.socket = undefined
        this.emit('disconnected', link.id, closeReason)
      }
      if (dialed !== undefined) this.scheduleReconnect(dialed)
    })
  }

  /**
   * A dial that failed before the hello exchange. Refused TCP connections (the peer is down)
   * are routine; a failure after connecting (a TLS certificate refused either way, a peer
   * that hangs up) is reported, once until the reason changes or a dial succeeds.
   */
  private reportFailedDial(link: Link, progress: DialProgress, reason: string): void {
    if (progress === 'connecting') return
    const what =
      progress === 'tls-handshake'
        ? `TLS handshake failed: ${reason}`
        : `closed before its hello (${reason}); ${this.tls === undefined ? 'does it expect TLS (sslQuorum)?' : "does it trust this member's certificate?"}`
    if (what === link.lastDialWarning) return
    link.lastDialWarning = what
    this.emit('warning', `dialing member ${link.id} at ${link.address.host}:${link.address.port}: ${what}`)
  }

  /** Checks the peer's hello, answers it (acceptor) and makes the socket the peer's link. */
  private handshake(socket: Socket, peerId: number, dialed: Link | undefined): Link {
    if (dialed !== undefined && peerId !== dialed.id) {
      throw new TransportError('HANDSHAKE', `dialed member ${dialed.id} at ${dialed.address.host}:${dialed.address.port} but member ${peerId} answered`)
    }
    const link = dialed ?? this.links.get(peerId)
    if (link === undefined) throw new TransportError('HANDSHAKE', `member ${peerId} is not in this ensemble`)
    if (dialed === undefined) {
      if (peerId < this.id) throw new TransportError('HANDSHAKE', `member ${peerId} dialed member ${this.id}, but the higher id dials`)
      this.verifyDialerHost(socket, link)
      socket.write(encodeFrame(encodeHello(this.id), HELLO_BYTES))
    }
    // A new connection from a member replaces the old one: it restarted, the old one is dead.
    const old = link.socket
    if (old !== undefined) {
      link.socket = undefined
      this.emit('disconnected', link.id, 'replaced by a newer connection')
      old.destroy()
    }
    link.socket = socket
    link.lastReceivedMs = link.lastSentMs = Date.now()
    link.failedDials = 0
    link.lastDialWarning = undefined
    link.stats.connects += 1
    this.emit('connected', link.id)
    this.scheduleFlush(link)
    return link
  }

  /** With hostname verification, a dialer's certificate must name the host of the id it claims. */
  private verifyDialerHost(socket: Socket, link: Link): void {
    const options = this.tls?.options
    if (options === undefined || !(options.clientHostnameVerification ?? options.hostnameVerification ?? true) || !(socket instanceof TLSSocket)) return
    const error = certificateHostError(link.address.host, socket.getPeerCertificate())
    if (error !== undefined) throw new TransportError('HANDSHAKE', `a connection claiming to be member ${link.id} (host ${link.address.host}) was refused: ${error}`)
  }

  private scheduleFlush(link: Link): void {
    if (link.flushScheduled || link.socket === undefined) return
    link.flushScheduled = true
    // Frames sent in the same tick leave in one write.
    queueMicrotask(() => {
      link.flushScheduled = false
      this.flush(link)
    })
  }

  private flush(link: Link): void {
    const socket = link.socket
    if (socket === undefined || socket.destroyed) return
    while (link.queue.length > 0 && !socket.writableNeedDrain) {
      const payloads = link.queue.takeUpTo(WRITE_CHUNK_BYTES)
      socket.write(framePayloads(payloads))
      link.stats.sentFrames += payloads.length
      link.lastSentMs = Date.now()
    }
  }

  /** Heartbeats quiet links and closes those that went silent (the peer or its host is gone). */
  private checkLinks(): void {
    const now = Date.now()
    for (const link of this.links.values()) {
      const socket = link.socket
      if (socket === undefined || socket.destroyed) continue
      if (now - link.lastReceivedMs > this.idleTimeoutMs) {
        socket.destroy(new Error(`nothing received for ${now - link.lastReceivedMs} ms`))
      } else if (now - link.lastSentMs >= this.heartbeatMs && link.queue.length === 0 && !socket.writableNeedDrain) {
        socket.write(EMPTY_FRAME)
        link.lastSentMs = now
      }
    }
  }
}

/**
 * Capped exponential backoff with equal jitter: between half and all of
 * min(maxMs, initialMs * 2^failedDials), so members restarting together spread out.
 */
export function reconnectDelayMs(failedDials: number, initialMs: number, maxMs: number, random: number): number {
  const ceilingMs = Math.min(maxMs, initialMs * 2 ** Math.min(failedDials, 30))
  return ceilingMs / 2 + (random * ceilingMs) / 2
}
