import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { InvalidOptionsError, LatchClosedError, RedisLeaderLatch, type LeaderTerm } from '../src/redis/index.js'
import { eachRedis } from '@zoo/recipe-core/testing'
import RedisMock from 'ioredis-mock'
import type { Redis } from 'ioredis'
import { partitionable } from './support/partition.js'

const LEASE_MS = 600
const fast = { leaseMs: LEASE_MS, retryIntervalMs: 20 }

t.test('options are checked where they enter', async (t) => {
  const redis = new RedisMock() as unknown as Redis
  t.teardown(() => redis.disconnect())
  t.throws(() => new RedisLeaderLatch(redis, 'x', { id: '' }), InvalidOptionsError)
  t.throws(() => new RedisLeaderLatch(redis, 'x', { id: 'a b' }), /white space/)
  t.throws(() => new RedisLeaderLatch(redis, 'x', { id: 'a', leaseMs: 1_000, renewIntervalMs: 600 }), /leaseMs \/ 2/)
  t.throws(() => new RedisLeaderLatch(redis, 'x', { id: 'a', leasMs: 5 } as never), InvalidOptionsError)
  t.throws(() => new RedisLeaderLatch(redis, '', { id: 'a' }), TypeError)
})

eachRedis(t, async (t, backend) => {
  let n = 0
  const latch = (id: string, name: string, options = {}) => {
    const l = new RedisLeaderLatch(backend.connect(), name, { id, ...fast, ...options })
    t.teardown(() => l.close().catch(() => undefined))
    return l
  }

  t.test('one leader; close hands over at once with a higher epoch', async (t) => {
    const name = `handover-${n++}`
    const a = latch('a', name)
    const b = latch('b', name)
    await a.start()
    await b.start()
    const first = await a.awaitLeadership({ timeoutMs: 2_000 })
    t.ok(a.hasLeadership())
    t.notOk(b.hasLeadership())
    t.same(await b.leader(), { id: 'a', epoch: first.epoch })
    const closedAt = performance.now()
    await a.close()
    t.ok(first.signal.aborted, 'the term ended with close')
    const second = await b.awaitLeadership({ timeoutMs: 2_000 })
    t.ok(performance.now() - closedAt < LEASE_MS / 2, 'taken within the retry interval, not the lease')
    t.ok(second.epoch > first.epoch, 'epochs grow')
    await t.rejects(a.awaitLeadership(), LatchClosedError)
  })

  t.test('renewal keeps leadership over many lease lengths', async (t) => {
    const name = `renew-${n++}`
    const a = latch('a', name)
    const b = latch('b', name)
    await a.start()
    const term = await a.awaitLeadership({ timeoutMs: 2_000 })
    await b.start()
    let lost = 0
    a.on('notLeader', () => lost++)
    await sleep(LEASE_MS * 3)
    t.ok(a.hasLeadership())
    t.notOk(b.hasLeadership())
    t.equal(lost, 0)
    t.equal(a.term?.epoch, term.epoch)
  })

  t.test('a cut-off leader stands down before its lease can expire; the next one only after', async (t) => {
    const name = `cut-${n++}`
    const wire = partitionable(backend.connect())
    const a = new RedisLeaderLatch(wire.redis, name, { id: 'a', ...fast })
    t.teardown(() => a.close().catch(() => undefined))
    const observer = backend.connect()
    await a.start()
    const term = await a.awaitLeadership({ timeoutMs: 2_000 })
    const b = latch('b', name)
    await b.start()
    wire.cut = true
    await sleep(20) // a renewal in flight when the wire was cut lands first
    // From now on only time moves the key and the deadline.
    const before = performance.now()
    const pttlMs = await observer.pttl(a.leaseKey)
    const deadlineMs = a.deadlineMs!
    t.ok(pttlMs > 0, 'the key is still there')
    t.ok(deadlineMs <= before + pttlMs, `a stops believing ${Math.round(before + pttlMs - deadlineMs)} ms before the key can expire`)
    const reason = await new Promise((resolve) => a.once('notLeader', resolve))
    t.equal(reason, 'deadline')
    t.ok(term.signal.aborted)
    const next: LeaderTerm = await b.awaitLeadership({ timeoutMs: 3_000 })
    t.ok(next.sinceMs >= deadlineMs, 'b leads only after a stood down')
    t.ok(next.epoch > term.epoch)
  })

  t.test('a leader whose key was taken is deposed at its next renewal', async (t) => {
    const name = `deposed-${n++}`
    const a = latch('a', name)
    await a.start()
    const term = await a.awaitLeadership({ timeoutMs: 2_000 })
    await backend.connect().set(a.leaseKey, 'intruder someone')
    const reason = await new Promise((resolve) => a.once('notLeader', resolve))
    t.equal(reason, 'deposed')
    t.ok(term.signal.aborted)
  })

  t.test('runAsLeader alternates with requeue and gives each term its signal', async (t) => {
    const name = `run-${n++}`
    const terms: string[] = []
    const stop = new AbortController()
    const work = (id: string) => async (signal: AbortSignal, term: LeaderTerm) => {
      terms.push(`${id}:${term.epoch}`)
      t.notOk(signal.aborted)
      await sleep(30)
    }
    const a = latch('a', name)
    const b = latch('b', name)
    const runs = [a.runAsLeader(work('a'), { requeue: true, signal: stop.signal }), b.runAsLeader(work('b'), { requeue: true, signal: stop.signal })]
    while (terms.length < 6) await sleep(20)
    stop.abort()
    await Promise.all(runs)
    const epochs = terms.map((s) => BigInt(s.split(':')[1]!))
    t.ok(epochs.every((e, i) => i === 0 || e > epochs[i - 1]!), `epochs increase: ${terms.join(' ')}`)
    t.ok(new Set(terms.map((s) => s[0])).size === 2, 'both led')
    t.notOk(a.hasLeadership() || b.hasLeadership())
  })

  t.test('runAsLeader without requeue resolves after one term and rethrows', async (t) => {
    const name = `once-${n++}`
    const a = latch('a', name)
    await t.rejects(a.runAsLeader(async () => { throw new Error('boom') }), /boom/)
    t.equal(await a.leader(), undefined, 'the lease was released')
  })

  if (backend.name === 'redis-server') {
    t.test('a flushed script cache falls back to EVAL', async (t) => {
      const redis = backend.connect()
      const a = latch('a', `flush-${n++}`)
      await a.start()
      await a.awaitLeadership({ timeoutMs: 2_000 })
      await redis.script('FLUSH')
      await sleep(LEASE_MS)
      t.ok(a.hasLeadership(), 'renewals went on through EVAL')
    })
  }
})
