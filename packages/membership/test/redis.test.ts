// The Redis backend, each suite on ioredis-mock and on a real redis-server (recipe-core's
// eachRedis): join/update/leave, invalid data, watch order and coalescing, expiry of a member
// whose heartbeat stopped, the local deadline firing before the key runs out, re-registration
// with the latest data, leave winning over it, id conflicts.
import t from 'tap'
import * as z from 'zod'
import { Redis } from 'ioredis'
import { recipeRedisOptions } from '@zoo/recipe-core/redis'
import { CutProxy, eachRedis } from '@zoo/recipe-core/testing'
import { RedisGroup, type RegistrationInfo, type RegistrationLostError } from '../src/redis/index.js'
import { JOIN } from '../src/redis/scripts.js'
import { InvalidMemberDataError, MemberIdConflictError, MembershipEndedError } from '../src/index.js'
import { eventually, nextEvent, pullUntil, sleep } from './support/helpers.js'

const schema = z.object({ host: z.string(), port: z.number().int() })
let groups = 0
const fresh = () => `g${++groups}`

eachRedis(t, async (t, target) => {
  const redis = target.connect()

  t.test('join, update, leave; members typed; invalid data reported', async (t) => {
    const group = new RedisGroup(redis, fresh(), { schema, ttlMs: 2_000 })
    const m = await group.join({ host: 'a', port: 1 }, { id: 'a' })
    t.ok(m.listed)
    let snapshot = await group.members()
    t.same(snapshot.ids, ['a'])
    const a = snapshot.get('a')!
    t.same(a.data, { host: 'a', port: 1 })
    t.equal(a.version, 0)
    t.equal(a.registration, m.registration!.registration)
    t.ok(a.expiresAtMs! > a.registeredAtMs)
    await m.update({ host: 'a', port: 2 })
    snapshot = await group.members()
    t.same([snapshot.get('a')!.data.port, snapshot.get('a')!.version], [2, 1])
    await t.rejects(m.update({ host: 'a', port: 0.5 }), InvalidMemberDataError)
    await t.rejects(group.join({ host: 'b' } as never, { id: 'b' }), InvalidMemberDataError)

    // Someone writes garbage in the layout: reported, never thrown.
    await JOIN.run(redis, [`${group.keys.memberPrefix}bad`, group.keys.index, group.keys.channel], ['bad', 'tok', 5_000, '{"host":1}', 'fail'])
    await JOIN.run(redis, [`${group.keys.memberPrefix}junk`, group.keys.index, group.keys.channel], ['junk', 'tok', 5_000, '{', 'fail'])
    snapshot = await group.members()
    t.same(snapshot.ids, ['a'])
    t.same(snapshot.invalid.map((i) => [i.id, i.error.reason]), [['bad', 'schema'], ['junk', 'decode']])

    await m.leave()
    t.ok(m.signal.aborted)
    t.equal((m.signal.reason as RegistrationLostError).reason, 'left')
    t.same((await group.members()).ids, [])
    await t.rejects(m.update({ host: 'a', port: 3 }), MembershipEndedError)
  })

  t.test('watch: events in order; a burst coalesced; the last snapshot is the truth', async (t) => {
    const name = fresh()
    const group = new RedisGroup(redis, name, { schema, ttlMs: 5_000 })
    const watch = group.watch({ subscriber: target.connect() })
    t.teardown(() => void watch.return())
    t.ok((await watch.next()).value!.initial)
    const a = await group.join({ host: 'a', port: 1 }, { id: 'a' })
    t.same((await pullUntil(watch, (s) => s.has('a'))).flatMap((u) => u.events.map((e) => `${e.type}:${e.member.id}`)), ['join:a'])
    await a.update({ host: 'a', port: 2 })
    t.same((await pullUntil(watch, (s) => s.get('a')?.data.port === 2)).flatMap((u) => u.events.map((e) => e.type)), ['change'])
    const writes: Promise<unknown>[] = []
    for (let i = 3; i <= 100; i++) writes.push(a.update({ host: 'a', port: i }))
    const joined = await Promise.all(Array.from({ length: 10 }, (_, i) => group.join({ host: `j${i}`, port: i }, { id: `j${i}` })))
    await Promise.all(writes)
    const updates = await pullUntil(watch, (s) => s.get('a')?.data.port === 100 && s.size === 11)
    t.same(updates.at(-1)!.snapshot.members, (await group.members()).members, 'the last snapshot equals a fresh read')
    t.ok(updates.length < 30, `${updates.length} updates for 108 changes`)
    await a.leave()
    await pullUntil(watch, (s) => !s.has('a'))
    await Promise.all(joined.map((m) => m.leave()))
  })

  t.test('a member whose heartbeat stopped leaves every watcher at its TTL (the index says when)', async (t) => {
    const group = new RedisGroup(redis, fresh(), { schema, pollIntervalMs: 60_000 })
    const watch = group.watch({ subscriber: target.connect() })
    t.teardown(() => void watch.return())
    await watch.next()
    // A member that registered and then died: no heartbeat will come.
    const TTL_MS = 400
    await JOIN.run(redis, [`${group.keys.memberPrefix}dead`, group.keys.index, group.keys.channel], ['dead', 'tok', TTL_MS, '{"host":"d","port":1}', 'fail'])
    await pullUntil(watch, (s) => s.has('dead'))
    const joinedAt = Date.now()
    await pullUntil(watch, (s) => !s.has('dead'), 5_000)
    const goneAfterMs = Date.now() - joinedAt
    t.ok(goneAfterMs < TTL_MS + 500, `gone after ${goneAfterMs} ms (TTL ${TTL_MS} ms), without polling`)
  })

  t.test('a key that runs out under a live member: registered again, same id, latest data', async (t) => {
    const group = new RedisGroup(redis, fresh(), { schema, ttlMs: 1_000 })
    const m = await group.join({ host: 'm', port: 1 }, { id: 'm' })
    const first = m.registration!.registration
    const firstSignal = m.signal
    const lost = nextEvent<[RegistrationLostError]>(m, 'lost')
    const registered = nextEvent<[RegistrationInfo]>(m, 'registered')
    await redis.del(m.path) // as if it had expired during a pause
    const updated = m.update({ host: 'm', port: 2 })
    t.equal((await lost)[0].reason, 'expired')
    t.ok(firstSignal.aborted)
    const [info] = await registered
    t.ok(info.reregistration)
    t.not(info.registration, first)
    await updated
    const now = (await group.members()).get('m')!
    t.same(now.data, { host: 'm', port: 2 }, 'the latest data')
    t.equal(now.registration, info.registration)
    await m.leave()
  })

  // Needs a connection that can be cut: on the real server only (ioredis-mock has no socket).
  if (target.name === 'redis-server') t.test('unreachable Redis: the local deadline fires before the key runs out; back: the lingering key is replaced', async (t) => {
    const proxy = await CutProxy.start({ port: redis.options.port!, frames: false })
    t.teardown(() => proxy.close())
    const own = new Redis(proxy.port, '127.0.0.1', recipeRedisOptions({ retryStrategy: () => 20 }))
    t.teardown(() => own.disconnect())
    const TTL_MS = 1_500
    // A large drift allowance keeps a wide window in which our key outlives our belief.
    const group = new RedisGroup(own, fresh(), { schema, ttlMs: TTL_MS, heartbeatIntervalMs: 300, clockDriftRatio: 0.3 })
    const m = await group.join({ host: 'u', port: 1 }, { id: 'u' })
    const errors: unknown[] = []
    m.on('error', (error) => errors.push(error))
    const key = m.path
    proxy.block()
    await nextEvent(m, 'suspended', 5_000)
    t.notOk(m.listed)
    const [lost] = await nextEvent<[RegistrationLostError]>(m, 'lost', 5_000)
    t.equal(lost.reason, 'expired')
    const pttl = await redis.pttl(key)
    t.ok(pttl > 0, `the member stopped believing ${pttl} ms before Redis would drop its key`)
    const registered = nextEvent<[RegistrationInfo]>(m, 'registered', 5_000)
    proxy.heal()
    const [info] = await registered
    t.ok(info.replacedLingering, 'the old registration\'s key was still there and was replaced')
    t.equal((await new RedisGroup(redis, group.name, { schema }).members()).get('u')!.registration, info.registration)
    t.ok(errors.length > 0, 'the failed heartbeats were reported')
    await m.leave()
    t.equal(await redis.exists(key), 0)
  })

  t.test('leave while the registration is lost wins over re-registering', async (t) => {
    const group = new RedisGroup(redis, fresh(), { schema, ttlMs: 1_000 })
    const m = await group.join({ host: 'l', port: 1 }, { id: 'l' })
    const registrations: RegistrationInfo[] = []
    m.on('registered', (info) => registrations.push(info))
    const lost = nextEvent(m, 'lost')
    await redis.del(m.path)
    const leaving = m.leave()
    await leaving
    await lost.catch(() => undefined)
    await sleep(300)
    t.equal(await redis.exists(m.path), 0)
    t.same(registrations, [], 'no registration after leave()')
  })

  t.test('id conflicts: fail, replace, wait', async (t) => {
    const name = fresh()
    const one = new RedisGroup(redis, name, { schema, ttlMs: 1_000 })
    const other = target.connect()
    const two = new RedisGroup(other, name, { schema, ttlMs: 1_000, heartbeatIntervalMs: 100 })
    const first = await one.join({ host: '1', port: 1 }, { id: 'same' })
    await t.rejects(two.join({ host: '2', port: 2 }, { id: 'same' }), MemberIdConflictError)
    await t.rejects(one.join({ host: '1', port: 1 }, { id: 'same' }), MemberIdConflictError, 'the same id twice on one connection')
    const waiting = two.join({ host: '2', port: 2 }, { id: 'same', onIdConflict: 'wait' })
    await sleep(150)
    await first.leave()
    const second = await waiting
    t.equal((await one.members()).get('same')!.data.host, '2')
    const lost = nextEvent<[RegistrationLostError]>(second, 'lost')
    const third = await one.join({ host: '3', port: 3 }, { id: 'same', onIdConflict: 'replace' })
    t.equal((await lost)[0].reason, 'expired', 'the replaced member finds its key gone at its next heartbeat')
    t.equal((await one.members()).get('same')!.data.host, '3')
    const back = nextEvent<[RegistrationInfo]>(second, 'registered')
    await third.leave()
    t.ok((await back)[0].reregistration, "policy 'wait': it registers again once the id is free")
    await second.leave()

    const failing = await one.join({ host: 'f', port: 1 }, { id: 'x' })
    const replacing = await two.join({ host: 'r', port: 2 }, { id: 'x', onIdConflict: 'replace' })
    await eventually(() => failing.endedBecause === 'conflict', "policy 'fail': the replaced member ends with conflict")
    t.equal((await one.members()).get('x')!.data.host, 'r')
    await replacing.leave()
  })
})
