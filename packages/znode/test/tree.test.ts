import t from 'tap'
import { ErrorCode, EventType, OpCode, Perms } from '@zoo/protocol'
import { DataTree, OPEN_ACL_UNSAFE, READ_ACL_UNSAFE, nodeDigest, pathDataCrc } from '../src/index.js'
import type { Txn } from '../src/index.js'
import { Driver, S1, S2 } from './support/driver.js'

t.test('a new tree has /, /zookeeper, /zookeeper/quota and /zookeeper/config as Apache', async (t) => {
  const tree = new DataTree()
  t.same(tree.children('/'), ['zookeeper'])
  t.same(tree.children('/zookeeper'), ['quota', 'config'])
  t.match(tree.stat('/'), { czxid: 0n, version: 0, cversion: -1, numChildren: 1, dataLength: 0 }, 'cversion is 2*0 - numChildren')
  t.match(tree.stat('/zookeeper'), { cversion: -2, numChildren: 2 })
  t.same(tree.acl('/zookeeper/config'), READ_ACL_UNSAFE)
  t.equal(tree.stat('/zookeeper/config')?.aversion, -1, 'Apache sets its ACL with version -1')
  t.same(tree.data('/'), Buffer.alloc(0))
  // The digest Apache 3.8.0's own DataTree starts with (printed by its DigestCalculator).
  t.equal(tree.digest, 1371985504n)
  t.equal(tree.has(''), true, '"" is the root, as in Apache')
})

t.test('node digests are Apache DigestCalculator values', async (t) => {
  const stat = { czxid: 1n, mzxid: 2n, pzxid: 3n, ctime: 4n, mtime: 5n, version: 6, cversion: 7, aversion: 8, ephemeralOwner: 9n }
  t.equal(nodeDigest('/a', pathDataCrc('/a', Buffer.from('hello')), stat), 2652921390)
  t.equal(nodeDigest('/zookeeper/quota/x', pathDataCrc('/zookeeper/quota/x', null), stat), 0, '/zookeeper/ is left out')
  const tree = new DataTree()
  const txn: Txn = { clientId: 0n, cxid: 0, zxid: 5n, time: 1000n, body: { type: OpCode.create, path: '/a', data: Buffer.from('hello'), acl: [...OPEN_ACL_UNSAFE], ephemeral: false, parentCVersion: -1 } }
  tree.apply(txn)
  t.equal(tree.digest, 6500970854n, 'Apache: createNode("/a", "hello", ..., zxid 5, time 1000)')
})

t.test('create, setData, setACL and delete move the Stat as Apache', async (t) => {
  const d = new Driver()
  d.session()
  const created = d.create('/p', 0, Buffer.from('abc'))
  const z = created.zxid
  t.match(created.stat, { czxid: z, mzxid: z, pzxid: z, ctime: Driver.timeOf(z), mtime: Driver.timeOf(z), version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 3, numChildren: 0 })
  const root = d.tree.stat('/')
  t.match(root, { pzxid: z, cversion: 0, numChildren: 2, mzxid: 0n }, 'parent: pzxid and children move, mzxid does not')
  const child = d.create('/p/c')
  const set = d.write({ type: OpCode.setData, path: '/p', data: null, version: 0 })
  t.match(set.stat, { version: 1, mzxid: set.zxid, mtime: Driver.timeOf(set.zxid), czxid: z, dataLength: 0, pzxid: child.zxid, cversion: 1, numChildren: 1 })
  t.equal(d.tree.data('/p'), null, 'null data stays null')
  const del = d.write({ type: OpCode.delete, path: '/p/c', version: -1 })
  t.match(d.tree.stat('/p'), { pzxid: del.zxid, cversion: 2, numChildren: 0 }, 'after create+delete the Stat cversion is 2')
  t.equal(d.tree.has('/p/c'), false)
  const acl = d.write({ type: OpCode.setACL, path: '/p', acl: [...READ_ACL_UNSAFE], version: 0 })
  t.match(acl.stat, { aversion: 1, mzxid: set.zxid, version: 1, pzxid: del.zxid }, 'setACL moves aversion only')
})

t.test('named case: delete, then sequential create under the same parent', async (t) => {
  const d = new Driver()
  d.session()
  d.create('/jobs')
  t.equal(d.create('/jobs/job-', 2).path, '/jobs/job-0000000000')
  d.write({ type: OpCode.delete, path: '/jobs/job-0000000000', version: -1 })
  t.equal(d.create('/jobs/job-', 2).path, '/jobs/job-0000000001', 'the suffix counts creates only')
  t.match(d.tree.stat('/jobs'), { cversion: 3, numChildren: 1 }, 'the Stat counts creates and deletes')
  d.write({ type: OpCode.multi, ops: [
    { type: OpCode.create, path: '/jobs/job-', data: null, acl: [...OPEN_ACL_UNSAFE], flags: 2 },
    { type: OpCode.check, path: '/jobs', version: 99 },
  ] })
  t.equal(d.create('/jobs/job-', 2).path, '/jobs/job-0000000002', 'a failed multi consumed no number')
})

t.test('named case: the int32 wrap of the parent cversion', async (t) => {
  const d = new Driver()
  d.session()
  d.create('/w')
  // Bring /w's persisted cversion to 2^31-1 with a txn that carries it (as a replayed log would).
  const zxid = ++d.zxid
  d.tree.apply({ clientId: S1, cxid: 0, zxid, time: 0n, body: { type: OpCode.create, path: '/w/seed', data: null, acl: [...OPEN_ACL_UNSAFE], ephemeral: false, parentCVersion: 0x7fffffff } })
  const first = d.create('/w/n-', 2)
  t.equal(first.path, '/w/n-2147483647')
  // parentCVersion wrapped to -2^31, which is not larger: Apache's createNode leaves cversion and pzxid.
  t.match(d.tree.stat('/w'), { pzxid: zxid, numChildren: 2 })
  t.equal(d.create('/w/n-', 2).err, ErrorCode.NODEEXISTS, 'the next sequential name is taken: Apache answers NODEEXISTS')
  // Two creates prepared before either applies see the wrapped value in the view.
  const a = d.prepare({ type: OpCode.create, path: '/w/m-', data: null, acl: [...OPEN_ACL_UNSAFE], flags: 2 })
  const b = d.prepare({ type: OpCode.create, path: '/w/m-', data: null, acl: [...OPEN_ACL_UNSAFE], flags: 2 })
  t.equal(d.tree.apply(a).path, '/w/m-2147483647')
  t.equal(d.tree.apply(b).path, '/w/m--2147483648', 'pipelined: the wrapped suffix, printed as %010d does')
})

t.test('ephemerals: owner, no children, gone with their session', async (t) => {
  const d = new Driver()
  d.session(S1)
  d.session(S2)
  d.create('/e', 1, null, OPEN_ACL_UNSAFE, S1)
  d.create('/f', 3, null, OPEN_ACL_UNSAFE, S1)
  d.create('/g', 1, null, OPEN_ACL_UNSAFE, S2)
  t.equal(d.tree.stat('/e')?.ephemeralOwner, S1)
  t.equal(d.create('/e/x').err, ErrorCode.NOCHILDRENFOREPHEMERALS)
  t.same(d.tree.ephemerals(S1), ['/e', '/f0000000001'])
  const closed = d.write({ type: OpCode.closeSession }, S1)
  t.equal(d.tree.has('/e'), false)
  t.equal(d.tree.has('/f0000000001'), false)
  t.equal(d.tree.has('/g'), true)
  t.equal(d.tree.sessions.has(S1), false)
  t.same(closed.triggers.filter((x) => x.table === 'data').map((x) => [x.path, x.event]), [['/e', EventType.NodeDeleted], ['/f0000000001', EventType.NodeDeleted]])
  t.same(d.tree.ephemerals(S1), [])
})

t.test('containers and TTL nodes: visible owner 0, due for deletion as Apache decides', async (t) => {
  const d = new Driver()
  d.session()
  const container = d.write({ type: OpCode.createContainer, path: '/c', data: null, acl: [...OPEN_ACL_UNSAFE], flags: 4 })
  t.equal(container.stat?.ephemeralOwner, 0n)
  const ttl = d.write({ type: OpCode.createTTL, path: '/t', data: null, acl: [...OPEN_ACL_UNSAFE], flags: 5, ttl: 100n })
  t.equal(ttl.stat?.ephemeralOwner, 0n)
  const created = Driver.timeOf(ttl.zxid)
  t.same(d.tree.dueForDeletion(created), [], 'a container that never had a child stays; the TTL has not passed')
  t.same(d.tree.dueForDeletion(created, { maxNeverUsedIntervalMs: 1n }), ['/c'], 'unless it was unused too long')
  t.same(d.tree.dueForDeletion(created + 101n), ['/t'])
  d.create('/c/x')
  t.same(d.tree.dueForDeletion(created + 101n), ['/t'], 'not empty: stays')
  d.write({ type: OpCode.delete, path: '/c/x', version: -1 })
  t.same(d.tree.dueForDeletion(created + 101n).sort(), ['/c', '/t'])
  t.same(d.tree.containers(), ['/c'])
  t.same(d.tree.ttlNodes(), ['/t'])
})

t.test('quotas: usage kept in zookeeper_stats, limits enforced, deleting a quota drops those below', async (t) => {
  const d = new Driver({ enforceQuota: true })
  d.session()
  d.create('/q')
  d.create('/q/a', 0, Buffer.from('12345'))
  d.create('/zookeeper/quota/q')
  d.create('/zookeeper/quota/q/zookeeper_limits', 0, Buffer.from('count=-1,bytes=-1=;byteHardLimit=20;countHardLimit=4'))
  d.create('/zookeeper/quota/q/zookeeper_stats', 0, Buffer.from('ignored'))
  const stats = () => d.tree.data('/zookeeper/quota/q/zookeeper_stats')?.toString()
  t.equal(stats(), 'count=2,bytes=5', 'counted when the stats node appears')
  d.create('/q/b', 0, Buffer.from('xyz'))
  t.equal(stats(), 'count=3,bytes=8')
  d.write({ type: OpCode.setData, path: '/q/a', data: Buffer.from('1'), version: -1 })
  t.equal(stats(), 'count=3,bytes=4')
  d.create('/q/c')
  t.equal(d.create('/q/d').err, ErrorCode.QUOTAEXCEEDED, 'a fifth node is over the hard count')
  t.equal(d.write({ type: OpCode.setData, path: '/q/a', data: Buffer.alloc(18), version: -1 }).err, ErrorCode.QUOTAEXCEEDED, 'one byte over the hard limit')
  t.equal(d.write({ type: OpCode.setData, path: '/q/a', data: Buffer.alloc(17), version: -1 }).err, ErrorCode.OK, 'exactly at the limit')
  d.write({ type: OpCode.setData, path: '/q/a', data: Buffer.from('1'), version: -1 })
  d.write({ type: OpCode.delete, path: '/q/c', version: -1 })
  t.equal(stats(), 'count=3,bytes=4')
  t.same(d.tree.quotas.list(), ['/q'])
  d.write({ type: OpCode.delete, path: '/zookeeper/quota/q/zookeeper_limits', version: -1 })
  t.same(d.tree.quotas.list(), [])
  t.equal(d.create('/q/d').err, ErrorCode.OK, 'no quota, no limit')
})

t.test('apply refuses zxids that do not move forward', async (t) => {
  const d = new Driver()
  const txn = d.prepare({ type: OpCode.createSession, timeoutMs: 1, passwd: Buffer.alloc(16) })
  d.tree.apply(txn)
  t.throws(() => d.tree.apply(txn), RangeError)
})

t.test('READ_ACL nodes still allow admin reads through getACL-style checks', async (t) => {
  const d = new Driver()
  d.session()
  d.create('/r', 0, null, [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }])
  t.equal(d.write({ type: OpCode.setData, path: '/r', data: null, version: -1 }).err, ErrorCode.NOAUTH)
  t.equal(d.tree.stat('/r')?.version, 0)
})

t.test('/zookeeper/config is set from the member configuration, outside txns', async (t) => {
  const tree = new DataTree()
  const digest = tree.digest
  const triggers = tree.setConfigData(Buffer.from('server.1=127.0.0.1:2888:3888:participant;0.0.0.0:2181\nversion=100000000'), 0x100000000n, 5n)
  t.match(tree.stat('/zookeeper/config'), { version: -1, mzxid: 0x100000000n, mtime: 5n, aversion: -1 })
  t.match(tree.data('/zookeeper/config')?.toString(), /^server\.1=/)
  t.same(triggers.map((x) => [x.path, x.event]), [['/zookeeper/config', EventType.NodeDataChanged]])
  t.equal(tree.digest, digest, 'not part of the digest')
  t.equal(tree.lastProcessedZxid, 0n, 'not a txn')
})
