/**
 * Test helpers for the recipe packages (not for production code):
 * - CutProxy: a TCP proxy between a client and a server that a test can cut (a crash or a
 *   partition as the client sees it) and that can drop the reply of one request after the
 *   server has applied it (the connection loss behind orphaned sequential nodes).
 * - eachRedis: runs a suite once against ioredis-mock and once against a real redis-server.
 * @zoo/testkit, ioredis and ioredis-mock are loaded only when eachRedis runs.
 */
import { createServer, connect, type Server, type Socket } from 'node:net'
import type { ZooKeeperClient } from '@zoo/client'
import type { Redis } from 'ioredis'
import type { ApacheEnsemble } from '@zoo/testkit'

interface Link {
  client: Socket
  server: Socket
}

/** Reads u32-length-prefixed frames out of a byte stream. */
class FrameSplitter {
  private buffer: Buffer = Buffer.alloc(0)

  push(chunk: Buffer): Buffer[] {
    this.buffer = this.buffer.length === 0 ? chunk : Buffer.concat([this.buffer, chunk])
    const frames: Buffer[] = []
    while (this.buffer.length >= 4) {
      const length = this.buffer.readInt32BE(0)
      if (length < 0 || length > 64 * 1024 * 1024) throw new Error(`proxy: bad frame length ${length}`)
      if (this.buffer.length < 4 + length) break
      frames.push(this.buffer.subarray(0, 4 + length))
      this.buffer = this.buffer.subarray(4 + length)
    }
    return frames
  }
}

/** ZooKeeper opcodes of the creates (create, create2, createContainer, createTTL). */
export const CREATE_OPCODES: readonly number[] = [1, 15, 19, 21]

interface ReplyDrop {
  opcodes: readonly number[]
  done: () => void
}

/**
 * One frame that passed the proxy after the handshake: a request (opcode) or a reply or
 * notification (err), with when the proxy read it (process.hrtime.bigint()).
 */
export type ProxiedFrame = ({ dir: 'request'; xid: number; opcode: number } | { dir: 'reply'; xid: number; err: number }) & { atNs: bigint }

/** Frames kept by one recording; a test that needs more is not a unit test. */
const MAX_RECORDED_FRAMES = 10_000

/** The opcodes of the recorded requests, in order, without pings and other control frames (xid <= 0). */
export function requestOpcodes(frames: readonly ProxiedFrame[]): number[] {
  return frames.flatMap((f) => (f.dir === 'request' && f.xid > 0 ? [f.opcode] : []))
}

/**
 * Round trips in a recording: the first request starts one, and so does every request the proxy
 * read after a reply since the request before it (the client heard from the server before
 * sending it); requests read with no reply in between went out together, pipelined. Not "sent
 * while nothing was unanswered": whether a pipelined request's reply is in before the client's
 * next step leaves depends on how the server split its replies into writes, not on the client.
 */
export function roundTrips(frames: readonly ProxiedFrame[]): number {
  let trips = 0
  let heard = true
  for (const frame of frames) {
    if (frame.xid <= 0) continue
    if (frame.dir === 'reply') heard = true
    else if (heard) {
      trips++
      heard = false
    }
  }
  return trips
}

/**
 * `rounds` round trips on `client`, one after another. A chain of requests on this client (each
 * sent once the one before is answered) whose first request went out before the first round
 * has sent its next `rounds - 1` requests by the time this resolves: each round's reply comes
 * after the answer to the chain's current request, whose successor then leaves no later than
 * the next round's request. Requests sent afterwards reach the server behind them (one session
 * is FIFO).
 */
export async function settled(client: ZooKeeperClient, rounds: number): Promise<void> {
  for (let i = 0; i < rounds; i++) await client.exists('/')
}

/**
 * A ZooKeeper-frame-aware TCP proxy on 127.0.0.1. `cut()` resets every open connection;
 * `block()` also refuses new ones until `heal()`; `dropReplyOf()` lets the next matching request
 * through and cuts the connection when its reply comes back, so the server applied it and the
 * client never learns the result.
 */
export class CutProxy {
  private readonly links = new Set<Link>()
  private blocked = false
  private drop: ReplyDrop | undefined
  /** connections accepted so far */
  accepted = 0
  private recording: ProxiedFrame[] | undefined

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly target: { host: string; port: number; frames: boolean },
  ) {}

  /**
   * `frames: false` forwards bytes as they come without parsing them: for a protocol other than
   * ZooKeeper's (Redis' RESP), where only cut/block/heal apply (no recording, no reply drop).
   */
  static async start(target: { host?: string; port: number; frames?: boolean }): Promise<CutProxy> {
    const to = { host: target.host ?? '127.0.0.1', port: target.port, frames: target.frames ?? true }
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('proxy: no port')
    const proxy = new CutProxy(server, address.port, to)
    server.on('connection', (socket) => proxy.accept(socket))
    return proxy
  }

  /** `127.0.0.1:port`, to put in a connection string */
  get address(): string {
    return `127.0.0.1:${this.port}`
  }

  private accept(client: Socket): void {
    this.accepted++
    if (this.blocked) {
      client.resetAndDestroy()
      return
    }
    // Without TCP_NODELAY on both legs, a reply written right after a notification waits for the
    // peer's delayed ACK (~40 ms): a release with an own-node watch would look 40 ms slow.
    client.setNoDelay(true)
    const server = connect({ port: this.target.port, host: this.target.host, noDelay: true })
    const link: Link = { client, server }
    this.links.add(link)
    const close = () => {
      this.links.delete(link)
      client.destroy()
      server.destroy()
    }
    client.on('error', close).on('close', close)
    server.on('error', close).on('close', close)
    if (!this.target.frames) {
      client.pipe(server)
      server.pipe(client)
      return
    }
    const upstream = new FrameSplitter()
    const downstream = new FrameSplitter()
    let sawConnectRequest = false
    let sawConnectResponse = false
    let dropXid: number | undefined
    // The frames of one chunk leave in one write, as they came: a proxy must not split a batch.
    const forward = (to: Socket, frames: Buffer[]) => {
      if (frames.length > 0) to.write(frames.length === 1 ? frames[0]! : Buffer.concat(frames))
    }
    client.on('data', (chunk: Buffer) => {
      const atNs = process.hrtime.bigint()
      const frames = upstream.push(chunk)
      for (const frame of frames) {
        if (!sawConnectRequest) sawConnectRequest = true
        else {
          this.note({ dir: 'request', xid: frame.readInt32BE(4), opcode: frame.readInt32BE(8), atNs })
          if (this.drop && dropXid === undefined && frame.length >= 12 && this.drop.opcodes.includes(frame.readInt32BE(8))) dropXid = frame.readInt32BE(4)
        }
      }
      forward(server, frames)
    })
    server.on('data', (chunk: Buffer) => {
      const atNs = process.hrtime.bigint()
      const frames = downstream.push(chunk)
      for (let i = 0; i < frames.length; i++) {
        const frame = frames[i]!
        if (!sawConnectResponse) sawConnectResponse = true
        else if (dropXid !== undefined && frame.length >= 8 && frame.readInt32BE(4) === dropXid) {
          const drop = this.drop
          this.drop = undefined
          forward(client, frames.slice(0, i))
          client.resetAndDestroy()
          server.destroy()
          drop?.done()
          return
        } else this.note({ dir: 'reply', xid: frame.readInt32BE(4), err: frame.readInt32BE(16), atNs })
      }
      forward(client, frames)
    })
  }

  /**
   * Starts keeping every frame that passes (after the handshakes), in the order the proxy saw
   * them, in the returned array: for tests that count requests and round trips, and for
   * latency traces. Replaces an earlier recording.
   */
  startRecording(): ProxiedFrame[] {
    return (this.recording = [])
  }

  private note(frame: ProxiedFrame): void {
    if (this.recording && this.recording.length < MAX_RECORDED_FRAMES) this.recording.push(frame)
  }

  /** Resets every open connection (the client sees a connection loss). */
  cut(): void {
    for (const link of this.links) {
      link.client.resetAndDestroy()
      link.server.destroy()
    }
    this.links.clear()
  }

  /** Cuts, and refuses new connections until heal(): a partition or a dead host. */
  block(): void {
    this.blocked = true
    this.cut()
  }

  heal(): void {
    this.blocked = false
  }

  /**
   * Arms a fault: the next request with one of `opcodes` reaches the server, and the connection
   * is cut when its reply arrives, before the client sees it. Resolves once that happened.
   */
  dropReplyOf(opcodes: readonly number[] = CREATE_OPCODES): Promise<void> {
    if (!this.target.frames) throw new Error('proxy: dropReplyOf needs frames (ZooKeeper) mode')
    if (this.drop) throw new Error('proxy: a reply drop is already armed')
    return new Promise((resolve) => (this.drop = { opcodes, done: resolve }))
  }

  async close(): Promise<void> {
    this.block()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}

export interface RedisTarget {
  name: 'ioredis-mock' | 'redis-server'
  /** a new connection to this target's server, closed when the suite ends */
  connect(): Redis
}

interface TapLike {
  test(name: string, fn: (t: TapLike) => Promise<void>): unknown
  teardown(fn: () => unknown): void
}

/**
 * Runs `suite` twice as subtests: against ioredis-mock (in memory, one keyspace per subtest) and
 * against a real redis-server started on a free loopback port (@zoo/testkit). Connections made
 * with `target.connect()` are closed when the subtest ends.
 */
export function eachRedis<T extends TapLike>(t: T, suite: (t: T, target: RedisTarget) => Promise<void>): void {
  let mockPort = 40_000 + Math.floor(Math.random() * 20_000)
  t.test('ioredis-mock', async (sub) => {
    const { default: RedisMock } = await import('ioredis-mock')
    const port = mockPort++
    const opened: Redis[] = []
    sub.teardown(async () => {
      for (const redis of opened) await redis.flushall().catch(() => {})
      for (const redis of opened) redis.disconnect()
    })
    await suite(sub as T, {
      name: 'ioredis-mock',
      connect: () => {
        const redis = new RedisMock({ port }) as unknown as Redis
        opened.push(redis)
        return redis
      },
    })
  })
  t.test('redis-server', async (sub) => {
    const { startRedis } = await import('@zoo/testkit')
    const { Redis: IORedis } = await import('ioredis')
    const server = await startRedis()
    const opened: Redis[] = []
    sub.teardown(async () => {
      for (const redis of opened) redis.disconnect()
      await server.stop()
    })
    await suite(sub as T, {
      name: 'redis-server',
      connect: () => {
        const redis = new IORedis(server.port, '127.0.0.1', { maxRetriesPerRequest: 1 })
        opened.push(redis)
        return redis
      },
    })
  })
}

/** A ZooKeeper ensemble a recipe suite runs against, whatever serves it. */
export interface EnsembleTarget {
  name: string
  /** `127.0.0.1:p1,127.0.0.1:p2,...` */
  connectString: string
  /** member ids */
  ids: number[]
  /** client port of a member */
  port(id: number): number
  /** `leader`, `follower`, `standalone`, or undefined when down */
  mode(id: number): Promise<string | undefined>
  /** kill -9 a member */
  kill(id: number): Promise<void>
  /** start a killed member again */
  start(id: number): Promise<void>
  /** SIGSTOP a member: it keeps its sockets open and answers nothing, as a long GC pause does */
  pause(id: number): void
  /** SIGCONT a paused member */
  resume(id: number): void
  /** stops every member (paused ones too) */
  stop(): Promise<void>
}

export interface EnsembleOptions {
  members?: number
  tickTimeMs?: number
}

export type EnsembleFactory = (options: EnsembleOptions) => Promise<EnsembleTarget>

/** Apache ZooKeeper 3.8 through @zoo/testkit. */
export const apacheEnsemble: EnsembleFactory = async ({ members = 1, tickTimeMs }) => {
  const { startApacheZooKeeper } = await import('@zoo/testkit')
  return ensembleTarget('apache', await startApacheZooKeeper({ members, tickTimeMs }))
}

/** A real `zoo` cluster (one `zoo server` process per member, from source) through @zoo/testkit. */
export const zooEnsemble: EnsembleFactory = async ({ members = 1, tickTimeMs }) => {
  const { startZooCluster } = await import('@zoo/testkit')
  return ensembleTarget('zoo', await startZooCluster({ members, tickTimeMs }))
}

function ensembleTarget(name: string, servers: ApacheEnsemble): EnsembleTarget {
  const member = (id: number) => {
    const found = servers.members.find((m) => m.id === id)
    if (!found) throw new Error(`no member ${id}`)
    return found
  }
  const signal = (id: number, sig: NodeJS.Signals) => {
    const child = member(id).process?.child
    if (!child) throw new Error(`member ${id} is not running`)
    child.kill(sig)
  }
  return {
    name,
    connectString: servers.connectString,
    ids: servers.members.map((m) => m.id),
    port: (id) => member(id).clientPort,
    mode: (id) => servers.mode(id),
    kill: (id) => servers.kill(id),
    start: (id) => servers.start(id),
    pause: (id) => signal(id, 'SIGSTOP'),
    resume: (id) => signal(id, 'SIGCONT'),
    stop: () => {
      // A stopped process ignores SIGTERM until it runs again.
      for (const m of servers.members) m.process?.child.kill('SIGCONT')
      return servers.stop()
    },
  }
}

const ENSEMBLES: Record<string, EnsembleFactory> = { apache: apacheEnsemble, zoo: zooEnsemble }

/** The ensemble factory chosen by ZOO_RECIPES_TARGET: `apache` (default) or `zoo`; the suites do not change. */
export function selectedEnsemble(): EnsembleFactory {
  const name = process.env.ZOO_RECIPES_TARGET ?? 'apache'
  const factory = ENSEMBLES[name]
  if (!factory) throw new Error(`ZOO_RECIPES_TARGET=${name}: known targets are ${Object.keys(ENSEMBLES).join(', ')}`)
  return factory
}
