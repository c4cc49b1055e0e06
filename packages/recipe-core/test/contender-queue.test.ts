// The contender queue against a real server (Apache ZooKeeper 3.8 standalone, or the target
// chosen by ZOO_RECIPES_TARGET): order, handoff, herd, protected create, place-lost signals.
import t from 'tap'
import { createClient, type ZooKeeperClient } from '@zoo/client'
import { ContenderQueue, firstN, noneAheadOf } from '../src/contender-queue.js'
import { curatorNaming, kazooNaming, zooNaming } from '../src/naming.js'
import { PlaceLostError, RecipeTimeoutError, whenAborted } from '../src/signals.js'
import { CutProxy, requestOpcodes, roundTrips, selectedEnsemble, settled } from '../src/testing.js'

const ensemble = await selectedEnsemble()({ members: 1 })
t.teardown(() => ensemble.stop())

async function client(connectString = ensemble.connectString, sessionTimeoutMs = 10_000): Promise<ZooKeeperClient> {
  const zk = await createClient(connectString, { sessionTimeoutMs })
  t.teardown(() => zk.close())
  return zk
}

const zk = await client()

t.test('join orders contenders; the first holds; leave hands over; contenders() lists ids', async (t) => {
  const queue = (id: string) => new ContenderQueue(zk, '/q/order', { naming: kazooNaming(), data: id })
  const a = await queue('a').join('lock')
  const b = await queue('b').join('lock')
  const c = await queue('c').join('lock')
  t.ok(a.czxid < b.czxid && b.czxid < c.czxid, 'czxid grows with creation')
  t.same((await queue('x').contenders()).map((x) => x.id), ['a', 'b', 'c'])
  t.same(await a.check(firstN(1)), { holds: true })
  t.same(await c.check(firstN(1)), { holds: false, watch: b.name })
  t.same(await c.check(firstN(3)), { holds: true }, 'firstN(3) lets three hold')
  const bHolds = b.waitUntil(firstN(1))
  await a.leave()
  await bHolds
  t.ok(b.wakeups <= 1, 'at most one wake-up (none when the release came before the watch)')
  await a.leave()
  t.pass('leave is idempotent')
  await b.leave()
  await c.leave()
  t.same((await zk.getChildren('/q/order')).children, [])
})

t.test('a waiter that times out keeps its node until it leaves; no foreign node is touched', async (t) => {
  const queue = new ContenderQueue(zk, '/q/timeout', { naming: zooNaming(), parentMode: 'persistent' })
  await zk.mkdirp('/q/timeout/foreign-node')
  const a = await queue.join('lock')
  const b = await queue.join('lock')
  await t.rejects(b.waitUntil(firstN(1), { timeoutMs: 200 }), RecipeTimeoutError)
  const aborted = new AbortController()
  const waiting = b.waitUntil(firstN(1), { signal: aborted.signal })
  aborted.abort(new Error('caller gave up'))
  await t.rejects(waiting, { message: 'caller gave up' })
  await b.leave()
  await a.leave()
  t.same((await zk.getChildren('/q/timeout')).children, ['foreign-node'])
})

t.test('no herd: each release wakes exactly one waiter, in order', async (t) => {
  const queue = new ContenderQueue(zk, '/q/herd', { naming: curatorNaming() })
  const contenders = []
  for (let i = 0; i < 12; i++) contenders.push(await queue.join('lock'))
  const holding = contenders.map((c) => c.waitUntil(firstN(1)).then(() => c))
  t.equal(await holding[0], contenders[0])
  // Every waiter has set its watch before the first release (else it finds the node gone: no wake-up).
  await settled(zk, 3)
  for (let i = 0; i < contenders.length - 1; i++) {
    const before = contenders.reduce((sum, c) => sum + c.wakeups, 0)
    await contenders[i]!.leave()
    t.equal(await holding[i + 1], contenders[i + 1], `contender ${i + 1} holds after ${i} left`)
    const woken = contenders.reduce((sum, c) => sum + c.wakeups, 0) - before
    t.equal(woken, 1, `release ${i} woke exactly one waiter`)
  }
  await contenders.at(-1)!.leave()
})

t.test('readers share, a writer waits for the readers ahead and blocks the readers behind', async (t) => {
  const naming = kazooNaming()
  const queue = new ContenderQueue(zk, '/q/rw', { naming })
  const read = noneAheadOf<'lock' | 'read'>(['lock'])
  const r1 = await queue.join('read')
  const r2 = await queue.join('read')
  const w = await queue.join('lock')
  const r3 = await queue.join('read')
  t.same(await r2.check(read), { holds: true })
  t.same(await w.check(firstN(1)), { holds: false, watch: r2.name })
  t.same(await r3.check(read), { holds: false, watch: w.name })
  await Promise.all([r1.leave(), r2.leave()])
  await w.waitUntil(firstN(1))
  const r3Holds = r3.waitUntil(read)
  await w.leave()
  await r3Holds
  await r3.leave()
})

t.test('protected create: a reply lost after the server applied the create leaves no orphan', async (t) => {
  const proxy = await CutProxy.start({ port: ensemble.port(ensemble.ids[0]!) })
  t.teardown(() => proxy.close())
  const viaProxy = await client(proxy.address)
  for (const naming of [kazooNaming(), curatorNaming(), zooNaming()] as const) {
    const path = `/q/protected-${naming.style}`
    const queue = new ContenderQueue(viaProxy, path, { naming: naming as ReturnType<typeof kazooNaming> })
    await zk.mkdirp(path)
    const dropped = proxy.dropReplyOf()
    const joining = queue.join('lock')
    await dropped
    const contender = await joining
    const { children } = await zk.getChildren(path)
    t.same(children, [contender.name], `${naming.style}: exactly one node, and it is the one join returned`)
    t.equal((await zk.exists(contender.path))?.ephemeralOwner, viaProxy.sessionId)
    t.equal((await zk.exists(contender.path))?.czxid, contender.czxid, 'czxid of the recovered node')
    await contender.leave()
    t.same((await zk.getChildren(path)).children, [])
  }
})

t.test('a join aborted while its create is in flight has removed that node when it rejects', async (t) => {
  const other = await client()
  const queue = new ContenderQueue(other, '/q/abort-in-flight', { naming: kazooNaming() })
  await zk.mkdirp('/q/abort-in-flight')
  let inFlight = 0
  for (let i = 0; i < 20; i++) {
    const controller = new AbortController()
    const joining = queue.join('lock', { signal: controller.signal })
    // After the create has gone out, before its reply: the server may still apply it.
    await Promise.resolve()
    controller.abort(new Error('caller gave up'))
    const error = await joining.then(() => undefined, (e: unknown) => e)
    if (error === undefined) continue
    inFlight++
    t.same((await zk.getChildren('/q/abort-in-flight')).children, [], `attempt ${i}: no node left once join rejected`)
  }
  t.ok(inFlight > 0, `some joins were aborted in flight (${inFlight} of 20)`)
})

/**
 * Resolves once `signal` has aborted, also when it already had: the watcher's notification may
 * come (through the proxy) before the deleting client's own reply, so the abort can happen
 * while the test still awaits the delete.
 */
function aborted(signal: AbortSignal): Promise<PlaceLostError> {
  return whenAborted(signal).promise as Promise<PlaceLostError>
}

t.test('holdSignal: aborts on connection loss, on deletion of the node, and on leave', async (t) => {
  const proxy = await CutProxy.start({ port: ensemble.port(ensemble.ids[0]!) })
  t.teardown(() => proxy.close())
  const viaProxy = await client(proxy.address)
  const queue = new ContenderQueue(viaProxy, '/q/signal', { naming: kazooNaming() })

  const a = await queue.join('lock')
  const suspended = a.holdSignal()
  t.notOk(suspended.aborted)
  proxy.cut()
  t.equal((await aborted(suspended)).reason, 'suspended')
  await a.leave()

  const b = await queue.join('lock')
  const deleted = b.holdSignal()
  await zk.delete(b.path)
  t.equal((await aborted(deleted)).reason, 'nodeDeleted')
  await t.rejects(b.check(firstN(1)), { name: 'PlaceLostError', reason: 'nodeDeleted' })
  await b.leave()

  const c = await queue.join('lock')
  const left = c.holdSignal()
  await c.leave()
  t.equal((left.reason as PlaceLostError).reason, 'left')
  t.equal((c.holdSignal().reason as PlaceLostError).reason, 'left', 'a signal taken after leaving is aborted already')
})

t.test('czxid keeps growing when the queue node is deleted and re-created; the sequence does not', async (t) => {
  const queue = new ContenderQueue(zk, '/q/recreated/lock', { naming: kazooNaming() })
  const first = await queue.join('lock')
  await first.leave()
  await zk.delete('/q/recreated/lock')
  const second = await queue.join('lock')
  t.ok(second.czxid > first.czxid, 'czxid is a fencing token across parents')
  t.equal(second.sequence, first.sequence, 'the sequence restarts with the parent: no fencing token')
  await second.leave()
})

/** Opcodes (packages/protocol constants) of the requests these tests count. */
const OP = { delete: 2, getData: 4, create: 1, getChildren2: 12, create2: 15, createContainer: 19 } as const

t.test('round trips: join, check and leave take one each; the own-node watch rides with the check', async (t) => {
  const proxy = await CutProxy.start({ port: ensemble.port(ensemble.ids[0]!) })
  t.teardown(() => proxy.close())
  const viaProxy = await client(proxy.address)
  await zk.mkdirp('/q/trips/lock')
  const queue = new ContenderQueue(viaProxy, '/q/trips/lock', { naming: kazooNaming() })
  const frames = proxy.startRecording()
  const a = await queue.join('lock')
  t.same(await a.check(firstN(1)), { holds: true })
  const first = a.holdSignal()
  const second = a.holdSignal()
  await a.leave()
  t.same(requestOpcodes(frames), [OP.create2, OP.getChildren2, OP.getData, OP.delete], 'one getData for the hold signals, none of its own after the check')
  t.equal(roundTrips(frames), 3, 'create2 | getChildren2 + getData | delete')
  t.equal((first.reason as PlaceLostError).reason, 'left')
  t.equal((second.reason as PlaceLostError).reason, 'left')
})

t.test('the watch armed by a check serves hold signals taken later: deletion before or after', async (t) => {
  const proxy = await CutProxy.start({ port: ensemble.port(ensemble.ids[0]!) })
  t.teardown(() => proxy.close())
  const viaProxy = await client(proxy.address)
  const queue = new ContenderQueue(viaProxy, '/q/own-watch', { naming: zooNaming() })

  const a = await queue.join('lock')
  await a.check(firstN(1))
  const frames = proxy.startRecording()
  const early = a.holdSignal()
  const late = a.holdSignal()
  t.same(requestOpcodes(frames), [], 'no request: the check armed the watch')
  await viaProxy.setData(a.path, 'changed by someone')
  t.notOk(early.aborted, 'a change of data is no loss')
  await zk.delete(a.path)
  t.equal((await aborted(early)).reason, 'nodeDeleted')
  t.equal((await aborted(late)).reason, 'nodeDeleted')
  t.equal((a.holdSignal().reason as PlaceLostError).reason, 'nodeDeleted', 'a signal taken after the deletion was seen is aborted already')
  await a.leave()

  const b = await queue.join('lock')
  await b.check(firstN(1))
  await zk.delete(b.path)
  await t.rejects(b.check(firstN(1)), { name: 'PlaceLostError', reason: 'nodeDeleted' })
  t.equal((await aborted(b.holdSignal())).reason, 'nodeDeleted', 'deleted between the check and the hold signal')
  await b.leave()
})

t.test('a missing queue node and its ancestors are created in one round trip', async (t) => {
  const proxy = await CutProxy.start({ port: ensemble.port(ensemble.ids[0]!) })
  t.teardown(() => proxy.close())
  const viaProxy = await client(proxy.address)
  const path = `/q/fresh-${Date.now()}/a/b/lock`
  const queue = new ContenderQueue(viaProxy, path, { naming: kazooNaming() })
  const frames = proxy.startRecording()
  const a = await queue.join('lock')
  t.same(requestOpcodes(frames), [OP.create2, OP.create, OP.create, OP.create, OP.create, OP.createContainer, OP.create2])
  t.equal(roundTrips(frames), 3, 'create2 (NONODE) | ancestors + container | create2')
  t.equal(a.path.slice(0, a.path.lastIndexOf('/')), path)
  await a.leave()
})
