/**
 * A fault-injecting TCP proxy for one member-to-member link: the dialing member connects to the
 * proxy, the proxy connects to the target member's real port and copies bytes both ways.
 *
 * Faults act the way a network does to TCP, never by corrupting a byte stream:
 * - `drop` on a direction (a black hole): nothing gets through; the sender's bytes wait (the
 *   proxy stops reading, so the kernel buffers fill and the sender blocks, as with a TCP peer
 *   that retransmits into a partition). A connection attempted while the link drops is accepted
 *   by the proxy but not connected onward until it heals (the dialer sees silence, as with lost
 *   SYNs). When the drop ends, what waited is delivered in order, unless an endpoint gave up
 *   and closed meanwhile.
 * - `delay` on a direction: every chunk is held for delayMs (order kept).
 * - `cut`: every connection on the link is reset now, and new ones are reset while it lasts.
 *
 * "up" is the dialer-to-target direction, "down" the reply direction.
 */
import { createServer, connect, type Server, type Socket } from 'node:net'

export type Direction = 'up' | 'down'

export interface DirectionFault {
  drop: boolean
  delayMs: number
}

/**
 * Rewrites the first message the dialer sends (a member's hello that names an address to call
 * back on): given what has arrived so far, the bytes to send instead and how many it replaces,
 * or undefined while more are needed.
 */
export type FirstMessageRewriter = (received: Buffer) => { output: Buffer; consumed: number } | undefined

/** A hello longer than this is passed on untouched. */
const MAX_FIRST_MESSAGE_BYTES = 64 * 1024

/** Bytes held per direction of one connection before the proxy stops reading from the sender. */
const MAX_HELD_BYTES = 1024 * 1024
const HOST = '127.0.0.1'
/** A refused onward connect is retried this often, this many times (2 s in all). */
const CONNECT_RETRY_MS = 100
const CONNECT_RETRIES = 20

/**
 * A stateful rewrite of one direction's bytes (the dialer's hello, or a protocol-aware fault):
 * given each chunk as it arrives, the bytes to pass on now (possibly none, while it waits for
 * the rest of a message). A throw refuses the connection.
 */
export type StreamTransform = (chunk: Buffer) => Buffer

/** The first-message rewriter as a stream transform: buffer until it decides, then pass through. */
export function firstMessageTransform(rewrite: FirstMessageRewriter): StreamTransform {
  let pending: Buffer | undefined = Buffer.alloc(0)
  return (chunk) => {
    if (pending === undefined) return chunk
    pending = Buffer.concat([pending, chunk])
    const result = pending.length > MAX_FIRST_MESSAGE_BYTES ? { output: Buffer.alloc(0), consumed: 0 } : rewrite(pending)
    if (result === undefined) return Buffer.alloc(0)
    const out = Buffer.concat([result.output, pending.subarray(result.consumed)])
    pending = undefined
    return out
  }
}

/** What a protocol-aware fault sees of one connection: both directions, and a way to add bytes to either. */
export interface ConnectionInterceptor {
  up: StreamTransform
  down: StreamTransform
}
export type InterceptorFactory = (inject: { up: (bytes: Buffer) => void; down: (bytes: Buffer) => void }) => ConnectionInterceptor

class Flow {
  private readonly held: { chunk: Buffer | 'end'; releaseAtMs: number }[] = []
  private heldBytes = 0
  private timer: NodeJS.Timeout | undefined
  private waitingForDrain = false
  private readonly transforms: StreamTransform[] = []

  constructor(
    private readonly from: Socket,
    private readonly to: Socket,
    private readonly fault: () => DirectionFault,
    /** called when nothing is held any more */
    private readonly idle: () => void,
  ) {
    from.on('data', (chunk: Buffer) => {
      let bytes = chunk
      try {
        for (const transform of this.transforms) bytes = transform(bytes)
      } catch (error) {
        // Bytes we cannot make sense of: refuse the connection rather than pass them on unaltered.
        from.destroy(error as Error)
        return
      }
      if (bytes.length > 0) this.hold(bytes)
    })
    from.on('end', () => this.hold('end'))
    to.on('drain', () => {
      this.waitingForDrain = false
      this.pump()
    })
  }

  addTransform(transform: StreamTransform): void {
    this.transforms.push(transform)
  }

  /** Adds bytes to this direction after what it holds, as if the sender had sent them. */
  inject(bytes: Buffer): void {
    if (bytes.length > 0) this.hold(bytes)
  }

  private hold(chunk: Buffer | 'end'): void {
    const now = performance.now()
    const last = this.held.at(-1)?.releaseAtMs ?? 0
    this.held.push({ chunk, releaseAtMs: Math.max(last, now + this.fault().delayMs) })
    if (chunk !== 'end') this.heldBytes += chunk.length
    if (this.heldBytes > MAX_HELD_BYTES) this.from.pause()
    this.pump()
  }

  /** Delivers what is due, unless the direction drops or the receiver pushes back. */
  pump(): void {
    if (this.timer !== undefined) {
      clearTimeout(this.timer)
      this.timer = undefined
    }
    const fault = this.fault()
    if (fault.drop) {
      this.from.pause()
      return
    }
    const now = performance.now()
    while (this.held.length > 0 && !this.waitingForDrain && this.held[0]!.releaseAtMs <= now) {
      const { chunk } = this.held.shift()!
      if (chunk === 'end') {
        this.to.end()
        continue
      }
      this.heldBytes -= chunk.length
      if (this.to.destroyed) continue
      if (!this.to.write(chunk)) this.waitingForDrain = true
    }
    if (this.held.length > 0 && !this.waitingForDrain) this.timer = setTimeout(() => this.pump(), Math.max(0, this.held[0]!.releaseAtMs - now))
    if (this.heldBytes <= MAX_HELD_BYTES / 2 && !this.from.destroyed) this.from.resume()
    if (this.held.length === 0) this.idle()
  }

  get empty(): boolean {
    return this.held.length === 0
  }

  stop(): void {
    if (this.timer !== undefined) clearTimeout(this.timer)
    this.held.length = 0
  }
}

interface Connection {
  client: Socket
  upstream: Socket | undefined
  flows: Flow[]
  /** an endpoint closed cleanly: finish delivering what is held, then close the rest */
  closing: boolean
}

export interface LinkProxyStats {
  connections: number
  resets: number
}

export class LinkProxy {
  readonly stats: LinkProxyStats = { connections: 0, resets: 0 }
  private readonly faults: Record<Direction, DirectionFault> = { up: { drop: false, delayMs: 0 }, down: { drop: false, delayMs: 0 } }
  private cut = false
  private readonly connections = new Set<Connection>()

  /** set once the peer proxies exist: rewrites each connection's first up-stream message */
  rewriteFirstMessage: (() => FirstMessageRewriter) | undefined
  /** a protocol-aware fault on the connections made from now on */
  intercept: InterceptorFactory | undefined

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly targetPort: number,
  ) {}

  /** Listens on a port the OS picks on 127.0.0.1 and forwards to 127.0.0.1:targetPort. */
  static async start(targetPort: number): Promise<LinkProxy> {
    const server = createServer({ pauseOnConnect: true })
    const port = await new Promise<number>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, HOST, () => {
        const address = server.address()
        if (address === null || typeof address === 'string') reject(new Error('proxy got no port'))
        else resolve(address.port)
      })
    })
    const proxy = new LinkProxy(server, port, targetPort)
    server.on('connection', (socket) => proxy.accept(socket))
    return proxy
  }

  get description(): string {
    return `:${this.port} -> :${this.targetPort}`
  }

  setFault(direction: Direction, fault: Partial<DirectionFault>): void {
    this.faults[direction] = { ...this.faults[direction], ...fault }
    this.flowsChanged()
  }

  /** Resets every connection now; with `hold`, also every new one until `heal()`. */
  reset(hold: boolean): void {
    this.cut = hold
    for (const connection of this.connections) this.destroy(connection, true)
  }

  heal(): void {
    this.cut = false
    this.faults.up = { drop: false, delayMs: 0 }
    this.faults.down = { drop: false, delayMs: 0 }
    this.flowsChanged()
  }

  get faulty(): boolean {
    return this.cut || this.faults.up.drop || this.faults.down.drop || this.faults.up.delayMs > 0 || this.faults.down.delayMs > 0
  }

  async close(): Promise<void> {
    for (const connection of this.connections) this.destroy(connection, false)
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }

  private accept(client: Socket): void {
    this.stats.connections++
    // Members write small frames (ACKs, pings) that must not wait for Nagle and the peer's
    // delayed ACK (~40 ms): a proxy without TCP_NODELAY adds latency the members never asked for.
    client.setNoDelay(true)
    const connection: Connection = { client, upstream: undefined, flows: [], closing: false }
    this.connections.add(connection)
    this.watch(connection, client)
    if (this.cut) return this.destroy(connection, true)
    this.flowsChanged()
  }

  /** Connects held connections onward once both directions pass, and lets flows move. */
  private flowsChanged(): void {
    const passes = !this.faults.up.drop && !this.faults.down.drop
    for (const connection of this.connections) {
      if (connection.upstream === undefined && passes && !this.cut) this.connectOnward(connection)
      for (const flow of connection.flows) flow.pump()
    }
  }

  /**
   * The dialer's connect already succeeded (at the proxy), so a refusal upstream cannot be passed
   * back as a refusal: it would become a reset of an established connection, which members treat
   * differently (Apache's learner retries a refused connect to a new leader whose port is about
   * to open, but gives up on a reset). So a refused connect is retried for a short while, as the
   * dialer itself would, before the connection is reset.
   */
  private connectOnward(connection: Connection, attempt = 0): void {
    const upstream = connect({ port: this.targetPort, host: HOST })
    upstream.setNoDelay(true)
    connection.upstream = upstream
    const refused = (error: NodeJS.ErrnoException) => {
      if (error.code !== 'ECONNREFUSED' || attempt >= CONNECT_RETRIES || !this.connections.has(connection)) return this.destroy(connection, false)
      connection.upstream = undefined
      setTimeout(() => {
        if (!this.connections.has(connection) || connection.upstream !== undefined) return
        if (this.cut || this.faults.up.drop || this.faults.down.drop) return // flowsChanged() connects it after healing
        this.connectOnward(connection, attempt + 1)
      }, CONNECT_RETRY_MS).unref()
    }
    upstream.once('error', refused)
    upstream.once('connect', () => {
      upstream.off('error', refused)
      this.watch(connection, upstream)
      const idle = () => this.closeIfDone(connection)
      const up = new Flow(connection.client, upstream, () => this.faults.up, idle)
      const down = new Flow(upstream, connection.client, () => this.faults.down, idle)
      if (this.rewriteFirstMessage) up.addTransform(firstMessageTransform(this.rewriteFirstMessage()))
      if (this.intercept) {
        const interceptor = this.intercept({ up: (bytes) => up.inject(bytes), down: (bytes) => down.inject(bytes) })
        up.addTransform(interceptor.up)
        down.addTransform(interceptor.down)
      }
      connection.flows = [up, down]
      connection.client.resume()
    })
  }

  /** A reset or error ends the connection at once (TCP discards on RST); a clean close lets held bytes through first. */
  private watch(connection: Connection, socket: Socket): void {
    socket.on('error', () => this.destroy(connection, false))
    socket.on('close', (hadError) => {
      if (hadError || connection.flows.length === 0) return this.destroy(connection, false)
      connection.closing = true
      this.closeIfDone(connection)
    })
  }

  private closeIfDone(connection: Connection): void {
    if (!connection.closing || !connection.flows.every((flow) => flow.empty) || !this.connections.delete(connection)) return
    // end(), not destroy(): what was just written must still reach the kernel.
    for (const socket of [connection.client, connection.upstream]) {
      if (socket === undefined || socket.destroyed) continue
      socket.end()
      setTimeout(() => socket.destroy(), 5_000).unref()
    }
  }

  private destroy(connection: Connection, reset: boolean): void {
    if (!this.connections.delete(connection)) return
    if (reset) this.stats.resets++
    for (const flow of connection.flows) flow.stop()
    for (const socket of [connection.client, connection.upstream]) {
      if (socket === undefined || socket.destroyed) continue
      if (reset) socket.resetAndDestroy()
      else socket.destroy()
    }
  }
}
