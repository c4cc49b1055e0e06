import t, { type Test } from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { createClient, type ZooKeeperClient } from '@zoo/client'
import { CREATE_OPCODES, CutProxy } from '@zoo/recipe-core/testing'
import { waitFor } from '@zoo/testkit'
import { InvalidOptionsError, LatchClosedError, LeaderLatch, LeadershipTimeoutError, type LeaderLatchOptions, type LostReason } from '../src/index.js'
import { startTarget, type LatchTarget } from './support/target.js'

const SESSION_TIMEOUT_MS = 2_000
const TICK_MS = 500

let target: LatchTarget
let pathCount = 0

t.before(async () => {
  target = await startTarget({ members: 1, tickTimeMs: TICK_MS })
})
t.teardown(() => target.stop())

async function client(t: Test, connectString = target.connectString): Promise<ZooKeeperClient> {
  const zk = await createClient(connectString, { sessionTimeoutMs: SESSION_TIMEOUT_MS })
  t.teardown(() => zk.close())
  return zk
}

function latch(t: Test, zk: ZooKeeperClient, path: string, options: LeaderLatchOptions): LeaderLatch {
  const l = new LeaderLatch(zk, path, { serverTickTimeMs: TICK_MS, ...options })
  t.teardown(() => l.close())
  return l
}

function nextEvent(l: LeaderLatch, event: 'notLeader'): Promise<{ reason: LostReason; epoch: bigint; atMs: number }>
function nextEvent(l: LeaderLatch, event: 'isLeader'): Promise<{ epoch: bigint; atMs: number }>
function nextEvent(l: LeaderLatch, event: 'isLeader' | 'notLeader'): Promise<unknown> {
  return new Promise((resolve) => {
    if (event === 'isLeader') l.once('isLeader', (term) => resolve({ epoch: term.epoch, atMs: performance.now() }))
    else l.once('notLeader', (reason, epoch) => resolve({ reason, epoch, atMs: performance.now() }))
  })
}

const fresh = () => `/latch-test/p${pathCount++}`

t.test('options are checked', async (t) => {
  const zk = await client(t)
  t.throws(() => new LeaderLatch(zk, '/x', { id: '' }), InvalidOptionsError)
  t.throws(() => new LeaderLatch(zk, '/x', { id: 'a', naming: 'etcd' as never }), InvalidOptionsError)
  t.throws(() => new LeaderLatch(zk, '/x', { id: 'a', standDownOn: 'never' as never }), InvalidOptionsError)
})

t.test('the lowest node leads; leader(), participants(), epoch = czxid; close hands over at once', async (t) => {
  const path = fresh()
  const [za, zb, zc] = await Promise.all([client(t), client(t), client(t)])
  const a = latch(t, za, path, { id: 'a' })
  await a.start()
  const term = await a.awaitLeadership({ timeoutMs: 5_000 })
  const b = latch(t, zb, path, { id: 'b' })
  const c = latch(t, zc, path, { id: 'c' })
  await b.start()
  await c.start()
  t.ok(a.hasLeadership())
  t.notOk(b.hasLeadership() || c.hasLeadership())
  const stat = await za.exists(a.ourPath!)
  t.equal(term.epoch, stat!.czxid, 'the epoch is the czxid of the leader node')
  t.same((await b.participants()).map((p) => [p.id, p.isLeader]), [['a', true], ['b', false], ['c', false]])
  const leader = await c.leader()
  t.equal(leader?.id, 'a')
  t.equal(leader?.epoch, term.epoch)
  const bLeads = nextEvent(b, 'isLeader')
  const closedAt = performance.now()
  await a.close()
  t.ok(term.signal.aborted, 'the term ended before close() returned')
  const next = await bLeads
  t.ok(next.epoch > term.epoch, 'the next epoch is higher')
  t.ok(next.atMs - closedAt < 1_000, `handover after close took ${Math.round(next.atMs - closedAt)} ms`)
  t.notOk(c.hasLeadership())
  await t.rejects(a.awaitLeadership(), LatchClosedError)
  t.same((await c.participants()).map((p) => p.id), ['b', 'c'])
})

t.test('awaitLeadership honours timeoutMs and signal', async (t) => {
  const path = fresh()
  const [za, zb] = await Promise.all([client(t), client(t)])
  const a = latch(t, za, path, { id: 'a' })
  await a.start()
  await a.awaitLeadership()
  const b = latch(t, zb, path, { id: 'b' })
  await b.start()
  await t.rejects(b.awaitLeadership({ timeoutMs: 100 }), LeadershipTimeoutError)
  const controller = new AbortController()
  const waiting = b.awaitLeadership({ signal: controller.signal })
  controller.abort(new Error('no longer interested'))
  await t.rejects(waiting, /no longer interested/)
})

t.test('default policy: stands down at once on connection loss, leads again on reconnect with the same epoch', async (t) => {
  const path = fresh()
  const proxy = await CutProxy.start({ port: target.port(target.ids[0]!) })
  t.teardown(() => proxy.close())
  const za = await client(t, proxy.address)
  const a = latch(t, za, path, { id: 'a' })
  await a.start()
  const term = await a.awaitLeadership()
  const lost = nextEvent(a, 'notLeader')
  const back = new Promise<{ epoch: bigint }>((resolve) => a.on('isLeader', (x) => resolve(x)))
  const cutAt = performance.now()
  proxy.cut()
  const { reason, atMs } = await lost
  t.equal(reason, 'suspended')
  t.ok(atMs - cutAt < 500, `stood down ${Math.round(atMs - cutAt)} ms after the cut`)
  t.notOk(a.hasLeadership())
  t.equal((await back).epoch, term.epoch, 'same node, same epoch after the re-check')
})

t.test("policy 'expired': keeps leading through a short disconnection", async (t) => {
  const path = fresh()
  const proxy = await CutProxy.start({ port: target.port(target.ids[0]!) })
  t.teardown(() => proxy.close())
  const za = await client(t, proxy.address)
  const a = latch(t, za, path, { id: 'a', standDownOn: 'expired' })
  await a.start()
  await a.awaitLeadership()
  let lost = 0
  a.on('notLeader', () => lost++)
  const suspended = new Promise<void>((resolve) => za.once('state', () => resolve()))
  proxy.cut()
  await suspended
  t.equal(za.state, 'suspended')
  t.ok(a.hasLeadership(), 'still leading while suspended, inside the deadline')
  await waitFor(async () => za.state === 'reconnected', 5_000, 'reconnect')
  await sleep(SESSION_TIMEOUT_MS)
  t.ok(a.hasLeadership())
  t.equal(lost, 0)
})

t.test("policy 'expired': the local deadline ends the term when the server stays away", async (t) => {
  const path = fresh()
  const proxy = await CutProxy.start({ port: target.port(target.ids[0]!) })
  t.teardown(() => proxy.close())
  const za = await client(t, proxy.address)
  // No serverTickTimeMs: the default (worst-case tick) deadline.
  const a = latch(t, za, path, { id: 'a', standDownOn: 'expired', serverTickTimeMs: undefined })
  await a.start()
  await a.awaitLeadership()
  const lost = nextEvent(a, 'notLeader')
  const blockedAt = performance.now()
  proxy.block()
  const { reason, atMs } = await lost
  t.ok(reason === 'deadline' || reason === 'expired', `lost by ${reason}`)
  t.ok(atMs - blockedAt <= SESSION_TIMEOUT_MS, `within the session timeout: ${Math.round(atMs - blockedAt)} ms`)
  proxy.heal()
})

t.test('after session expiry it rejoins with a new node and a higher epoch', async (t) => {
  const path = fresh()
  const proxy = await CutProxy.start({ port: target.port(target.ids[0]!) })
  t.teardown(() => proxy.close())
  const za = await client(t, proxy.address)
  const a = latch(t, za, path, { id: 'a' })
  await a.start()
  const first = await a.awaitLeadership()
  const firstPath = a.ourPath
  proxy.block()
  await waitFor(async () => za.state === 'expired', 10_000, 'the local expiry')
  // Let the server expire it too, so the old node is gone.
  await sleep(SESSION_TIMEOUT_MS)
  const again = nextEvent(a, 'isLeader')
  proxy.heal()
  const second = await again
  t.ok(second.epoch > first.epoch, 'a new term with a new epoch')
  t.not(a.ourPath, firstPath, 'a new node')
  t.same((await a.participants()).map((p) => p.path), [a.ourPath])
})

t.test('a deleted node deposes the leader at its next heartbeat', async (t) => {
  const path = fresh()
  const [za, zb] = await Promise.all([client(t), client(t)])
  const a = latch(t, za, path, { id: 'a', heartbeatIntervalMs: 100 })
  await a.start()
  await a.awaitLeadership()
  const b = latch(t, zb, path, { id: 'b' })
  await b.start()
  const lost = nextEvent(a, 'notLeader')
  const bLeads = nextEvent(b, 'isLeader')
  await zb.delete(a.ourPath!)
  t.equal((await lost).reason, 'deposed')
  await bLeads
  await waitFor(async () => (await b.participants()).length === 2, 5_000, 'a to rejoin')
  t.same((await b.participants()).map((p) => p.id), ['b', 'a'], 'a queued again behind b')
})

t.test('a silent server: leadership-lost arrives within the session timeout', async (t) => {
  // A server that stops answering without closing the connection (SIGSTOP): only time tells.
  const path = fresh()
  const za = await client(t)
  const a = latch(t, za, path, { id: 'a' })
  await a.start()
  await a.awaitLeadership()
  const lost = nextEvent(a, 'notLeader')
  const id = target.ids[0]!
  const pausedAt = performance.now()
  target.pause(id)
  t.teardown(() => target.resume(id))
  const { reason, atMs } = await lost
  target.resume(id)
  t.ok(atMs - pausedAt <= SESSION_TIMEOUT_MS, `notLeader (${reason}) ${Math.round(atMs - pausedAt)} ms after the server went silent`)
  await waitFor(async () => a.hasLeadership(), 10_000, 'leading again once the server is back')
})

t.test('runAsLeader with requeue passes leadership around and aborts the signal on loss', async (t) => {
  const path = fresh()
  const [za, zb] = await Promise.all([client(t), client(t)])
  const a = latch(t, za, path, { id: 'a' })
  const b = latch(t, zb, path, { id: 'b' })
  const stop = new AbortController()
  const log: string[] = []
  const work = (id: string) => async (signal: AbortSignal, term: { epoch: bigint }) => {
    log.push(`${id}@${term.epoch}`)
    await sleep(50, undefined, { signal }).catch(() => undefined)
  }
  const runs = [a.runAsLeader(work('a'), { requeue: true, signal: stop.signal }), b.runAsLeader(work('b'), { requeue: true, signal: stop.signal })]
  await waitFor(async () => log.length >= 6, 10_000, 'six terms')
  stop.abort()
  await Promise.all(runs)
  const epochs = log.map((x) => BigInt(x.split('@')[1]!))
  t.ok(epochs.every((e, i) => i === 0 || e > epochs[i - 1]!), `epochs increase: ${log.join(' ')}`)
  t.equal(new Set(log.map((x) => x[0])).size, 2, 'both led')
})

t.test('no herd: the leader leaving wakes exactly one participant (pitfall 1)', async (t) => {
  const path = fresh()
  const latches: LeaderLatch[] = []
  for (const id of ['a', 'b', 'c', 'd', 'e']) {
    const l = latch(t, await client(t), path, { id })
    await l.start()
    latches.push(l)
  }
  await latches[0]!.awaitLeadership()
  const before = latches.map((l) => l.wakeups)
  await latches[0]!.close()
  await latches[1]!.awaitLeadership({ timeoutMs: 5_000 })
  await sleep(300)
  const woken = latches.slice(1).map((l, i) => l.wakeups - before[i + 1]!)
  t.same(woken, [1, 0, 0, 0], 'only the successor was notified')
})

t.test('a create whose reply is lost leaves no orphan node (pitfall 2)', async (t) => {
  const path = fresh()
  const proxy = await CutProxy.start({ port: target.port(target.ids[0]!) })
  t.teardown(() => proxy.close())
  const za = await client(t, proxy.address)
  await za.mkdirp(path)
  const dropped = proxy.dropReplyOf(CREATE_OPCODES)
  const a = latch(t, za, path, { id: 'a' })
  await a.start()
  await dropped
  await a.awaitLeadership({ timeoutMs: 10_000 })
  const zb = await client(t)
  const { children } = await zb.getChildren(path)
  t.equal(children.length, 1, `one node, found again after the lost reply: ${children.join(', ')}`)
  t.equal(`${path}/${children[0]}`, a.ourPath)
})
