// ReadWriteLock and Semaphore against a real server: sharing, exclusion, order, no herd, tokens.
import t from 'tap'
import { createClient, type ZooKeeperClient } from '@zoo/client'
import { selectedEnsemble } from '@zoo/recipe-core/testing'
import { ReadWriteLock, RecipeTimeoutError, Semaphore } from '../src/index.js'

const ensemble = await selectedEnsemble()({ members: 1 })
t.teardown(() => ensemble.stop())
const clients: ZooKeeperClient[] = []
for (let i = 0; i < 3; i++) {
  const zk = await createClient(ensemble.connectString, { sessionTimeoutMs: 10_000 })
  t.teardown(() => zk.close())
  clients.push(zk)
}
const [a, b, c] = clients as [ZooKeeperClient, ZooKeeperClient, ZooKeeperClient]

for (const naming of ['kazoo', 'curator', 'zoo'] as const) {
  t.test(`ReadWriteLock (${naming} naming): readers share, writers exclude, in arrival order`, async (t) => {
    const path = `/rw/${naming}`
    const rw = (zk: ZooKeeperClient, id: string) => new ReadWriteLock(zk, path, { naming, id })
    const r1 = await rw(a, 'r1').readLock.acquire()
    const r2 = await rw(b, 'r2').readLock.acquire({ timeoutMs: 1_000 })
    t.pass('two readers hold at once')
    t.equal(await rw(c, 'w').writeLock.tryAcquire(), undefined, 'a writer cannot join readers')
    const writing = rw(c, 'w').writeLock.acquire({ timeoutMs: 5_000 })
    await new Promise((resolve) => setTimeout(resolve, 100))
    await t.rejects(rw(a, 'r3').readLock.acquire({ timeoutMs: 150 }), RecipeTimeoutError, 'a reader behind a waiting writer waits')
    await r1.release()
    await r2.release()
    const w = await writing
    t.ok(w.token > r2.token)
    const reading = rw(a, 'r4').readLock.acquire({ timeoutMs: 5_000 })
    await w.release()
    await (await reading).release()
    t.same((await a.getChildren(path)).children, [])
  })
}

t.test('Semaphore: n leases at once, the n+1th waits, a release wakes one waiter', async (t) => {
  const semaphore = (zk: ZooKeeperClient, id: string) => new Semaphore(zk, '/sem/pool', 2, { id, naming: 'curator' })
  const first = await semaphore(a, 'x').acquire()
  const second = await semaphore(b, 'y').acquire()
  t.same((await semaphore(a, 'q').holders()).sort(), ['x', 'y'])
  t.equal(await semaphore(c, 'z').tryAcquire(), undefined)
  const waiters = [semaphore(c, 'z1'), semaphore(a, 'z2'), semaphore(b, 'z3')]
  const pending = waiters.map((s) => s.acquire({ timeoutMs: 10_000 }))
  await new Promise((resolve) => setTimeout(resolve, 200))
  await first.release()
  const granted = await Promise.race(pending)
  t.ok(granted.token > second.token, 'lease tokens are czxids: newer lease, larger token')
  t.equal((await a.getChildren('/sem/pool/leases')).children.length, 2, 'never more than 2 leases')
  const wakeups = waiters.reduce((sum, s) => sum + s.wakeups, 0)
  t.equal(wakeups, 1, 'one release woke one waiter (the others wait on the mutex queue)')
  await second.release()
  await granted.release()
  const rest = await Promise.all(pending.filter((p) => p !== undefined))
  for (const lease of rest) await lease.release()
  t.same((await a.getChildren('/sem/pool/leases')).children, [])
  t.throws(() => new Semaphore(a, '/sem/x', 0), RangeError)
})
