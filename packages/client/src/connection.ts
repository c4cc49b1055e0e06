/**
 * The only module that touches a socket: a TCP connection that delivers whole frame bodies and
 * writes batches of frames. It knows nothing of sessions or requests; the client decides.
 */
import { connect, type Socket } from 'node:net'
import { FrameDecoder } from '@zoo/protocol'
import type { HostAddress } from './options.js'

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

  private constructor(
    private readonly socket: Socket,
    readonly host: HostAddress,
    maxFrameBytes: number,
  ) {
    this.decoder = new FrameDecoder({ maxFrameBytes })
  }

  /** Opens a TCP connection, or rejects after `timeoutMs`. */
  static open(host: HostAddress, timeoutMs: number, maxFrameBytes: number): Promise<Connection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host: host.host, port: host.port, noDelay: true })
      const timer = setTimeout(() => socket.destroy(new Error(`connect to ${host.host}:${host.port} timed out after ${timeoutMs} ms`)), timeoutMs)
      const fail = (error: Error) => {
        clearTimeout(timer)
        reject(error)
      }
      socket.once('error', fail)
      socket.once('connect', () => {
        clearTimeout(timer)
        socket.off('error', fail)
        resolve(new Connection(socket, host, maxFrameBytes))
      })
    })
  }

  /** Starts delivering frames; called once, right after open. */
  start(handlers: ConnectionHandlers): void {
    if (this.handlers) throw new Error('Connection.start called twice')
    this.handlers = handlers
    this.socket.on('data', (chunk: Buffer) => this.onData(chunk))
    this.socket.on('error', (error) => this.finish(error))
    this.socket.on('close', () => this.finish(new Error(`connection to ${this.hostLabel} closed by the server`)))
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
