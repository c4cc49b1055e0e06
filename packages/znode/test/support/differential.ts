// Drives Apache ZooKeeper and the model with the same seeded ops, one at a time, and compares
// every reply and, after each op, every session's notifications. Counts what it ran, so that a
// family of ops that silently stopped being generated shows up.
import { ErrorCode, OpCode, errorName, opName } from '@zoo/protocol'
import type { Request } from '@zoo/protocol'
import { Comparer, Mismatch, describeRequest } from './compare.js'
import type { Model } from './model.js'
import { OpGenerator } from './ops.js'
import type { GenOp } from './ops.js'
import { RawConnection } from './raw-connection.js'

const SESSION_TIMEOUT_MS = 30_000
const STARTING_SESSIONS = 3

export class DifferentialRun {
  readonly counts = new Map<string, number>()
  private readonly connections = new Map<bigint, RawConnection>()
  private readonly comparer = new Comparer()
  /** Recent ops, shown with a mismatch when ZNODE_DIFF_VERBOSE is set. */
  private readonly history: string[] = []

  constructor(private readonly port: number, private readonly model: Model) {}

  private count(key: string, n = 1): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + n)
  }

  /** Runs `opCount` random ops of `seed` in the namespace /s<seed>, with fresh sessions. */
  async runSeed(seed: number, opCount: number): Promise<void> {
    const root = `/s${seed}`
    const generator = new OpGenerator(seed, root, this.model)
    for (let i = 0; i < STARTING_SESSIONS; i++) await this.open()
    const first = [...this.connections.keys()][0] as bigint
    const ops: GenOp[] = generator.setupOps(first)
    const total = opCount + ops.length
    for (let i = 0; i < total + 1; i++) {
      // The last step closes every session: their ephemerals go, other sessions' watches fire.
      const op = i < ops.length ? (ops[i] as GenOp) : i < total ? generator.next([...this.connections.keys()]) : undefined
      this.history.push(`${i}: ${op === undefined ? 'close all sessions' : describe(op)}`)
      if (this.history.length > 400) this.history.shift()
      try {
        if (op === undefined) {
          for (const id of [...this.connections.keys()]) await this.close(id)
        } else {
          await this.step(op)
        }
      } catch (e) {
        const recent = process.env.ZNODE_DIFF_VERBOSE ? `\nrecent ops:\n${this.history.join('\n')}` : ''
        const where = `seed ${seed}, op ${i}: ${this.history.at(-1)}`
        if (e instanceof Mismatch) throw new Mismatch(`${where}: ${e.message}${recent}`)
        throw new Error(`${where}: ${(e as Error).message}${recent}`, { cause: e })
      }
    }
  }

  private async step(op: GenOp): Promise<void> {
    switch (op.kind) {
      case 'open':
        await this.open()
        break
      case 'close':
        await this.close(op.session)
        break
      case 'auth': {
        this.count('auth')
        const auth = Buffer.from(op.auth)
        const reply = await this.conn(op.session).send({ type: OpCode.auth, authType: 0, scheme: op.scheme, auth })
        const err = this.model.addAuth(op.session, op.scheme, auth)
        if (reply.header.err !== err) throw new Mismatch(`auth err: apache ${errorName(reply.header.err)}, model ${errorName(err)}`)
        break
      }
      case 'request':
        await this.request(op.session, op.request)
        break
    }
    await this.compareEvents()
  }

  private async request(session: bigint, request: Request): Promise<void> {
    this.countRequest(request)
    const apache = await this.conn(session).send(request)
    const model = this.model.request(session, request)
    this.count(`err ${errorName(model.err)}`)
    if (request.type === OpCode.exists && model.err === ErrorCode.NOAUTH) this.count('exists NOAUTH (3.8.4+) mapped')
    if (request.type === OpCode.multi) this.countMultiOutcome(model)
    this.comparer.reply(request, apache, model)
  }

  private countRequest(request: Request): void {
    this.count(opName(request.type))
    if ('flags' in request) {
      if (request.flags === 1 || request.flags === 3) this.count('create ephemeral')
      if (request.flags === 2 || request.flags === 3 || request.flags === 6) this.count('create sequential')
    }
    if (request.type === OpCode.multi) for (const op of request.ops) this.count(`multi.${opName(op.type)}`)
  }

  private countMultiOutcome(model: { response?: unknown }): void {
    const results = (model.response as { results: { type: number }[] } | undefined)?.results ?? []
    if (results.some((r) => r.type === OpCode.error)) this.count('multi failed')
    else this.count('multi applied')
  }

  private conn(session: bigint): RawConnection {
    const conn = this.connections.get(session)
    if (conn === undefined) throw new Error(`no connection for session 0x${session.toString(16)}`)
    return conn
  }

  private async open(): Promise<void> {
    this.count(opName(OpCode.createSession))
    const conn = await RawConnection.open(this.port, SESSION_TIMEOUT_MS)
    this.connections.set(conn.sessionId, conn)
    this.model.openSession(conn.sessionId, conn.timeoutMs)
  }

  private async close(session: bigint): Promise<void> {
    this.count(opName(OpCode.closeSession))
    const conn = this.conn(session)
    const apache = await conn.close()
    const model = this.model.closeSession(session)
    this.connections.delete(session)
    if (apache.header.err !== model.err) throw new Mismatch(`closeSession err: apache ${apache.header.err}, model ${model.err}`)
    // Apache deletes a closed session's ephemerals in hash-set order: compare those events as sets.
    // The closing session's own events arrived before its reply.
    this.compareSessionEvents(session, conn.drainEvents(), true)
    await this.compareEvents(true)
  }

  /** Once every live connection answered a ping, every notification of earlier txns has arrived. */
  private async compareEvents(unordered = false): Promise<void> {
    await Promise.all([...this.connections.values()].map((c) => c.ping()))
    for (const [session, conn] of this.connections) this.compareSessionEvents(session, conn.drainEvents(), unordered)
  }

  private compareSessionEvents(session: bigint, apache: { type: number; state: number; path: string }[], unordered = false): void {
    const model = this.model.takeEvents(session)
    this.count('events', model.length)
    this.count('events filtered by ACL (3.8.4+)', model.filter((e) => e.filtered).length)
    const text = (e: { type: number; state: number; path: string }) => `${e.type}/${e.state}:${e.path}`
    const order = (list: string[]) => (unordered ? list.sort() : list)
    const a = order(apache.map(text)).join(' ')
    const delivered = order(model.filter((e) => !e.filtered).map((e) => text(e.event))).join(' ')
    const all = order(model.map((e) => text(e.event))).join(' ')
    if (a === delivered && a === all) return
    // Whether the oracle drops events for sessions that may not READ the node (CVE-2024-23944,
    // fixed in 3.8.4 and in Debian's 3.8.0-11+deb12u2): learnt at the first event it matters for,
    // then held to for the rest of the run.
    const filters = a === delivered ? true : a === all ? false : undefined
    if (filters !== undefined && (this.oracleFiltersEvents ?? filters) === filters) {
      this.oracleFiltersEvents = filters
      return
    }
    throw new Mismatch(`events of session 0x${session.toString(16)}: apache [${a}], model [${delivered}] (without the ACL filter [${all}])`)
  }

  /** Whether the Apache under test filters watch events by ACL; undefined until an event tells. */
  oracleFiltersEvents: boolean | undefined
}

function describe(op: GenOp): string {
  switch (op.kind) {
    case 'request':
      return `session 0x${op.session.toString(16)} ${describeRequest(op.request)}`
    case 'auth':
      return `session 0x${op.session.toString(16)} addAuth ${op.scheme} ${op.auth}`
    case 'close':
      return `close session 0x${op.session.toString(16)}`
    case 'open':
      return 'open a session'
  }
}

