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
import * as z from 'zod'
import type { Clock } from '@zoo/client'
import { parseOptions } from '@zoo/recipe-core'
import { LatchBase } from '../latch-base.js'
import { LatchClosedError, deadlineAfter, systemClock } from '../leadership.js'
import { ACQUIRE, RELEASE, RENEW, parseLeaseValue } from './scripts.js'

const SCRIPTS = {
  acquire: new RedisScript('leader-latch acquire', ACQUIRE, 2),
  renew: new RedisScript('leader-latch renew', RENEW, 1),
  release: new RedisScript('leader-latch release', RELEASE, 1),
}
import { RedisScript } from '@zoo/recipe-core/redis'
import type { Redis } from 'ioredis'

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

export class RedisLeaderLatch extends LatchBase {
  readonly id: string
  readonly leaseKey: string
  readonly epochKey: string
  private readonly options: z.output<typeof redisLatchOptionsSchema> & { renewIntervalMs: number }
  private value: string | undefined
  private timer: unknown
  private running = false
  private startPromise: Promise<void> | undefined

  constructor(private readonly redis: Redis, name: string, options: RedisLatchOptions, clock: Clock = systemClock) {
    super(clock)
    const parsed = parseOptions(redisLatchOptionsSchema, options, 'RedisLeaderLatch options')
    if (typeof name !== 'string' || name.length === 0) throw new TypeError('RedisLeaderLatch needs a non-empty name')
    this.options = { ...parsed, renewIntervalMs: parsed.renewIntervalMs ?? Math.floor(parsed.leaseMs / 3) }
    this.id = parsed.id
    this.leaseKey = `${parsed.keyPrefix}${name}`
    this.epochKey = `${this.leaseKey}:epoch`
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

  /** Who holds the lease now, by Redis' account. */
  async leader(): Promise<RedisLeader | undefined> {
    const [value, epoch] = await this.redis.mget(this.leaseKey, this.epochKey)
    if (value === null || value === undefined || epoch === null || epoch === undefined) return undefined
    return { id: parseLeaseValue(value).id, epoch: BigInt(epoch) }
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
    if (value !== undefined) await SCRIPTS.release.run(this.redis, [this.leaseKey], [value])
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
      const epoch = await SCRIPTS.acquire.run(this.redis, [this.leaseKey, this.epochKey], [value, this.options.leaseMs])
      // nil comes back as null from Redis, as false from ioredis-mock.
      if (typeof epoch === 'number' || typeof epoch === 'string') {
        if (!this.running) return void (await SCRIPTS.release.run(this.redis, [this.leaseKey], [value]))
        this.value = value
        const term = this.leadership.gain(BigInt(epoch), this.deadline(sendMs))
        // Confirmed too late to be of use (a very slow reply): let it lapse and try again.
        if (term === undefined) this.value = undefined
        return this.schedule(term ? this.options.renewIntervalMs : this.options.retryIntervalMs)
      }
    } catch (error) {
      this.emitError(error)
    }
    this.schedule(this.options.retryIntervalMs)
  }

  private async renew(): Promise<void> {
    const value = this.value
    const epoch = this.leadership.term?.epoch
    if (value === undefined) return this.schedule(this.options.retryIntervalMs)
    const sendMs = this.clock.now()
    try {
      const renewed = await SCRIPTS.renew.run(this.redis, [this.leaseKey], [value, this.options.leaseMs])
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
      this.emitError(error)
      // Keep trying until the deadline ends the term; holds() stops it without our help.
      if (this.value === value) this.schedule(this.leadership.holds() ? Math.min(this.options.renewIntervalMs, 100) : this.options.retryIntervalMs)
    }
  }

  private deadline(sendMs: number): number {
    return deadlineAfter(sendMs, this.options.leaseMs, this.options.clockDriftRatio, FIXED_DRIFT_MS)
  }

}
