// A minimal ZooKeeper client connection for tests, speaking raw @zoo/protocol frames: connect
// handshake, pipelined requests answered FIFO, notifications collected, pings to stay alive.
// Test-only: no reconnect, no watch bookkeeping, nothing a real client needs.
import { connect, type Socket } from 'node:net'
import {
  FrameDecoder, OpCode, Xid, decodeConnectResponse, decodeReply, encodeConnectRequest, encodeRequest, peekXid,
} from '@zoo/protocol'
import type { ReplyHeader, Request, ResponseBodies, WatcherEvent } from '@zoo/protocol'

export interface RawReply {
  header: ReplyHeader
  response?: ResponseBodies[keyof ResponseBodies]
}

interface Pending {
  xid: number
  opcode: number
  resolve: (reply: RawReply) => void
  reject: (error: Error) => void
}

const PING_INTERVAL_MS = 3_000

export class RawConnection {
  readonly sessionId: bigint
  readonly timeoutMs: number
  /** Notifications received, in arrival order. */
  readonly events: WatcherEvent[] = []
  private readonly socket: Socket
  private readonly decoder = new FrameDecoder()
  private readonly pending: Pending[] = []
  private readonly special = new Map<number, Pending[]>()
  private nextXid = 1
  private failure: Error | undefined
  private readonly pinger: NodeJS.Timeout

  private constructor(socket: Socket, sessionId: bigint, timeoutMs: number, leftover: Buffer[]) {
    this.socket = socket
    this.sessionId = sessionId
    this.timeoutMs = timeoutMs
    socket.on('data', (chunk: Buffer) => this.onData(chunk))
    socket.on('error', (e) => this.fail(e))
    socket.on('close', () => this.fail(new Error(`connection of session 0x${sessionId.toString(16)} closed`)))
    this.pinger = setInterval(() => this.ping().catch(() => {}), PING_INTERVAL_MS)
    this.pinger.unref()
    for (const body of leftover) this.onFrame(body)
  }

  /** Opens a new session on 127.0.0.1:port. */
  static async open(port: number, timeoutMs = 30_000): Promise<RawConnection> {
    const socket = connect({ host: '127.0.0.1', port })
    socket.setNoDelay(true)
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    const decoder = new FrameDecoder()
    const frames = await new Promise<Buffer[]>((resolve, reject) => {
      const onData = (chunk: Buffer) => {
        const bodies = decoder.push(chunk)
        if (bodies.length === 0) return
        socket.off('data', onData)
        resolve(bodies.map((b) => Buffer.from(b)))
      }
      socket.on('data', onData)
      socket.once('error', reject)
      socket.write(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOut: timeoutMs, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false }))
    })
    const [first, ...rest] = frames
    const response = decodeConnectResponse(first as Buffer)
    if (response.sessionId === 0n) throw new Error('server refused the session')
    return new RawConnection(socket, response.sessionId, response.timeOut, rest)
  }

  /** Sends a request (pipelined) and resolves with its reply. */
  send(request: Request): Promise<RawReply> {
    if (this.failure) return Promise.reject(this.failure)
    const xid = request.type === OpCode.auth ? Xid.AUTH
      : request.type === OpCode.setWatches || request.type === OpCode.setWatches2 ? Xid.SET_WATCHES
      : request.type === OpCode.ping ? Xid.PING
      : this.nextXid++
    return new Promise((resolve, reject) => {
      const entry = { xid, opcode: request.type, resolve, reject }
      if (xid > 0) this.pending.push(entry)
      else this.special.set(xid, [...(this.special.get(xid) ?? []), entry])
      this.socket.write(encodeRequest(xid, request))
    })
  }

  /**
   * A ping answered by the server after everything sent before it: once it returns, every
   * notification caused by earlier txns has arrived on this connection.
   */
  async ping(): Promise<void> {
    await this.send({ type: OpCode.ping })
  }

  /** Takes the notifications received so far. */
  drainEvents(): WatcherEvent[] {
    return this.events.splice(0, this.events.length)
  }

  /** closeSession, then the socket. */
  async close(): Promise<RawReply> {
    const reply = await this.send({ type: OpCode.closeSession })
    this.destroy()
    return reply
  }

  destroy(): void {
    clearInterval(this.pinger)
    this.failure ??= new Error('connection destroyed')
    this.socket.destroy()
  }

  private onData(chunk: Buffer): void {
    try {
      for (const body of this.decoder.push(chunk)) this.onFrame(body)
    } catch (e) {
      this.fail(e as Error)
      this.socket.destroy()
    }
  }

  private onFrame(body: Buffer): void {
    const xid = peekXid(body)
    if (xid === Xid.NOTIFICATION) {
      const { response } = decodeReply(body, OpCode.notification)
      this.events.push(response as WatcherEvent)
      return
    }
    const entry = xid > 0 ? this.pending.shift() : this.special.get(xid)?.shift()
    if (entry === undefined) throw new Error(`reply for xid ${xid} that nobody waits for`)
    if (entry.xid !== xid) throw new Error(`reply out of order: xid ${xid}, expected ${entry.xid}`)
    entry.resolve(decodeReply(body, entry.opcode as keyof ResponseBodies) as RawReply)
  }

  private fail(error: Error): void {
    clearInterval(this.pinger)
    this.failure ??= error
    for (const entry of this.pending.splice(0)) entry.reject(this.failure)
    for (const entries of this.special.values()) for (const entry of entries.splice(0)) entry.reject(this.failure)
  }
}
