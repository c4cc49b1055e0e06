// The Redis backend, once against ioredis-mock and once against a real redis-server:
// the same guarantees as the ZooKeeper backend, with pub/sub as a hint and reads by version.
import t, { type Test } from 'tap'
import * as z from 'zod'
import type { Redis } from 'ioredis'
import { eachRedis, type RedisTarget } from '@zoo/recipe-core/testing'
import { publishConfig, watchConfig, defaultChannel, type RedisWatchOptions } from '../src/redis/index.js'
import { VersionConflictError, InvalidConfigError, compareKeys, type ConfigVersion, type ConfigWatcher } from '../src/index.js'

const Schema = z.strictObject({ seq: z.number().int().min(0), flag: z.boolean() })
type Config = z.output<typeof Schema>

async function until(what: string, probe: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

let keys = 0
const freshKey = () => `cfg:${process.pid}:${keys++}`

async function watch(t: Test, target: RedisTarget, redis: Redis, key: string, options: RedisWatchOptions<Config> = {}): Promise<ConfigWatcher<Config>> {
  const w = await watchConfig(redis, key, Schema, { subscriber: target.connect(), ...options })
  t.teardown(() => w.close())
  return w
}

eachRedis(t, async (t, target) => {
  const redis = target.connect()

  t.test('publish, watch, change events, compare-and-set', async (t) => {
    const key = freshKey()
    const v0 = await publishConfig(redis, key, Schema, { seq: 0, flag: false }, { expectedVersion: 'absent' })
    t.equal(v0.version, 0)
    const w = await watch(t, target, redis, key)
    t.same(w.current, { seq: 0, flag: false })
    t.same(w.version, v0)
    const changes: [Config, Config, ConfigVersion][] = []
    w.on('change', (next, prev, v) => changes.push([next, prev, v]))
    const v1 = await publishConfig(redis, key, Schema, { seq: 1, flag: true }, { expectedVersion: v0 })
    await until('seq 1', () => w.current.seq === 1)
    t.same(changes, [[{ seq: 1, flag: true }, { seq: 0, flag: false }, v1]])
    t.equal(v1.czxid, v0.czxid, 'same incarnation')
    await t.rejects(publishConfig(redis, key, Schema, { seq: 2, flag: true }, { expectedVersion: 0 }), VersionConflictError)
    await t.rejects(publishConfig(redis, key, Schema, { seq: 2, flag: true }, { expectedVersion: 'absent' }), VersionConflictError)
    await t.rejects(publishConfig(redis, key, Schema, { seq: 2, flag: true }, { expectedVersion: { ...v1, czxid: v1.czxid - 1n } }), VersionConflictError)
    await t.rejects(publishConfig(redis, key, Schema, { seq: -1, flag: true } as Config), InvalidConfigError)
    t.equal(Number((await redis.hget(key, 'version'))!), 1, 'nothing written by the refused publishes')
  })

  t.test('an invalid value is reported once and the last good value stays', async (t) => {
    const key = freshKey()
    await publishConfig(redis, key, Schema, { seq: 0, flag: false })
    const w = await watch(t, target, redis, key)
    const invalid: InvalidConfigError[] = []
    w.on('invalid', (e) => invalid.push(e))
    // A writer that bypasses publishConfig (e.g. redis-cli), then announces it.
    await redis.hset(key, 'version', 1, 'value', '{"seq": 1, "flag": "no"}')
    await redis.publish(defaultChannel(key), `${await redis.hget(key, 'epoch')}:1`)
    await until('invalid', () => invalid.length === 1)
    t.equal(invalid[0]!.reason, 'schema')
    t.same(w.current, { seq: 0, flag: false })
    await publishConfig(redis, key, Schema, { seq: 2, flag: true })
    await until('seq 2', () => w.current.seq === 2)
    t.equal(invalid.length, 1)
  })

  t.test('a lost notification: the periodic re-read catches up', async (t) => {
    const key = freshKey()
    await publishConfig(redis, key, Schema, { seq: 0, flag: false })
    const w = await watch(t, target, redis, key, { resyncIntervalMs: 100 })
    // Written with no message at all, as if the PUBLISH was lost.
    await redis.hset(key, 'version', 1, 'value', JSON.stringify({ seq: 1, flag: true }))
    await until('seq 1 without a message', () => w.current.seq === 1, 3_000)
    // A late, stale message changes nothing.
    await redis.publish(defaultChannel(key), `${await redis.hget(key, 'epoch')}:0`)
    await new Promise((r) => setTimeout(r, 50))
    t.equal(w.current.seq, 1)
  })

  t.test('deleted and published again: a new epoch, version 0, still newer', async (t) => {
    const key = freshKey()
    await publishConfig(redis, key, Schema, { seq: 0, flag: false })
    await publishConfig(redis, key, Schema, { seq: 1, flag: false })
    const w = await watch(t, target, redis, key, { resyncIntervalMs: 50 })
    let missing = 0
    w.on('missing', () => missing++)
    await redis.del(key)
    await until('missing', () => missing === 1)
    t.same(w.current, { seq: 1, flag: false }, 'the last good value stays')
    await new Promise((r) => setTimeout(r, 2)) // a new epoch needs the clock to move (µs)
    const again = await publishConfig(redis, key, Schema, { seq: 2, flag: true })
    t.equal(again.version, 0)
    await until('seq 2', () => w.current.seq === 2)
    t.ok(compareKeys([again.czxid, 0n], [w.version!.czxid, 0n]) === 0)
  })

  t.test('many watchers and a burst of publishes: all end on the last, none backwards', async (t) => {
    const watchers = target.name === 'redis-server' ? 100 : 20
    const updates = target.name === 'redis-server' ? 1_000 : 200
    const key = freshKey()
    await publishConfig(redis, key, Schema, { seq: 0, flag: false })
    const ws = await Promise.all(Array.from({ length: watchers }, () => watch(t, target, redis, key)))
    const histories = ws.map((w) => {
      const h: ConfigVersion[] = [w.version!]
      w.on('change', (_n, _p, v) => h.push(v))
      return h
    })
    let last: ConfigVersion | undefined
    for (let seq = 1; seq <= updates; seq += 25) {
      const batch = Array.from({ length: Math.min(25, updates - seq + 1) }, (_, i) => publishConfig(redis, key, Schema, { seq: seq + i, flag: true }))
      last = (await Promise.all(batch)).at(-1)
    }
    await until('every watcher on the last version', () => ws.every((w) => w.current.seq === updates), 20_000)
    const backwards = histories.filter((h) => h.some((v, i) => i > 0 && compareKeys([h[i - 1]!.czxid, BigInt(h[i - 1]!.version)], [v.czxid, BigInt(v.version)]) >= 0))
    t.equal(backwards.length, 0, 'no watcher went backwards')
    t.ok(ws.every((w) => w.version?.version === last!.version))
  })
})

t.test('redis-server only: a dropped subscriber re-reads on resubscribe; keyspace notifications', async (t) => {
  const { startRedis } = await import('@zoo/testkit')
  const { Redis: IORedis } = await import('ioredis')
  const server = await startRedis()
  t.teardown(() => server.stop())
  const redis = new IORedis(server.port, '127.0.0.1')
  const subscriber = new IORedis(server.port, '127.0.0.1', { retryStrategy: () => 200 })
  t.teardown(() => {
    redis.disconnect()
    subscriber.disconnect()
  })
  const key = 'cfg:resubscribe'
  await publishConfig(redis, key, Schema, { seq: 0, flag: false })
  // No periodic safety net within this test: only the resubscription can catch up.
  const w = await watchConfig(redis, key, Schema, { subscriber, resyncIntervalMs: 600_000 })
  t.teardown(() => w.close())
  await redis.client('KILL', 'TYPE', 'pubsub')
  // Published while the subscriber is away: its message is lost.
  await publishConfig(redis, key, Schema, { seq: 1, flag: true })
  await until('seq 1 after resubscribing', () => w.current.seq === 1)

  const other = 'cfg:keyspace'
  await publishConfig(redis, other, Schema, { seq: 0, flag: false })
  const ks = await watchConfig(redis, other, Schema, { resyncIntervalMs: 600_000, keyspaceNotifications: true })
  t.teardown(() => ks.close())
  await redis.hset(other, 'version', 1, 'value', JSON.stringify({ seq: 7, flag: true }))
  await until('seq 7 from a keyspace notification', () => ks.current.seq === 7)
})
