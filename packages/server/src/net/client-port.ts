// The client port: accepts TCP connections (or TLS ones on the secure client port), enforces
// maxClientCnxns per client address, and hands each socket to a Connection.
import { createServer } from 'node:net'
import type { Server, Socket } from 'node:net'
import { createServer as createTlsServer } from 'node:tls'
import type { Server as TlsServer, TLSSocket } from 'node:tls'
import type { Id } from '@zoo/protocol'
import { subjectRfc2253 } from '../tls/distinguished-name.js'
import { secureContextOptions, tlsServerOptions } from '../tls/material.js'
import type { TlsMaterial } from '../tls/material.js'
import { TlsReloader } from '../tls/reloader.js'
import type { TlsSettings } from '../tls/settings.js'
import { Connection, normalizeAddress } from './connection.js'
import { listenOn } from './listen.js'
import type { ConnectionHandler, ConnectionLimits } from './connection.js'

export interface ClientPortTls {
  settings: TlsSettings
  /** Loaded and checked at start (loadTlsMaterial); reloaded when its files change. */
  material: TlsMaterial
  reloadPollIntervalMs?: number
  /** A certificate with exactly this subject also makes its sessions `super` (X509AuthenticationProvider.superUser). */
  superUser?: string
  log: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => void
}

export interface ClientPortOptions extends ConnectionLimits {
  host: string
  port: number
  /** Connections per client address; 0 = unlimited (Apache's maxClientCnxns). */
  maxClientCnxns: number
  /** Told about refused connections (for metrics and logs). */
  onRejected?: (address: string, reason: string) => void
  /** A TLS client refused: its handshake failed, or its certificate did not authenticate it. */
  onTlsRefused?: (address: string, reason: string, kind: 'handshake' | 'authentication') => void
  /** Serve TLS (Apache's secureClientPort) instead of plain TCP. */
  tls?: ClientPortTls
}

export class ClientPort {
  readonly connections = new Set<Connection>()
  private readonly perAddress = new Map<string, number>()
  private server: Server | undefined
  private reloader: TlsReloader | undefined
  private boundPort = 0

  constructor(
    private readonly options: ClientPortOptions,
    private readonly handler: ConnectionHandler,
  ) {}

  get port(): number {
    return this.boundPort
  }

  async listen(): Promise<void> {
    const tls = this.options.tls
    const server = tls === undefined ? createServer({ noDelay: true }, (socket) => this.admit(socket) && this.onSocket(socket, [])) : this.tlsServer(tls)
    this.boundPort = await listenOn(server, this.options.port, this.options.host)
    this.server = server
    this.reloader?.start()
  }

  private tlsServer(tls: ClientPortTls): TlsServer {
    const server = createTlsServer({ ...tlsServerOptions(tls.settings, tls.material), noDelay: true }, (socket) => this.onSecureSocket(socket, tls))
    // Counted as Apache counts them, when the TCP connection arrives: a client over its limit
    // costs no TLS handshake, and handshakes in progress count.
    server.on('connection', (socket: Socket) => void this.admit(socket))
    // A failed handshake (plain bytes, an untrusted or missing certificate with clientAuth=need)
    // ends that socket only. Node destroys it on a TLS error, but not on a handshake timeout
    // (a client that connects and says nothing) once this event has a listener: we do.
    server.on('tlsClientError', (error, socket) => {
      this.options.onTlsRefused?.(normalizeAddress(socket.remoteAddress ?? 'unknown'), `TLS handshake failed: ${error.message}`, 'handshake')
      socket.destroy()
    })
    this.reloader = new TlsReloader(tls.settings, tls.material, {
      pollIntervalMs: tls.reloadPollIntervalMs,
      // New handshakes use the new context; established connections keep theirs.
      apply: (material) => server.setSecureContext(secureContextOptions(tls.settings, material)),
      log: tls.log,
    })
    return server
  }

  /** Apache's CertificateVerifier: a certificate that was asked for and sent must be trusted. */
  private onSecureSocket(socket: TLSSocket, tls: ClientPortTls): void {
    if (tls.settings.clientAuth === 'none') return this.onSocket(socket, [])
    const certificate = socket.getPeerX509Certificate()
    if (certificate === undefined) return this.onSocket(socket, [])
    const address = normalizeAddress(socket.remoteAddress ?? 'unknown')
    if (!socket.authorized) {
      this.options.onTlsRefused?.(address, `client certificate not trusted: ${String(socket.authorizationError)}`, 'authentication')
      return void socket.destroy()
    }
    let subject: string
    try {
      subject = subjectRfc2253(certificate.raw)
    } catch (e) {
      this.options.onTlsRefused?.(address, `client certificate subject unreadable: ${(e as Error).message}`, 'authentication')
      return void socket.destroy()
    }
    const ids: Id[] = subject === tls.superUser ? [{ scheme: 'super', id: subject }] : []
    this.onSocket(socket, [...ids, { scheme: 'x509', id: subject }])
  }

  /** Stops accepting and closes every connection. */
  async close(): Promise<void> {
    for (const connection of [...this.connections]) connection.close('server shutting down')
    this.reloader?.stop()
    const server = this.server
    this.server = undefined
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  /**
   * maxClientCnxns: counts a new TCP connection against its address until the socket closes,
   * or refuses it (false, destroyed).
   */
  private admit(socket: Socket): boolean {
    const address = normalizeAddress(socket.remoteAddress ?? 'unknown')
    const count = this.perAddress.get(address) ?? 0
    const max = this.options.maxClientCnxns
    if (max > 0 && count >= max) {
      this.options.onRejected?.(address, `too many connections from ${address} (max ${max})`)
      socket.destroy()
      return false
    }
    this.perAddress.set(address, count + 1)
    socket.once('close', () => {
      const left = (this.perAddress.get(address) ?? 1) - 1
      if (left <= 0) this.perAddress.delete(address)
      else this.perAddress.set(address, left)
    })
    return true
  }

  private onSocket(socket: Socket, certificateIds: readonly Id[]): void {
    const handler: ConnectionHandler = {
      fourLetterWord: (word, c) => this.handler.fourLetterWord(word, c),
      connect: (c, request) => this.handler.connect(c, request),
      request: (c, incoming) => this.handler.request(c, incoming),
      closed: (c, reason) => {
        if (this.connections.delete(c)) this.handler.closed(c, reason)
      },
    }
    this.connections.add(new Connection(socket, this.options, handler, certificateIds))
  }
}
