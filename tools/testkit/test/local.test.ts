import t from 'tap'
import { LOCAL_TARGET_ENV, parseLocalTarget, startLocalCluster } from '../src/index.js'

t.test('parseLocalTarget: zoo by default, the env var when no flag, a clear error otherwise', async (t) => {
  const saved = process.env[LOCAL_TARGET_ENV]
  t.teardown(() => (saved === undefined ? delete process.env[LOCAL_TARGET_ENV] : (process.env[LOCAL_TARGET_ENV] = saved)))
  delete process.env[LOCAL_TARGET_ENV]
  t.equal(parseLocalTarget(), 'zoo')
  process.env[LOCAL_TARGET_ENV] = 'apache'
  t.equal(parseLocalTarget(), 'apache')
  t.equal(parseLocalTarget('zoo'), 'zoo', 'the flag wins over the env var')
  t.throws(() => parseLocalTarget('kafka'), /target must be one of zoo, apache, not "kafka"/)
})

for (const target of ['zoo', 'apache'] as const) {
  t.test(`startLocalCluster on ${target}: what a demo prints and looks up`, async (t) => {
    const cluster = await startLocalCluster({ target, members: 1, tickTimeMs: 500 })
    t.teardown(() => cluster.stop())
    t.equal(cluster.target, target)
    t.match(cluster.description, target === 'zoo' ? /^1-member zoo cluster \(tickTime 500 ms\)$/ : /^1-member Apache ZooKeeper 3\.8 ensemble/)
    const address = `127.0.0.1:${cluster.members[0]!.clientPort}`
    t.same([...cluster.addresses], [[1, address]])
    t.equal(cluster.connectString, address)
    t.equal(cluster.memberAt(address), 1)
    t.equal(cluster.memberAt('127.0.0.1:1'), undefined)
    t.equal(await cluster.leader(), 1, 'a standalone member leads')
  })
}
