// Group on a real server (Apache ZooKeeper 3.8, or ZOO_RECIPES_TARGET): join/leave/update,
// typed members with invalid data reported, watch order and coalescing, cancellation, id
// conflicts, a create whose reply is lost.
import t from 'tap'
import * as z from 'zod'
import { RecipeTimeoutError } from '@zoo/recipe-core'
import { CutProxy, selectedEnsemble } from '@zoo/recipe-core/testing'
import {
  Group, InvalidMemberDataError, MemberIdConflictError, MembershipEndedError, RegistrationLostError,
  type GroupUpdate, type MembershipEvent,
} from '../src/index.js'
import { clientFor, eventually, nextEvent, pullUntil, sleep } from './support/helpers.js'

const ensemble = await selectedEnsemble()({ members: 1, tickTimeMs: 500 })
t.teardown(() => ensemble.stop())

const schema = z.object({ host: z.string(), port: z.number().int(), version: z.string().default('1') })
const zk = await clientFor(t, ensemble.connectString)
const other = await clientFor(t, ensemble.connectString)

const kinds = (update: GroupUpdate<unknown>) => update.events.map((e) => `${e.type}:${e.member.id}`)

t.test('join, update, leave; members() typed; the membership says what happened', async (t) => {
  const group = new Group(zk, '/groups/basic', { schema })
  const reader = new Group(other, '/groups/basic', { schema })
  t.same((await reader.members()).members, [], 'no group node yet: no members')
  const m = await group.join({ host: 'a.local', port: 80 }, { id: 'a' })
  t.equal(m.path, '/groups/basic/a')
  t.ok(m.listed)
  t.notOk(m.signal.aborted)
  t.equal(m.registration?.sessionId, zk.sessionId)
  let snapshot = await reader.members()
  t.same(snapshot.ids, ['a'])
  const a = snapshot.get('a')!
  t.same(a.data, { host: 'a.local', port: 80, version: '1' }, 'data went through the schema (default applied)')
  t.equal(a.version, 0)
  t.equal(a.owner, `0x${zk.sessionId.toString(16)}`)
  t.ok(Math.abs(a.registeredAtMs - Date.now()) < 60_000)

  await m.update({ host: 'a.local', port: 81 })
  snapshot = await reader.members({ sync: true })
  t.equal(snapshot.get('a')!.data.port, 81)
  t.equal(snapshot.get('a')!.version, 1)
  t.equal(snapshot.get('a')!.registration, a.registration, 'an update keeps the registration')

  const ended = nextEvent<[string]>(m, 'ended')
  await m.leave()
  t.same(await ended, ['left'])
  t.ok(m.signal.aborted)
  t.equal((m.signal.reason as RegistrationLostError).reason, 'left')
  t.notOk(m.listed)
  t.same((await reader.members()).ids, [])
  await m.leave()
  t.pass('leave is idempotent')
  await t.rejects(m.update({ host: 'x', port: 1 }), MembershipEndedError)
  const again = await group.join({ host: 'a.local', port: 82 }, { id: 'a' })
  t.pass('the id is free again after leave')
  await again.leave()
})

t.test('invalid data: thrown at the writer, reported (never thrown) to readers', async (t) => {
  const group = new Group(zk, '/groups/invalid', { schema })
  await t.rejects(group.join({ host: 'h', port: 'eighty' as unknown as number }, { id: 'bad' }), InvalidMemberDataError)
  t.equal(await zk.exists('/groups/invalid/bad'), null, 'nothing was created for invalid data')
  const good = await group.join({ host: 'g', port: 1 }, { id: 'good' })
  await t.rejects(good.update({ host: 'g', port: -1.5 }), InvalidMemberDataError)
  t.equal((await group.members()).get('good')!.data.port, 1, 'a rejected update changes nothing')

  const watch = group.watch()
  t.teardown(() => void watch.return())
  await pullUntil(watch, (s) => s.has('good'))
  await other.create('/groups/invalid/garbage', Buffer.from('{not json'), { mode: 'ephemeral' })
  await other.create('/groups/invalid/wrong', JSON.stringify({ host: 7 }), { mode: 'ephemeral' })
  const seen: MembershipEvent<unknown>[] = []
  await pullUntil(watch, (s) => s.invalid.length === 2).then((updates) => updates.forEach((u) => seen.push(...u.events)))
  t.same(seen.map((e) => `${e.type}:${e.member.id}`).sort(), ['invalid:garbage', 'invalid:wrong'])
  const snapshot = await group.members()
  t.same(snapshot.ids, ['good'], 'invalid members are not members')
  const byId = new Map(snapshot.invalid.map((m) => [m.id, m]))
  t.equal(byId.get('garbage')!.error.reason, 'decode')
  t.equal(byId.get('wrong')!.error.reason, 'schema')
  t.ok(byId.get('wrong')!.error.issues.length > 0, 'the schema issues are there')
  t.equal(byId.get('garbage')!.raw.toString(), '{not json')

  // A valid member turning invalid leaves; turning valid again joins.
  await other.setData('/groups/invalid/wrong', JSON.stringify({ host: 'w', port: 2 }))
  const joined = await pullUntil(watch, (s) => s.has('wrong'))
  t.same(kinds(joined.at(-1)!), ['join:wrong'])
  await other.setData('/groups/invalid/wrong', 'null')
  const left = await pullUntil(watch, (s) => !s.has('wrong'))
  t.same(kinds(left.at(-1)!), ['leave:wrong', 'invalid:wrong'])
  await good.leave()
})

t.test('watch: an update per change, in order, with the events that lead to it', async (t) => {
  const group = new Group(zk, '/groups/order', { schema })
  const peer = new Group(other, '/groups/order', { schema })
  const b = await peer.join({ host: 'b', port: 2 }, { id: 'b' })
  const watch = group.watch()
  t.teardown(() => void watch.return())
  const first = await watch.next()
  t.ok(first.value!.initial)
  t.same(kinds(first.value!), ['join:b'], 'the first update joins everyone present')
  const steps: [string, () => Promise<unknown>, string[]][] = [
    ['join a', () => group.join({ host: 'a', port: 1 }, { id: 'a' }), ['join:a']],
    ['update b', () => b.update({ host: 'b', port: 3 }), ['change:b']],
    ['leave b', () => b.leave(), ['leave:b']],
    ['rejoin b', () => peer.join({ host: 'b', port: 4 }, { id: 'b' }), ['join:b']],
  ]
  for (const [what, act, expected] of steps) {
    await act()
    const update = await watch.next()
    t.same(kinds(update.value!), expected, what)
    t.equal(update.value!.reads, 1)
  }
  const last = (await group.members()).members
  t.same(watch.reader.snapshot().snapshot.members, last, 'the watch agrees with a fresh read')
  const change = (await (async () => {
    const a = (await group.members()).get('a')!
    return a
  })())
  t.equal(change.version, 0)
  await other.delete('/groups/order/b')
  t.same(kinds((await watch.next()).value!), ['leave:b'])
  await group.watch({ signal: AbortSignal.abort() }).next().then((r) => t.ok(r.done, 'an aborted signal ends the watch at once'))
})

t.test('watch: a burst is coalesced and the last snapshot is the truth', async (t) => {
  const group = new Group(zk, '/groups/burst', { schema })
  const writer = new Group(other, '/groups/burst', { schema })
  const watch = group.watch()
  t.teardown(() => void watch.return())
  await watch.next()
  const hot = await writer.join({ host: 'hot', port: 0 }, { id: 'hot' })
  const UPDATES = 300
  const JOINS = 40
  // Fire everything without waiting between writes, while the consumer does not pull.
  const writes: Promise<unknown>[] = []
  for (let i = 1; i <= UPDATES; i++) writes.push(hot.update({ host: 'hot', port: i }))
  const joined = await Promise.all(Array.from({ length: JOINS }, (_, i) => writer.join({ host: `j${i}`, port: i }, { id: `j${i}` })))
  await Promise.all(writes)
  await Promise.all(joined.slice(0, JOINS / 2).map((m) => m.leave()))
  const truth = await group.members({ sync: true })
  t.equal(truth.get('hot')!.data.port, UPDATES)
  t.equal(truth.size, 1 + JOINS / 2)
  const updates = await pullUntil(watch, (s) => s.get('hot')?.data.port === UPDATES && s.size === truth.size)
  const final = updates.at(-1)!.snapshot
  t.same(final.members, truth.members, 'the last snapshot equals a fresh read')
  t.ok(updates.length < 10, `${updates.length} updates for ${UPDATES + JOINS * 1.5 + 1} changes`)
  t.ok(updates.some((u) => u.reads > 1), 'reads were folded while the consumer was away')
  t.ok(watch.rereader.passes < UPDATES, `${watch.rereader.passes} read passes for ${UPDATES} updates`)
  // The events of the folded updates still take a consumer from the first snapshot to the last.
  const state = new Map<string, number>()
  for (const u of [{ events: [{ type: 'join', member: { id: 'hot', version: -1 } }] }, ...updates] as GroupUpdate<unknown>[]) {
    for (const e of u.events) {
      if (e.type === 'join' || e.type === 'change') state.set(e.member.id, e.member.version)
      if (e.type === 'leave') state.delete(e.member.id)
    }
  }
  t.same([...state.keys()].sort(), final.ids, 'replaying the events gives the final membership')
  await Promise.all([hot, ...joined.slice(JOINS / 2)].map((m) => m.leave()))
})

t.test('cancellation: join, watch and members take a signal; nothing stays behind', async (t) => {
  const group = new Group(zk, '/groups/cancel', { schema })
  await t.rejects(group.join({ host: 'x', port: 1 }, { id: 'x', signal: AbortSignal.abort(new Error('no')) }), { message: 'no' })
  t.equal(await zk.exists('/groups/cancel/x'), null, 'an aborted join leaves no node')
  await t.rejects(group.members({ signal: AbortSignal.abort(new Error('stop')) }), { message: 'stop' })

  // A join waiting for a held id gives up at its timeout, and leaves nothing.
  const holder = await new Group(other, '/groups/cancel', { schema }).join({ host: 'h', port: 1 }, { id: 'held' })
  await t.rejects(group.join({ host: 'y', port: 1 }, { id: 'held', onIdConflict: 'wait', timeoutMs: 300 }), RecipeTimeoutError)
  t.equal((await group.members()).get('held')!.data.host, 'h')

  const controller = new AbortController()
  const watch = group.watch({ signal: controller.signal })
  await watch.next()
  const pending = watch.next()
  controller.abort()
  t.same(await pending, { value: undefined, done: true }, 'aborting ends a waiting next()')
  const broken = group.watch()
  for await (const update of broken) {
    t.ok(update.initial)
    break
  }
  t.same(await broken.next(), { value: undefined, done: true }, 'break ends the watch')
  await holder.leave()
})

t.test('id conflicts: fail (default), wait, replace; one registration per id in a process', async (t) => {
  const mine = new Group(zk, '/groups/ids', { schema })
  const theirs = new Group(other, '/groups/ids', { schema })
  const first = await theirs.join({ host: 'first', port: 1 }, { id: 'same' })
  const error = await mine.join({ host: 'second', port: 2 }, { id: 'same' }).catch((e: unknown) => e)
  t.ok(error instanceof MemberIdConflictError)
  t.equal((error as MemberIdConflictError).holder, `0x${other.sessionId.toString(16)}`)
  await t.rejects(theirs.join({ host: 'again', port: 1 }, { id: 'same' }), MemberIdConflictError, 'the same id twice through one client')

  const waiting = mine.join({ host: 'second', port: 2 }, { id: 'same', onIdConflict: 'wait' })
  await sleep(200)
  await first.leave()
  const second = await waiting
  t.equal((await mine.members()).get('same')!.data.host, 'second', 'wait: joined once the holder left')

  const lost = nextEvent<[RegistrationLostError]>(second, 'lost')
  const third = await theirs.join({ host: 'third', port: 3 }, { id: 'same', onIdConflict: 'replace' })
  t.equal((await lost)[0].reason, 'removed', 'the replaced member learns it was removed')
  t.equal(second.endedBecause, 'removed')
  await sleep(300)
  t.equal((await mine.members()).get('same')!.data.host, 'third', 'and does not come back')
  await third.leave()
})

t.test('a create whose reply is lost: the node is found by name and owner, not duplicated or refused', async (t) => {
  const proxy = await CutProxy.start({ port: ensemble.port(ensemble.ids[0]!) })
  t.teardown(() => proxy.close())
  const zkp = await clientFor(t, proxy.address)
  const group = new Group(zkp, '/groups/lost-reply', { schema })
  await group.members()
  const dropped = proxy.dropReplyOf()
  const joining = group.join({ host: 'p', port: 1 }, { id: 'p' })
  await dropped
  const m = await joining
  t.ok(m.listed || (await eventually(() => m.listed, 'listed')))
  const snapshot = await group.members()
  t.same(snapshot.ids, ['p'])
  t.equal(snapshot.get('p')!.owner, `0x${zkp.sessionId.toString(16)}`)
  await m.leave()
  t.same((await group.members()).ids, [])
})

t.test('layouts: kazoo Party names and skips; options are checked', async (t) => {
  const party = new Group(zk, '/groups/party', { schema: z.string(), layout: 'kazoo-party' })
  const m = await party.join('worker-1')
  t.match(m.path, /^\/groups\/party\/[0-9a-f]{32}__party__$/)
  await other.create('/groups/party/not-a-member', 'x')
  const snapshot = await party.members()
  t.same(snapshot.members.map((x) => x.data), ['worker-1'])
  t.same(snapshot.invalid, [], 'a child without __party__ is not a member (as kazoo)')
  await m.leave()
  t.throws(() => new Group(zk, '/groups/x', { schema, layout: 'nope' as 'zoo' }), /layout/)
  t.throws(() => new Group(zk, '/groups/x', { schema: {} as z.ZodType }), /zod/)
  t.throws(() => new Group(zk, '/', { schema }), /root/)
  await t.rejects(new Group(zk, '/groups/x', { schema }).join({ host: 'a', port: 1 }, { id: 'a/b' }), RangeError)
})
