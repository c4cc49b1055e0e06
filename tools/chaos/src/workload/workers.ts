/**
 * The client workload: concurrent processes, each one @zoo/client session doing one operation at
 * a time (a process in the linearizability sense), spread over the members by listing them in a
 * different order per process. Each op: a read, a write or a CAS on one of a few registers, or a
 * sequential create in the queue. Values and tags are unique, so the checker can tell every
 * write apart.
 */
import { createClient, type ZooKeeperClient } from '@zoo/client'
import type { CasOp, CreateSeqOp, ReadOp, WriteOp } from '../checker/history.js'
import { sequenceOf } from '../checker/history.js'
import type { Rng } from '../faults/rng.js'
import { sleep } from '../sleep.js'
import { classify } from './outcome.js'
import type { Recorder } from './recorder.js'

export const ROOT = '/chaos'
export const REGISTERS_PATH = `${ROOT}/registers`
export const QUEUE_PATH = `${ROOT}/queue`
export const EPHEMERALS_PATH = `${ROOT}/ephemerals`
export const QUEUE_PREFIX = 'item-'
export const INITIAL_VALUE = 'init'

export interface WorkloadOptions {
  /** host:port of every member */
  hosts: readonly string[]
  registers: number
  processes: number
  /** operations per second over all processes (a pacing target, not a promise) */
  opsPerSecond: number
  sessionTimeoutMs: number
  /** per-operation limit; an operation past it has an unknown outcome */
  opTimeoutMs: number
}

export function registerKey(index: number): string {
  return `r${index}`
}

export function registerPath(key: string): string {
  return `${REGISTERS_PATH}/${key}`
}

type Kind = 'read' | 'write' | 'cas' | 'create-seq'
const MIX: readonly [Kind, number][] = [
  ['read', 0.35],
  ['write', 0.25],
  ['cas', 0.25],
  ['create-seq', 0.15],
]

function pickKind(rng: Rng): Kind {
  let x = rng.next()
  for (const [kind, weight] of MIX) {
    if (x < weight) return kind
    x -= weight
  }
  return 'read'
}

/** Hosts in an order that starts at a different member per process (no shuffle). */
export function hostsFor(process: number, hosts: readonly string[]): string {
  const start = process % hosts.length
  return [...hosts.slice(start), ...hosts.slice(0, start)].join(',')
}

export class Worker {
  /** the newest version this process knows per register, for its CAS */
  private readonly known = new Map<string, number>()
  private counter = 0
  private client: ZooKeeperClient | undefined

  constructor(
    readonly process: number,
    private readonly options: WorkloadOptions,
    private readonly recorder: Recorder,
    private readonly rng: Rng,
  ) {}

  get member(): string | undefined {
    return this.client?.connectedHost
  }

  /** Runs operations until `signal` aborts; the operation in flight then finishes (or times out). */
  async run(signal: AbortSignal): Promise<void> {
    const thinkMs = (this.options.processes * 1000) / this.options.opsPerSecond
    while (!signal.aborted && !this.recorder.full) {
      if (this.client === undefined) {
        this.client = await this.connect(signal)
        continue
      }
      await this.step(this.client)
      await sleep(this.rng.next() * 2 * thinkMs, signal)
    }
  }

  async close(): Promise<void> {
    await this.client?.close().catch(() => undefined)
  }

  private async connect(signal: AbortSignal): Promise<ZooKeeperClient | undefined> {
    try {
      return await createClient(hostsFor(this.process, this.options.hosts), { sessionTimeoutMs: this.options.sessionTimeoutMs, shuffleHosts: false })
    } catch {
      await sleep(500, signal)
      return undefined
    }
  }

  private async step(zk: ZooKeeperClient): Promise<void> {
    const kind = pickKind(this.rng)
    const key = registerKey(this.rng.int(0, this.options.registers - 1))
    const expected = this.known.get(key)
    if (kind === 'read' || (kind === 'cas' && expected === undefined)) return this.read(zk, key)
    if (kind === 'write') return this.write(zk, key)
    if (kind === 'cas') return this.cas(zk, key, expected!)
    return this.createSeq(zk)
  }

  private base(zk: ZooKeeperClient) {
    return { process: this.process, invokeMs: this.recorder.now(), zxidSeenBefore: zk.lastZxidSeen.toString() }
  }

  private learn(key: string, version: number): void {
    if ((this.known.get(key) ?? -1) < version) this.known.set(key, version)
  }

  private async read(zk: ZooKeeperClient, key: string): Promise<void> {
    const fields = { ...this.base(zk), kind: 'read' as const, key }
    try {
      const { data, stat } = await zk.getData(registerPath(key), { timeoutMs: this.options.opTimeoutMs })
      this.recorder.complete<ReadOp>(fields, { outcome: 'ok', value: data.toString('utf8'), version: stat.version, mzxid: stat.mzxid.toString(), member: zk.connectedHost })
      this.learn(key, stat.version)
    } catch (error) {
      this.recorder.complete<ReadOp>(fields, { ...classify(error), member: zk.connectedHost })
    }
  }

  private async write(zk: ZooKeeperClient, key: string): Promise<void> {
    const value = `p${this.process}-${this.counter++}`
    const fields = { ...this.base(zk), kind: 'write' as const, key, value }
    try {
      const stat = await zk.setData(registerPath(key), value, { timeoutMs: this.options.opTimeoutMs })
      this.recorder.complete<WriteOp>(fields, { outcome: 'ok', version: stat.version, mzxid: stat.mzxid.toString(), member: zk.connectedHost })
      this.learn(key, stat.version)
    } catch (error) {
      this.recorder.complete<WriteOp>(fields, { ...classify(error), member: zk.connectedHost })
    }
  }

  private async cas(zk: ZooKeeperClient, key: string, expectedVersion: number): Promise<void> {
    const value = `p${this.process}-${this.counter++}`
    const fields = { ...this.base(zk), kind: 'cas' as const, key, value, expectedVersion }
    try {
      const stat = await zk.setData(registerPath(key), value, { version: expectedVersion, timeoutMs: this.options.opTimeoutMs })
      this.recorder.complete<CasOp>(fields, { outcome: 'ok', version: stat.version, mzxid: stat.mzxid.toString(), member: zk.connectedHost })
      this.learn(key, stat.version)
    } catch (error) {
      this.recorder.complete<CasOp>(fields, { ...classify(error), member: zk.connectedHost })
      // Lost the race (or do not know): read again before the next CAS on this register.
      this.known.delete(key)
    }
  }

  private async createSeq(zk: ZooKeeperClient): Promise<void> {
    const tag = `p${this.process}-${this.counter++}`
    const fields = { ...this.base(zk), kind: 'create-seq' as const, tag }
    try {
      const { path, stat } = await zk.createWithStat(`${QUEUE_PATH}/${QUEUE_PREFIX}`, tag, { mode: 'persistent-sequential', timeoutMs: this.options.opTimeoutMs })
      this.recorder.complete<CreateSeqOp>(fields, { outcome: 'ok', seq: sequenceOf(path), czxid: stat.czxid.toString(), member: zk.connectedHost })
    } catch (error) {
      this.recorder.complete<CreateSeqOp>(fields, { ...classify(error), member: zk.connectedHost })
    }
  }
}
