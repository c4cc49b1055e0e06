/**
 * A scriptable ZooKeeper server for client tests, built on @zoo/protocol: it records every frame
 * a client sends (so tests can check the exact order on a reconnect) and answers from a tiny
 * in-memory map unless the test says otherwise (hold a reply, refuse a session, go silent).
 */
import { createServer, type Server, type Socket } from 'node:net'
import {
  ErrorCode, FrameDecoder, OpCode, Xid,
  decodeConnectRequest, decodeRequest, encodeConnectResponse, encodeNotification, encodeReply,
  type ConnectRequest, type ConnectResponse, type Request, type ReplyType, type Stat,
} from '@zoo/protocol'

export interface RecordedFrame {
  xid: number
  request: Request
}

export type ConnectDecision = ConnectResponse | 'silent' | 'close'
export type RequestDecision = 'auto' | 'hold' | 'silent' | { err?: number; response?: unknown; zxid?: bigint; xid?: number }

export interface FakeServerOptions {
  /** decides the handshake; default: accept, same session or a new one */
  onConnect?: (request: ConnectRequest, connection: FakeConnection) => ConnectDecision | undefined
  /** decides each request; default 'auto' */
  onRequest?: (frame: RecordedFrame, connection: FakeConnection) => RequestDecision | undefined
  /** negotiated timeout given to every session (default: what the client asked) */
  timeoutMs?: number
  /** zxid the server starts from */
  zxid?: bigint
}

export class FakeConnection {
  connect: ConnectRequest | undefined
  readonly frames: RecordedFrame[] = []
  private readonly held: Buffer[] = []

  constructor(
    readonly socket: Socket,
    private readonly server: FakeServer,
  ) {}

  reply(xid: number, type: number, fields: { err?: number; response?: unknown; zxid?: bigint } = {}): void {
    const err = fields.err ?? ErrorCode.OK
    const frame = encodeReply({ xid, zxid: fields.zxid ?? this.server.zxid, err }, (err === ErrorCode.OK ? fields.response : undefined) as never, type as ReplyType)
    this.socket.write(frame)
  }

  hold(xid: number, type: number, fields: { err?: number; response?: unknown } = {}): void {
    const err = fields.err ?? ErrorCode.OK
    this.held.push(encodeReply({ xid, zxid: this.server.zxid, err }, (err === ErrorCode.OK ? fields.response : undefined) as never, type as ReplyType))
  }

  /** Sends the held replies, in order. */
  release(): void {
    for (const frame of this.held.splice(0)) this.socket.write(frame)
  }

  notify(type: number, path: string): void {
    this.socket.write(encodeNotification({ type, state: 3, path }))
  }

  destroy(): void {
    this.socket.destroy()
  }

  /** Frames of one opcode. */
  ofType(type: number): RecordedFrame[] {
    return this.frames.filter((f) => f.request.type === type)
  }
}

const ZERO_STAT: Stat = { czxid: 0n, mzxid: 0n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 0, numChildren: 0, pzxid: 0n }

export class FakeServer {
  readonly connections: FakeConnection[] = []
  readonly nodes = new Map<string, { data: Buffer; stat: Stat }>()
  zxid: bigint
  private nextSession = 0x1000n
  private readonly server: Server
  private readonly sockets = new Set<Socket>()

  private constructor(
    readonly options: FakeServerOptions,
    readonly port: number,
    server: Server,
  ) {
    this.server = server
    this.zxid = options.zxid ?? 1n
    server.on('connection', (socket) => this.accept(socket))
  }

  static async start(options: FakeServerOptions = {}, port = 0): Promise<FakeServer> {
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(port, '127.0.0.1', () => resolve())
    })
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('no port')
    return new FakeServer(options, address.port, server)
  }

  get address(): string {
    return `127.0.0.1:${this.port}`
  }

  get last(): FakeConnection {
    const connection = this.connections.at(-1)
    if (!connection) throw new Error('no connection yet')
    return connection
  }

  /** Ends every client connection (the listener stays). */
  dropAll(): void {
    for (const socket of this.sockets) socket.destroy()
  }

  async close(): Promise<void> {
    this.dropAll()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket)
    socket.on('close', () => this.sockets.delete(socket))
    socket.on('error', () => {})
    const connection = new FakeConnection(socket, this)
    this.connections.push(connection)
    const decoder = new FrameDecoder({ maxFrameBytes: 8 * 1024 * 1024 })
    socket.on('data', (chunk) => {
      for (const body of decoder.push(chunk)) {
        if (socket.destroyed) return
        if (connection.connect === undefined) this.handshake(connection, decodeConnectRequest(body))
        else this.request(connection, body)
      }
    })
  }

  private handshake(connection: FakeConnection, request: ConnectRequest): void {
    connection.connect = request
    const decision = this.options.onConnect?.(request, connection) ?? this.accepted(request)
    if (decision === 'silent') return
    if (decision === 'close') return connection.destroy()
    connection.socket.write(encodeConnectResponse(decision))
    if (decision.timeOut <= 0) connection.socket.end()
  }

  private accepted(request: ConnectRequest): ConnectResponse {
    const sessionId = request.sessionId === 0n ? this.nextSession++ : request.sessionId
    const passwd = request.sessionId === 0n ? Buffer.alloc(16, Number(sessionId & 0xffn)) : (request.passwd ?? Buffer.alloc(16))
    return { protocolVersion: 0, timeOut: this.options.timeoutMs ?? request.timeOut, sessionId, passwd, readOnly: false }
  }

  private request(connection: FakeConnection, body: Buffer): void {
    const { header, request } = decodeRequest(body, { maxLengthBytes: 8 * 1024 * 1024 })
    const frame = { xid: header.xid, request }
    connection.frames.push(frame)
    const decision = this.options.onRequest?.(frame, connection) ?? 'auto'
    if (decision === 'silent') return
    const type = request.type
    if (decision === 'hold') return connection.hold(header.xid, type, this.answer(request))
    if (decision === 'auto') {
      connection.reply(header.xid, type, { ...this.answer(request), zxid: header.xid === Xid.AUTH ? 0n : this.zxid })
      if (type === OpCode.closeSession) connection.socket.end()
      return
    }
    connection.reply(decision.xid ?? header.xid, type, decision)
  }

  /** What a well-behaved server would answer, from the in-memory map. */
  answer(request: Request): { err?: number; response?: unknown } {
    const write = () => (this.zxid += 1n)
    switch (request.type) {
      case OpCode.create:
      case OpCode.create2: {
        if (this.nodes.has(request.path)) return { err: ErrorCode.NODEEXISTS }
        const zxid = write()
        const stat = { ...ZERO_STAT, czxid: zxid, mzxid: zxid, pzxid: zxid, dataLength: request.data?.length ?? 0 }
        this.nodes.set(request.path, { data: request.data ?? Buffer.alloc(0), stat })
        return { response: request.type === OpCode.create ? { path: request.path } : { path: request.path, stat } }
      }
      case OpCode.getData:
      case OpCode.exists: {
        const node = this.nodes.get(request.path)
        if (!node) return { err: ErrorCode.NONODE }
        return { response: request.type === OpCode.getData ? { data: node.data, stat: node.stat } : { stat: node.stat } }
      }
      case OpCode.setData: {
        const node = this.nodes.get(request.path)
        if (!node) return { err: ErrorCode.NONODE }
        const zxid = write()
        node.data = request.data ?? Buffer.alloc(0)
        node.stat = { ...node.stat, mzxid: zxid, version: node.stat.version + 1, dataLength: node.data.length }
        return { response: { stat: node.stat } }
      }
      case OpCode.delete:
        if (!this.nodes.delete(request.path)) return { err: ErrorCode.NONODE }
        write()
        return {}
      case OpCode.getChildren2: {
        const node = this.nodes.get(request.path)
        if (!node) return { err: ErrorCode.NONODE }
        const prefix = request.path === '/' ? '/' : `${request.path}/`
        const children = [...this.nodes.keys()].filter((p) => p.startsWith(prefix) && !p.slice(prefix.length).includes('/')).map((p) => p.slice(prefix.length))
        return { response: { children, stat: node.stat } }
      }
      case OpCode.addWatch:
        return { response: { err: 0 } }
      case OpCode.sync:
        return { response: { path: request.path } }
      default:
        return {}
    }
  }
}

/** Resolves when `probe` is true, polling every 5 ms, or rejects after `timeoutMs`. */
export async function until(probe: () => boolean, timeoutMs = 5_000, what = 'a condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 5))
  }
}
