// Mutex against a real server (Apache ZooKeeper 3.8, or ZOO_RECIPES_TARGET): the API, no herd,
// protected creation through a lost reply, fencing tokens across a re-created parent, signals.
import t from 'tap'
import { createClient, isNoNode, type ZooKeeperClient } from '@zoo/client'
import { CutProxy, requestOpcodes, roundTrips, selectedEnsemble, settled } from '@zoo/recipe-core/testing'
import { Mutex, PlaceLostError, RecipeTimeoutError } from '../src/index.js'

const ensemble = await selectedEnsemble()({ members: 1 })
t.teardown(() => ensemble.stop())

async function client(connectString = ensemble.connectString): Promise<ZooKeeperClient> {
  const zk = await createClient(connectString, { sessionTimeoutMs: 10_000 })
  t.teardown(() => zk.close())
  return zk
}
const zk = await client()
const other = await client()

t.test('acquire, contenders in order, release hands over; tryAcquire; timeouts; abort', async (t) => {
  const a = new Mutex(zk, '/locks/basic', { id: 'a' })
  const b = new Mutex(other, '/locks/basic', { id: 'b' })
  const lease = await a.acquire()
  t.type(lease.token, 'bigint')
  t.notOk(lease.signal.aborted)
  t.equal(await b.tryAcquire(), undefined, 'tryAcquire does not wait')
  t.same((await zk.getChildren('/locks/basic')).children, [lease.path.split('/').pop()], 'tryAcquire left no node behind')
  await t.rejects(b.acquire({ timeoutMs: 150 }), RecipeTimeoutError)
  const controller = new AbortController()
  const aborted = b.acquire({ signal: controller.signal })
  setTimeout(() => controller.abort(new Error('shutting down')), 50)
  await t.rejects(aborted, { message: 'shutting down' })
  const waiting = b.acquire({ timeoutMs: 5_000 })
  await waitForContenders(a, 2)
  t.same(await a.contenders(), ['a', 'b'])
  await lease.release()
  t.ok(lease.signal.aborted, 'release aborts the lease signal')
  t.equal((lease.signal.reason as PlaceLostError).reason, 'left')
  const next = await waiting
  t.ok(next.token > lease.token, 'the fencing token grows')
  await lease.release()
  t.same((await zk.getChildren('/locks/basic')).children.length, 1, 'a second release deletes nothing (not the new holder\'s node)')
  await next.release()
  const free = await b.tryAcquire()
  t.ok(free, 'tryAcquire takes a free lock')
  await free!.release()
  t.same((await zk.getChildren('/locks/basic')).children, [])
})

t.test('await using releases at the end of the block', async (t) => {
  const mutex = new Mutex(zk, '/locks/dispose')
  let path: string
  {
    await using lease = await mutex.acquire()
    path = lease.path
    t.ok(await zk.exists(path))
  }
  t.equal(await zk.exists(path), null)
})

t.test('no herd: each release wakes exactly one of 20 waiters', async (t) => {
  const holder = new Mutex(zk, '/locks/herd')
  let current = await holder.acquire()
  const waiters = Array.from({ length: 20 }, (_, i) => new Mutex(i % 2 ? zk : other, '/locks/herd', { id: `w${i}` }))
  const pending = waiters.map((m) => m.acquire())
  await waitForContenders(holder, 21)
  // Every waiter has set its watch (create2 answered, check, getData of the one ahead) before the
  // first release; a waiter that finds the node ahead gone already is not woken by a notification.
  await Promise.all([settled(zk, 4), settled(other, 4)])
  const wakeups = () => waiters.reduce((sum, m) => sum + m.wakeups, 0)
  const order = await holder.contenders()
  for (let i = 0; i < waiters.length; i++) {
    const before = wakeups()
    await current.release()
    const index = waiters.findIndex((m) => `w${waiters.indexOf(m)}` === order[i + 1])
    current = await pending[index]!
    t.equal(wakeups() - before, 1, `handoff ${i + 1} woke one waiter`)
  }
  await current.release()
})

t.test('protected creation: a create whose reply is lost leaves no orphan', async (t) => {
  const proxy = await CutProxy.start({ port: ensemble.port(ensemble.ids[0]!) })
  t.teardown(() => proxy.close())
  const viaProxy = await client(proxy.address)
  for (const naming of ['kazoo', 'curator', 'zoo'] as const) {
    const path = `/locks/protected-${naming}`
    const mutex = new Mutex(viaProxy, path, { naming })
    const dropped = proxy.dropReplyOf()
    const acquiring = mutex.acquire({ timeoutMs: 10_000 })
    await dropped
    const lease = await acquiring
    const { children } = await zk.getChildren(path)
    t.equal(children.length, 1, `${naming}: one node after the lost reply`)
    t.equal(`${path}/${children[0]}`, lease.path, `${naming}: and it is the holder's`)
    await lease.release()
    t.same((await zk.getChildren(path)).children, [], `${naming}: none after release`)
  }
})

t.test('fencing token: czxid, strictly increasing even when the parent is deleted and re-created', async (t) => {
  const mutex = new Mutex(zk, '/locks/fence/recreated', { naming: 'curator' })
  const tokens: bigint[] = []
  const sequences: string[] = []
  for (let round = 0; round < 3; round++) {
    const lease = await mutex.acquire()
    tokens.push(lease.token)
    sequences.push(lease.path.slice(-10))
    t.equal((await zk.exists(lease.path))!.czxid, lease.token)
    await lease.release()
    // The parent is a container: once empty the server may reap it first (zoo's leader checks
    // on its first tick, ~1 s after start; Apache 60 s after start), and gone is what we want.
    await zk.delete('/locks/fence/recreated').catch((error: unknown) => {
      if (!isNoNode(error)) throw error
    })
  }
  t.ok(tokens[0]! < tokens[1]! && tokens[1]! < tokens[2]!, `tokens grow: ${tokens.join(' < ')}`)
  t.same(sequences, ['0000000000', '0000000000', '0000000000'], 'the sequence suffix restarts with the parent, so it cannot be the token')
})

t.test('lease.signal aborts at once when the connection drops', async (t) => {
  const proxy = await CutProxy.start({ port: ensemble.port(ensemble.ids[0]!) })
  t.teardown(() => proxy.close())
  const viaProxy = await client(proxy.address)
  const lease = await new Mutex(viaProxy, '/locks/suspend').acquire()
  const lost = new Promise<PlaceLostError>((resolve) => lease.signal.addEventListener('abort', () => resolve(lease.signal.reason), { once: true }))
  proxy.cut()
  t.equal((await lost).reason, 'suspended')
  await lease.release()
  t.same((await zk.getChildren('/locks/suspend')).children, [], 'release after reconnecting deletes the node')
})

t.test('round trips: an uncontended acquire is two (create2, then getChildren2 with the own-node getData), release one', async (t) => {
  const proxy = await CutProxy.start({ port: ensemble.port(ensemble.ids[0]!) })
  t.teardown(() => proxy.close())
  const viaProxy = await client(proxy.address)
  const mutex = new Mutex(viaProxy, '/locks/trips')
  await (await mutex.acquire()).release() // the first acquire also creates the lock node
  const frames = proxy.startRecording()
  for (let i = 0; i < 3; i++) {
    const lease = await mutex.acquire()
    t.notOk(lease.signal.aborted)
    await lease.release()
  }
  // create2, getChildren2, getData, delete (packages/protocol opcodes)
  t.same(requestOpcodes(frames), [15, 12, 4, 2, 15, 12, 4, 2, 15, 12, 4, 2], 'four requests per acquire+release, no retries, no extra reads')
  // More would mean the hold signal's getData left on its own, after the getChildren2 reply.
  t.equal(roundTrips(frames), 9, 'three round trips per acquire+release (the hold signal costs none of its own)')
})

t.test('options are checked', async (t) => {
  t.throws(() => new Mutex(zk, 'relative'), { name: 'InvalidLockOptionsError' })
  t.throws(() => new Mutex(zk, '/x', { naming: 'etcd' as 'zoo' }), { name: 'InvalidLockOptionsError', message: /naming/ })
  t.throws(() => new Mutex(zk, '/x', { idd: 'typo' } as object), { name: 'InvalidLockOptionsError' })
})

async function waitForContenders(mutex: Mutex, count: number): Promise<void> {
  for (let i = 0; i < 200; i++) {
    if ((await mutex.contenders()).length >= count) return
    await new Promise((resolve) => setTimeout(resolve, 20))
  }
  throw new Error(`never saw ${count} contenders`)
}
