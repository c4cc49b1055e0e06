/**
 * A lock on ONE Redis instance (`@zoo/lock/redis`): SET key value NX PX ttl with a random value,
 * release and extend by Lua compare-and-act (only the value's owner can delete or extend), a
 * fencing token from INCR taken in the same script as the SET, auto-renewal while held (capped by
 * maxHoldMs), and `lease.signal` aborted when a renewal fails or the lease runs out.
 *
 * What it does not guarantee: safety across a Redis failover (a replica promoted before it got
 * the key grants the lock twice; the fencing counter may go back with it), or across a Redis
 * restart without persistence. Mutual exclusion also rests on timing: a holder paused past its
 * lease can act after it expired; only the fencing token, checked by the resource, catches that.
 */
import * as z from 'zod'
import type { Redis } from 'ioredis'
import { RedisScript, randomLockValue } from '@zoo/recipe-core/redis'
import { deadlineSignal, parseOptions, sleep } from '@zoo/recipe-core'
import { InvalidLockOptionsError } from './options.js'
import type { AcquireOptions, Lease } from './lease.js'

const ACQUIRE = new RedisScript(
  'lock-acquire',
  `if redis.call('set', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('incr', KEYS[2])
end
return false`,
  2,
)

const RELEASE = new RedisScript('lock-release', `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0`, 1)

const EXTEND = new RedisScript('lock-extend', `if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('pexpire', KEYS[1], ARGV[2]) end return 0`, 1)

export const redisLockOptionsSchema = z
  .strictObject({
    /** how long the key lives without renewal */
    ttlMs: z.number().int().min(100).max(3_600_000).default(10_000),
    /** renew this often while held; default ttlMs / 3 */
    renewIntervalMs: z.number().int().min(10).optional(),
    /** stop renewing after holding this long (the lease then runs out): no endless extension */
    maxHoldMs: z.number().int().min(100).max(86_400_000).default(600_000),
    /** poll interval while waiting (jittered +-50%) */
    retryDelayMs: z.number().int().min(1).max(60_000).default(50),
    /** share of the ttl assumed lost to clock rate differences between us and Redis */
    driftFactor: z.number().min(0).max(0.5).default(0.01),
  })
  .refine((o) => o.renewIntervalMs === undefined || o.renewIntervalMs < o.ttlMs, { error: 'renewIntervalMs must be shorter than ttlMs' })

export type RedisLockOptions = z.input<typeof redisLockOptionsSchema>

export type RedisLeaseLostReason = 'renewalFailed' | 'stolen' | 'expired' | 'released'

/** Why a Redis lease's signal aborted. */
export class RedisLeaseLostError extends Error {
  override readonly name = 'RedisLeaseLostError'
  readonly code = 'LEASE_LOST'
  constructor(
    readonly reason: RedisLeaseLostReason,
    readonly key: string,
    options?: { cause?: unknown },
  ) {
    super(`redis lock ${key}: ${reason}`, options)
  }
}

type Resolved = z.output<typeof redisLockOptionsSchema> & { renewIntervalMs: number }

export class RedisMutex {
  private readonly options: Resolved
  readonly fenceKey: string

  constructor(
    readonly redis: Redis,
    readonly key: string,
    options?: RedisLockOptions,
  ) {
    if (typeof key !== 'string' || key.length === 0) throw new TypeError('the lock key must be a non-empty string')
    const parsed = parseOptions(redisLockOptionsSchema, options, 'redis lock options', InvalidLockOptionsError)
    this.options = { ...parsed, renewIntervalMs: parsed.renewIntervalMs ?? Math.floor(parsed.ttlMs / 3) }
    this.fenceKey = `${key}:fence`
  }

  /** Polls until the key is ours. Rejects with RecipeTimeoutError after `timeoutMs`, or the signal's reason. */
  async acquire(options: AcquireOptions = {}): Promise<RedisLease> {
    const deadline = deadlineSignal(options, `acquiring redis lock ${this.key}`)
    try {
      for (;;) {
        const lease = await this.tryAcquire({ signal: deadline.signal })
        if (lease) return lease
        const delayMs = this.options.retryDelayMs * (0.5 + Math.random())
        await sleep(delayMs, deadline.signal)
      }
    } finally {
      deadline.dispose()
    }
  }

  /** The lock if the key is free now, else undefined. */
  async tryAcquire(options: { signal?: AbortSignal } = {}): Promise<RedisLease | undefined> {
    options.signal?.throwIfAborted()
    const value = randomLockValue()
    const sentAtMs = performance.now()
    const token = await ACQUIRE.run(this.redis, [this.key, this.fenceKey], [value, this.options.ttlMs])
    if (token === null || token === false || token === undefined) return undefined
    const lease = new RedisLease(this.redis, this.key, value, BigInt(token as number), sentAtMs, this.options)
    if (options.signal?.aborted) {
      await lease.release()
      throw options.signal.reason
    }
    return lease
  }
}

export class RedisLease implements Lease {
  readonly signal: AbortSignal
  private readonly controller = new AbortController()
  private validUntilMs: number
  private expiryTimer: ReturnType<typeof setTimeout> | undefined
  private renewTimer: ReturnType<typeof setTimeout> | undefined
  private releasing: Promise<void> | undefined
  /** renewals that succeeded (tests and the demo read it) */
  renewals = 0

  constructor(
    private readonly redis: Redis,
    readonly path: string,
    private readonly value: string,
    readonly token: bigint,
    private readonly acquiredAtMs: number,
    private readonly options: Resolved,
  ) {
    this.signal = this.controller.signal
    this.validUntilMs = this.validityFrom(acquiredAtMs)
    this.armExpiry()
    this.scheduleRenewal()
  }

  /** Monotonic ms until which the key is ours for sure (given the drift allowance). */
  get validUntil(): number {
    return this.validUntilMs
  }

  private validityFrom(sentAtMs: number): number {
    return sentAtMs + this.options.ttlMs * (1 - this.options.driftFactor) - 2
  }

  private lose(reason: RedisLeaseLostReason, cause?: unknown): void {
    if (this.signal.aborted) return
    clearTimeout(this.expiryTimer)
    clearTimeout(this.renewTimer)
    this.controller.abort(new RedisLeaseLostError(reason, this.path, { cause }))
  }

  private armExpiry(): void {
    clearTimeout(this.expiryTimer)
    this.expiryTimer = setTimeout(() => this.lose('expired'), Math.max(0, this.validUntilMs - performance.now()))
  }

  private scheduleRenewal(): void {
    if (this.signal.aborted) return
    // Capped: past maxHoldMs the lease is left to run out (its signal aborts with 'expired').
    if (performance.now() + this.options.renewIntervalMs > this.acquiredAtMs + this.options.maxHoldMs) return
    this.renewTimer = setTimeout(() => void this.renew(), this.options.renewIntervalMs)
  }

  private async renew(): Promise<void> {
    const sentAtMs = performance.now()
    try {
      const extended = await EXTEND.run(this.redis, [this.path], [this.value, this.options.ttlMs])
      if (this.signal.aborted) return
      if (extended !== 1) return this.lose('stolen')
      this.renewals++
      this.validUntilMs = this.validityFrom(sentAtMs)
      this.armExpiry()
      this.scheduleRenewal()
    } catch (error) {
      this.lose('renewalFailed', error)
    }
  }

  /** Deletes the key if it still holds our value; idempotent. */
  release(): Promise<void> {
    if (this.releasing) return this.releasing
    this.lose('released')
    this.releasing = RELEASE.run(this.redis, [this.path], [this.value]).then(() => undefined)
    return this.releasing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release()
  }
}
