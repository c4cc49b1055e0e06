/**
 * Leader election on one Redis server with a lease: SET NX PX to take it, a compare-and-
 * PEXPIRE to renew it well before it runs out, a compare-and-DEL to give it up.
 *
 * Safety rests on time, not on the server telling us: we stop believing we lead at
 * `sendMs + leaseMs * (1 - clockDriftRatio) - 2 ms`, where `sendMs` is when we sent the last
 * acquire/renew that succeeded. Redis started the lease's clock no earlier than that, so as long
 * as our clock does not run slower than Redis' by more than the drift ratio, our belief ends
 * before the key can expire and anyone else can take it. What this gives up against the
 * ZooKeeper backend: a failover to a replica that missed the last write can grant the lease
 * twice (use the epoch to fence), and waiting candidates poll instead of being told.
 */
import { randomUUID } from 'node:crypto'
import { EventEmitter } from 'node:events'
import * as z from 'zod'
import type { Clock } from '@zoo/client'
import {
  LatchClosedError, Leadership, deadlineAfter, systemClock,
  type AwaitOptions, type LeaderTerm, type LeadershipEvents,
} from '../leadership.js'
import { runAsLeader, type LeaderFunction, type RunAsLeaderOptions } from '../run-as-leader.js'
import { parseOptions } from '../options.js'
import { ACQUIRE, RELEASE, RENEW, parseLeaseValue } from './scripts.js'
import { ScriptRunner, type RedisLike } from './script-runner.js'

/** Redis rounds expiry to the millisecond and checks it lazily: as redlock, a fixed 2 ms more. */
const FIXED_DRIFT_MS = 2

export const redisLatchOptionsSchema = z
  .strictObject({
    /** this participant's id, shown by leader() */
    id: z.string().min(1).refine((s) => !/\s/.test(s), { error: 'id must not contain white space' }),
    /** how long the lease lasts without renewal; a crashed leader blocks others this long */
    leaseMs: z.number().int().min(100).max(2 ** 31 - 1).default(10_000),
    /** renew this often while leading (default leaseMs / 3: two more tries before it runs out) */
    renewIntervalMs: z.number().int().min(1).optional(),
    /** candidates try to take the lease this often */
    retryIntervalMs: z.number().int().min(1).max(60_000).default(200),
    /** how much slower our clock may run than Redis' (0.01 = 1 %) */
    clockDriftRatio: z.number().min(0).max(0.5).default(0.01),
    /** keys are `${keyPrefix}${name}` and `${keyPrefix}${name}:epoch` */
    keyPrefix: z.string().default('zoo:leader:'),
  })
  .refine((o) => o.renewIntervalMs === undefined || o.renewIntervalMs < o.leaseMs / 2, {
    error: 'renewIntervalMs must be under leaseMs / 2, or the lease lapses between renewals',
  })

export type RedisLatchOptions = z.input<typeof redisLatchOptionsSchema>

export interface RedisLeader {
  id: string
  epoch: bigint
}

export class RedisLeaderLatch extends EventEmitter<LeadershipEvents> {
  readonly id: string
  readonly leaseKey: string
  readonly epochKey: string
  private readonly options: z.output<typeof redisLatchOptionsSchema> & { renewIntervalMs: number }
  private readonly leadership: Leadership
  private readonly scripts: ScriptRunner
  private value: string | undefined
  private timer: unknown
  private running = false
  private startPromise: Promise<void> | undefined

  constructor(redis: RedisLike, name: string, options: RedisLatchOptions, private readonly clock: Clock = systemClock) {
    super()
    const parsed = parseOptions(redisLatchOptionsSchema, options, 'RedisLeaderLatch options')
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('RedisLeaderLatch needs a non-empty name')
    this.options = { ...parsed, renewIntervalMs: parsed.renewIntervalMs ?? Math.floor(parsed.leaseMs / 3) }
    this.id = parsed.id
    this.leaseKey = `${parsed.keyPrefix}${name}`
    this.epochKey = `${this.leaseKey}:epoch`
    this.scripts = new ScriptRunner(redis)
    this.leadership = new Leadership(clock)
    this.leadership.on('isLeader', (term) => this.emit('isLeader', term))
    this.leadership.on('notLeader', (reason, epoch) => this.emit('notLeader', reason, epoch))
  }

  /** Starts contending; resolves after the first attempt (leader or not). */
  start(): Promise<void> {
    if (this.leadership.closed) return Promise.reject(new LatchClosedError())
    if (!this.startPromise) {
      this.running = true
      this.startPromise = this.attempt()
    }
    return this.startPromise
  }

  awaitLeadership(options?: AwaitOptions): Promise<LeaderTerm> {
    return this.leadership.wait(options)
  }

  /** Synchronous: true only while a term is held and its local deadline has not passed. */
  hasLeadership(): boolean {
    return this.leadership.holds()
  }

  /** The current term (epoch and signal), if leading. */
  get term(): LeaderTerm | undefined {
    return this.leadership.term
  }

  /** Who holds the lease now, by Redis' account. */
  async leader(): Promise<RedisLeader | undefined> {
    const [value, epoch] = await this.scripts.redis.mget(this.leaseKey, this.epochKey)
    if (value === null || value === undefined || epoch === null || epoch === undefined) return undefined
    return { id: parseLeaseValue(value).id, epoch: BigInt(epoch) }
  }

  runAsLeader(fn: LeaderFunction, options?: RunAsLeaderOptions): Promise<void> {
    return runAsLeader(this, fn, options)
  }

  /** Gives the lease up (deleting it, so a candidate takes it within its retry interval). */
  async relinquish({ requeue }: { requeue: boolean }): Promise<void> {
    this.running = requeue && !this.leadership.closed
    this.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.leadership.lose('released')
    await this.release()
    if (this.running) this.schedule(this.options.retryIntervalMs)
  }

  /** Gives leadership up at once and stops contending. */
  async close(): Promise<void> {
    this.running = false
    this.clock.clearTimeout(this.timer)
    this.timer = undefined
    this.leadership.close()
    await this.release()
  }

  private async release(): Promise<void> {
    const value = this.value
    this.value = undefined
    if (value !== undefined) await this.scripts.run(RELEASE, [this.leaseKey], [value])
  }

  private schedule(delayMs: number): void {
    if (!this.running) return
    this.clock.clearTimeout(this.timer)
    this.timer = this.clock.setTimeout(() => {
      this.timer = undefined
      void (this.value === undefined ? this.attempt() : this.renew())
    }, delayMs)
  }

  private async attempt(): Promise<void> {
    const value = `${randomUUID()} ${this.id}`
    const sendMs = this.clock.now()
    try {
      const epoch = await this.scripts.run(ACQUIRE, [this.leaseKey, this.epochKey], [value, String(this.options.leaseMs)])
      // nil comes back as null from Redis, as false from ioredis-mock.
      if (typeof epoch === 'number' || typeof epoch === 'string') {
        if (!this.running) return void (await this.scripts.run(RELEASE, [this.leaseKey], [value]))
        this.value = value
        const term = this.leadership.gain(BigInt(epoch), this.deadline(sendMs))
        // Confirmed too late to be of use (a very slow reply): let it lapse and try again.
        if (term === undefined) this.value = undefined
        return this.schedule(term ? this.options.renewIntervalMs : this.options.retryIntervalMs)
      }
    } catch (error) {
      this.report(error)
    }
    this.schedule(this.options.retryIntervalMs)
  }

  private async renew(): Promise<void> {
    const value = this.value
    const epoch = this.leadership.term?.epoch
    if (value === undefined) return this.schedule(this.options.retryIntervalMs)
    const sendMs = this.clock.now()
    try {
      const renewed = await this.scripts.run(RENEW, [this.leaseKey], [value, String(this.options.leaseMs)])
      if (this.value !== value) return
      if (Number(renewed) === 1 && epoch !== undefined) {
        this.leadership.extend(epoch, this.deadline(sendMs))
        return this.schedule(this.options.renewIntervalMs)
      }
      if (Number(renewed) !== 1) {
        // Someone else holds the key (ours lapsed): we are out.
        this.value = undefined
        this.leadership.lose('deposed')
        return this.schedule(this.options.retryIntervalMs)
      }
      // Still ours, but our deadline ended the term meanwhile (a pause, a slow reply). A term
      // never resumes after its deadline: give the lease up and contend afresh.
      await this.relinquish({ requeue: this.running })
    } catch (error) {
      this.report(error)
      // Keep trying until the deadline ends the term; holds() stops it without our help.
      if (this.value === value) this.schedule(this.leadership.holds() ? Math.min(this.options.renewIntervalMs, 100) : this.options.retryIntervalMs)
    }
  }

  private deadline(sendMs: number): number {
    return deadlineAfter(sendMs, this.options.leaseMs, this.options.clockDriftRatio, FIXED_DRIFT_MS)
  }

  private report(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', error)
  }
}
