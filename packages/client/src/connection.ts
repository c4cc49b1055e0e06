/**
 * The only module that touches a socket: a TCP connection that delivers whole frame bodies and
 * writes batches of frames. It knows nothing of sessions or requests; the client decides.
 */
import { connect, isIP, type Socket } from 'node:net'
import { checkServerIdentity, connect as connectTls, type PeerCertificate } from 'node:tls'
import { FrameDecoder } from '@zoo/protocol'
import type { HostAddress, TlsOptions } from './options.js'

export interface ConnectionHandlers {
  /** A complete frame body (length prefix removed). */
  frame(body: Buffer): void
  /** The connection is gone (for any reason, once); `error` says why when it was not us. */
  closed(error: Error | undefined): void
}

export class Connection {
  private readonly decoder: FrameDecoder
  private handlers: ConnectionHandlers | undefined
  private ended = false
  private received = false

  private constructor(
    private readonly socket: Socket,
    readonly host: HostAddress,
    maxFrameBytes: number,
    private readonly secure = false,
  ) {
    this.decoder = new FrameDecoder({ maxFrameBytes })
  }

  /** Opens a TCP connection (a TLS one when `tls` is given: handshake done), or rejects after `timeoutMs`. */
  static open(host: HostAddress, timeoutMs: number, maxFrameBytes: number, tls?: TlsOptions): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const label = `${host.host}:${host.port}`
      const socket = tls === undefined ? connect({ host: host.host, port: host.port, noDelay: true }) : connectTls(tlsConnectOptions(host, tls))
      const timer = setTimeout(() => socket.destroy(new Error(`connect to ${label} timed out after ${timeoutMs} ms`)), timeoutMs)
      const fail = (error: Error) => {
        clearTimeout(timer)
        reject(tls === undefined ? error : new Error(`TLS connection to ${label} failed: ${error.message}`, { cause: error }))
      }
      socket.once('error', fail)
      socket.once(tls === undefined ? 'connect' : 'secureConnect', () => {
        clearTimeout(timer)
        socket.off('error', fail)
        resolve(new Connection(socket, host, maxFrameBytes, tls !== undefined))
      })
    })
  }

  /** Starts delivering frames; called once, right after open. */
  start(handlers: ConnectionHandlers): void {
    if (this.handlers) throw new Error('Connection.start called twice')
    this.handlers = handlers
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk))
    // With TLS 1.3 a server that refuses our certificate says so after our side of the handshake
    // is done: the alert arrives as this error, and must read as what it is.
    this.socket.on('error', (error) => this.finish(this.secure ? new Error(`TLS connection to ${this.hostLabel}: ${error.message}`, { cause: error }) : error))
    this.socket.on('close', () => this.finish(new Error(this.closedMessage())))
  }

  private closedMessage(): string {
    // A TLS server that does not trust our certificate may just close once the handshake is done
    // (Node's servers send no alert then): say so, or the refusal reads like a crash.
    if (this.secure && !this.received) return `TLS connection to ${this.hostLabel} closed by the server before any reply (does it trust this client's certificate?)`
    return `connection to ${this.hostLabel} closed by the server`
  }

  get hostLabel(): string {
    return this.host.host.includes(':') ? `[${this.host.host}]:${this.host.port}` : `${this.host.host}:${this.host.port}`
  }

  get isOpen(): boolean {
    return !this.ended
  }

  write(frames: Buffer): void {
    if (!this.ended) this.socket.write(frames)
  }

  /** Closes from our side; `closed` is still reported once, with no error. */
  close(): void {
    this.finish(undefined)
  }

  private onData(chunk: Buffer): void {
    this.received = true
    let bodies: Buffer[]
    try {
      bodies = this.decoder.push(chunk)
    } catch (error) {
      return this.finish(error as Error)
    }
    for (const body of bodies) {
      if (this.ended) return
      this.handlers!.frame(body)
    }
  }

  private finish(error: Error | undefined): void {
    if (this.ended) return
    this.ended = true
    this.socket.destroy()
    this.handlers?.closed(error)
  }
}

function tlsConnectOptions(host: HostAddress, tls: TlsOptions) {
  // SNI must be a host name, never an address; the certificate is still checked against the address.
  const servername = tls.servername ?? (isIP(host.host) === 0 ? host.host : undefined)
  return {
    host: host.host,
    port: host.port,
    noDelay: true,
    ca: tls.ca,
    cert: tls.cert,
    key: tls.key,
    passphrase: tls.passphrase,
    servername,
    rejectUnauthorized: tls.rejectUnauthorized,
    // A servername names the identity to check even when we dial an address.
    ...(tls.servername === undefined ? {} : { checkServerIdentity: (_: string, cert: PeerCertificate) => checkServerIdentity(tls.servername as string, cert) }),
  }
}
