// A membership across connection loss and session expiry (recipe-pitfalls #10): re-registered
// with the same id and the latest data, a node left by our old session deleted first, leave
// winning over a re-registration in flight, eviction, a closed client, no renewal. The member's
// client goes through a CutProxy, so the test decides when it is cut off.
import t, { type Test } from 'tap'
import * as z from 'zod'
import { createClient } from '@zoo/client'
import { CutProxy, selectedEnsemble } from '@zoo/recipe-core/testing'
import { Group, MembershipEndedError, type RegistrationInfo, type RegistrationLostError } from '../src/index.js'
import { clientFor, eventually, nextEvent, pullUntil, sleep } from './support/helpers.js'

const ensemble = await selectedEnsemble()({ members: 1, tickTimeMs: 500 })
t.teardown(() => ensemble.stop())

const SESSION_TIMEOUT_MS = 2_000
const schema = z.object({ host: z.string(), port: z.number().int() })
const zk = await clientFor(t, ensemble.connectString)

async function member(t: Test, group: string, id: string, clientOptions = {}) {
  const proxy = await CutProxy.start({ port: ensemble.port(ensemble.ids[0]!) })
  t.teardown(() => proxy.close())
  const zkp = await clientFor(t, proxy.address, { sessionTimeoutMs: SESSION_TIMEOUT_MS, ...clientOptions })
  const membership = await new Group(zkp, group, { schema }).join({ host: id, port: 1 }, { id })
  return { proxy, zkp, membership, path: `${group}/${id}` }
}


t.test('after an expiry: registered again, same id, the LATEST data; the old signal fired first', async (t) => {
  const { proxy, zkp, membership: m, path } = await member(t, '/s/rereg', 'm')
  const observer = new Group(zk, '/s/rereg', { schema })
  const watch = observer.watch()
  t.teardown(() => void watch.return())
  const before = (await pullUntil(watch, (s) => s.has('m'))).at(-1)!.snapshot.get('m')!
  const firstSignal = m.signal
  const oldSession = zkp.sessionId
  await m.update({ host: 'm', port: 2 })

  proxy.block()
  await nextEvent(m, 'suspended')
  t.notOk(m.listed, 'a cut-off member does not believe it is listed')
  t.notOk(firstSignal.aborted, 'suspended is not lost: the session may survive')
  const updated = m.update({ host: 'm', port: 3 })
  const [lost] = await nextEvent<[RegistrationLostError]>(m, 'lost', 10_000)
  const lostAtMs = Date.now()
  t.equal(lost.reason, 'expired')
  t.ok(firstSignal.aborted)
  t.equal((firstSignal.reason as RegistrationLostError).reason, 'expired')

  // The observer sees the old registration go: never before the member itself knew.
  const gone = pullUntil(watch, (s) => s.get('m')?.registration !== before.registration, 15_000).then((updates) => ({ atMs: Date.now(), updates }))
  const registered = nextEvent<[RegistrationInfo]>(m, 'registered', 15_000)
  proxy.heal()
  const [info] = await registered
  t.ok(info.reregistration)
  t.equal(info.id, 'm')
  t.not(info.sessionId, oldSession, 'a new session')
  await updated
  t.pass('the update made while away resolved with the re-registration')
  const { atMs: goneAtMs, updates } = await gone
  t.ok(lostAtMs <= goneAtMs, `the member knew it was lost ${goneAtMs - lostAtMs} ms before the watcher saw it go`)
  // The old node may go first (the servers expire it) or be replaced in one step (it lingered).
  let latest = updates.at(-1)!.snapshot
  if (latest.get('m')?.data.port !== 3) latest = (await pullUntil(watch, (s) => s.get('m')?.data.port === 3)).at(-1)!.snapshot
  const after = latest.get('m')!
  t.not(after.registration, before.registration, 'a new registration (a new node)')
  t.same(after.data, { host: 'm', port: 3 }, 'with the latest data, not that of the first join or of the last applied update (CURATOR-146/-181)')
  t.equal(after.version, 0, 'created with it, not corrected by a later write')
  t.ok(m.listed)
  t.notOk(m.signal.aborted, 'the new registration has a fresh signal')
  t.equal((await zk.exists(path))!.ephemeralOwner, zkp.sessionId)
  await m.leave()
})

t.test('a node our expired session left behind is deleted, then created again (apache/dubbo#5135)', async (t) => {
  const { proxy, zkp, membership: m, path } = await member(t, '/s/linger', 'l')
  const old = { id: zkp.sessionId, password: zkp.sessionPassword }
  proxy.block()
  // A second client takes over the old session and keeps it, and so its node, alive.
  const twin = await createClient(ensemble.connectString, { session: old, sessionTimeoutMs: SESSION_TIMEOUT_MS })
  t.teardown(() => twin.close())
  await nextEvent(m, 'lost', 10_000)
  t.equal((await zk.exists(path))!.ephemeralOwner, old.id, 'the old node lingers')
  const registered = nextEvent<[RegistrationInfo]>(m, 'registered', 10_000)
  proxy.heal()
  const [info] = await registered
  t.ok(info.replacedLingering, 'the lingering node was replaced')
  const stat = await zk.exists(path)
  t.equal(stat!.ephemeralOwner, zkp.sessionId, 'the node is the new session\'s')
  await twin.close()
  await sleep(300)
  t.ok(await zk.exists(path), 'closing the old session takes nothing of the new registration')
  await m.leave()
})

t.test('leave while disconnected wins over the reconnect (CURATOR-164)', async (t) => {
  const { proxy, membership: m, path } = await member(t, '/s/leave-suspended', 'u')
  const registrations: RegistrationInfo[] = []
  m.on('registered', (info) => registrations.push(info))
  proxy.block()
  await nextEvent(m, 'suspended')
  const leaving = m.leave()
  await sleep(200)
  proxy.heal()
  await leaving
  t.equal(await zk.exists(path), null)
  await sleep(800)
  t.equal(await zk.exists(path), null, 'and it does not come back')
  t.same(registrations, [])
})

t.test('leave while the session is gone: no re-registration, and a lingering node is removed', async (t) => {
  const { proxy, membership: m, path } = await member(t, '/s/leave-expired', 'e')
  const registrations: RegistrationInfo[] = []
  m.on('registered', (info) => registrations.push(info))
  proxy.block()
  await nextEvent(m, 'lost', 10_000)
  const leaving = m.leave()
  proxy.heal()
  await leaving
  t.equal(await zk.exists(path), null)
  await sleep(800)
  t.equal(await zk.exists(path), null)
  t.same(registrations, [], 'never registered again')
  t.equal(m.endedBecause, 'left')
})

t.test('leave racing a re-registration whose create reply is lost: the node it made is deleted', async (t) => {
  const { proxy, membership: m, path } = await member(t, '/s/leave-race', 'r')
  proxy.block()
  await nextEvent(m, 'lost', 10_000)
  await eventually(async () => (await zk.exists(path)) === null, 'the server to expire the old session')
  const dropped = proxy.dropReplyOf()
  proxy.heal()
  await dropped
  t.ok(await zk.exists(path), 'the re-registration reached the server; its reply did not reach us')
  await m.leave()
  t.equal(await zk.exists(path), null, 'leave deleted the node our lost create made')
  await sleep(800)
  t.equal(await zk.exists(path), null)
})

t.test('a short disconnection: suspended, then confirmed; the registration and its signal stay', async (t) => {
  const { proxy, membership: m } = await member(t, '/s/blip', 'b')
  const registration = m.registration!.registration
  const signal = m.signal
  proxy.cut()
  await eventually(() => m.listed, 'confirmed again')
  t.notOk(signal.aborted)
  t.equal(m.registration!.registration, registration)
  proxy.block()
  await nextEvent(m, 'suspended')
  const confirmed = nextEvent(m, 'confirmed')
  await sleep(300)
  proxy.heal()
  await confirmed
  t.ok(m.listed)
  t.equal(m.signal, signal)
  await m.leave()
})

t.test('evicted (node deleted by someone else): lost and ended with `removed`, not re-created', async (t) => {
  const { membership: m, path } = await member(t, '/s/evict', 'v')
  const lost = nextEvent<[RegistrationLostError]>(m, 'lost')
  await zk.delete(path)
  t.equal((await lost)[0].reason, 'removed')
  t.equal(m.endedBecause, 'removed')
  t.equal((m.signal.reason as RegistrationLostError).reason, 'removed')
  await sleep(300)
  t.equal(await zk.exists(path), null)
  await t.rejects(m.update({ host: 'v', port: 2 }), MembershipEndedError)
  await m.leave()
})

t.test('client closed: the membership ends `closed`; without session renewal an expiry ends it', async (t) => {
  const closing = await member(t, '/s/end', 'c')
  const ended = nextEvent<[string]>(closing.membership, 'ended')
  await closing.zkp.close()
  t.same(await ended, ['closed'])
  await closing.membership.leave()

  const once = await member(t, '/s/end', 'n', { renewSessionOnExpiry: false })
  once.proxy.block()
  const [reason] = await nextEvent<[string]>(once.membership, 'ended', 10_000)
  t.equal(reason, 'expired')
  await t.rejects(once.membership.update({ host: 'n', port: 2 }), MembershipEndedError)
})
