// The Redis mutex against ioredis-mock and a real redis-server: NX, fencing, compare-and-delete,
// renewal, signal on a stolen key, on failed renewal, and at the end of a capped hold.
import t from 'tap'
import { eachRedis } from '@zoo/recipe-core/testing'
import { RedisLeaseLostError, RedisMutex } from '../src/redis.js'
import { RecipeTimeoutError } from '../src/index.js'

const lostReason = (signal: AbortSignal) =>
  new Promise<string>((resolve) => {
    if (signal.aborted) return resolve((signal.reason as RedisLeaseLostError).reason)
    signal.addEventListener('abort', () => resolve((signal.reason as RedisLeaseLostError).reason), { once: true })
  })

eachRedis(t, async (t, target) => {
  const redis = target.connect()
  const other = target.connect()

  t.test('one holder; tokens from INCR grow; release deletes only our value', async (t) => {
    const a = new RedisMutex(redis, 'lock:basic')
    const b = new RedisMutex(other, 'lock:basic')
    const first = await a.acquire()
    t.equal(await b.tryAcquire(), undefined)
    await t.rejects(b.acquire({ timeoutMs: 120 }), RecipeTimeoutError)
    const waiting = b.acquire({ timeoutMs: 5_000 })
    await first.release()
    t.equal((first.signal.reason as RedisLeaseLostError).reason, 'released')
    const second = await waiting
    t.ok(second.token > first.token, `${second.token} > ${first.token}`)
    await first.release()
    t.ok(await redis.get('lock:basic'), 'a late second release of the old lease leaves the new holder alone')
    await second.release()
    t.equal(await redis.get('lock:basic'), null)
  })

  t.test('auto-renewal keeps the key past its ttl', async (t) => {
    const lease = await new RedisMutex(redis, 'lock:renew', { ttlMs: 300, renewIntervalMs: 100 }).acquire()
    await new Promise((resolve) => setTimeout(resolve, 800))
    t.notOk(lease.signal.aborted)
    t.ok(lease.renewals >= 4, `${lease.renewals} renewals`)
    t.ok(await redis.pttl('lock:renew') > 0)
    await lease.release()
  })

  t.test('the signal aborts when the key is no longer ours (stolen) or a renewal fails', async (t) => {
    const lease = await new RedisMutex(redis, 'lock:stolen', { ttlMs: 1_000, renewIntervalMs: 50 }).acquire()
    await redis.set('lock:stolen', 'someone else')
    t.equal(await lostReason(lease.signal), 'stolen')
    await lease.release()
    t.equal(await redis.get('lock:stolen'), 'someone else', 'release does not delete another value')
    await redis.del('lock:stolen')

    // ioredis-mock queues commands of a disconnected client for ever: only a real server can fail them.
    if (target.name !== 'redis-server') return
    const broken = target.connect()
    const failing = await new RedisMutex(broken, 'lock:broken', { ttlMs: 1_000, renewIntervalMs: 50 }).acquire()
    broken.disconnect()
    t.equal(await lostReason(failing.signal), 'renewalFailed')
  })

  t.test('capped renewal: the lease runs out after maxHoldMs and the signal says so', async (t) => {
    const started = performance.now()
    const lease = await new RedisMutex(redis, 'lock:capped', { ttlMs: 200, renewIntervalMs: 50, maxHoldMs: 300 }).acquire()
    t.equal(await lostReason(lease.signal), 'expired')
    const heldMs = performance.now() - started
    t.ok(heldMs >= 300 && heldMs < 700, `held ${heldMs.toFixed(0)} ms`)
    t.ok(performance.now() >= lease.validUntil)
    await lease.release()
  })

  t.test('options are checked', async (t) => {
    t.throws(() => new RedisMutex(redis, 'k', { ttlMs: 1_000, renewIntervalMs: 2_000 }), /renewIntervalMs/)
    t.throws(() => new RedisMutex(redis, ''), TypeError)
  })
})
