// Every operation against a real server (Apache ZooKeeper 3.8 standalone with TTL nodes, or the
// target chosen by ZOO_CLIENT_TARGET): results, Stats, errors with their code and path.
import t from 'tap'
import { ErrorCode, Perms } from '@zoo/protocol'
import { TransactionError } from '../../src/transaction.js'
import { digestAcl, OPEN_ACL_UNSAFE } from '../../src/acl.js'
import { clientFor, ensembleFor } from '../support/target.js'

const ensemble = await ensembleFor(t, { members: 1 })
const zk = await clientFor(t, ensemble.connectString)

t.test('create in every mode, with create2 Stats', async (t) => {
  await zk.create('/modes')
  t.equal(await zk.create('/modes/p', 'data'), '/modes/p')
  t.equal(await zk.create('/modes/e', null, { mode: 'ephemeral' }), '/modes/e')
  t.equal((await zk.exists('/modes/e'))?.ephemeralOwner, zk.sessionId, 'ephemeral owner is our session')
  const seq1 = await zk.create('/modes/s-', 'x', { mode: 'persistent-sequential' })
  const seq2 = await zk.create('/modes/s-', 'x', { mode: 'ephemeral-sequential' })
  t.match(seq1, /^\/modes\/s-\d{10}$/)
  t.ok(Number(seq2.slice(-10)) > Number(seq1.slice(-10)), 'sequence numbers grow')
  const container = await zk.createWithStat('/modes/c', 'x', { mode: 'container' })
  t.equal(container.path, '/modes/c')
  t.equal(container.stat.dataLength, 1)
  const ttl = await zk.createWithStat('/modes/t', 'x', { mode: 'persistent-ttl', ttlMs: 60_000 })
  t.equal(ttl.stat.version, 0)
  const ttlSeq = await zk.create('/modes/ts-', 'x', { mode: 'persistent-sequential-ttl', ttlMs: 60_000 })
  t.match(ttlSeq, /^\/modes\/ts-\d{10}$/)
  const withStat = await zk.createWithStat('/modes/stat', 'abc')
  t.equal(withStat.stat.czxid, withStat.stat.mzxid)
  t.equal(withStat.stat.dataLength, 3)
  t.equal(withStat.stat.czxid, zk.lastZxidSeen, 'the create is the newest zxid this client saw')
  await t.rejects(zk.create('/modes/t2', 'x', { mode: 'persistent-ttl' }), { name: 'RangeError', message: /needs ttlMs/ })
})

t.test('errors carry the code and the path', async (t) => {
  await t.rejects(zk.create('/modes/p', 'again'), { code: ErrorCode.NODEEXISTS, path: '/modes/p', message: 'NODEEXISTS: /modes/p' })
  await t.rejects(zk.create('/no/parent'), { code: ErrorCode.NONODE, path: '/no/parent' })
  await t.rejects(zk.create('/modes/e/child'), { code: ErrorCode.NOCHILDRENFOREPHEMERALS })
  await t.rejects(zk.getData('/missing'), { code: ErrorCode.NONODE, path: '/missing' })
  await t.rejects(zk.delete('/modes'), { code: ErrorCode.NOTEMPTY, path: '/modes' })
  await t.rejects(zk.delete('/modes/p', { version: 7 }), { code: ErrorCode.BADVERSION })
  await t.rejects(zk.getData('bad'), { name: 'InvalidPathError' })
})

t.test('read and write data, children, counts, ephemerals, sync', async (t) => {
  const { data, stat } = await zk.getData('/modes/p')
  t.equal(data.toString(), 'data')
  const updated = await zk.setData('/modes/p', 'new', { version: stat.version })
  t.equal(updated.version, stat.version + 1)
  await t.rejects(zk.setData('/modes/p', 'stale', { version: stat.version }), { code: ErrorCode.BADVERSION })
  t.equal((await zk.getData('/modes/e')).data.length, 0, 'null data reads as an empty buffer')
  t.equal(await zk.exists('/nothing'), null)
  const { children, stat: parent } = await zk.getChildren('/modes')
  t.equal(children.length, parent.numChildren)
  t.ok(children.includes('p') && children.includes('e'))
  t.equal(await zk.getAllChildrenNumber('/modes'), children.length)
  const ephemerals = await zk.getEphemerals('/modes')
  t.equal(ephemerals.length, 2, 'the ephemeral and the ephemeral-sequential node')
  t.ok(ephemerals.includes('/modes/e'))
  t.ok((await zk.getEphemerals()).includes('/modes/e'))
  await zk.sync('/modes')
  await zk.delete('/modes/p')
  t.equal(await zk.exists('/modes/p'), null)
})

t.test('ACLs and digest auth', async (t) => {
  const alice = digestAcl('alice', 'secret')
  await zk.create('/private', 'hidden', { acl: [alice] })
  await t.rejects(zk.getData('/private'), { code: ErrorCode.NOAUTH, path: '/private' })
  const other = await clientFor(t, ensemble.connectString)
  await other.addAuth('digest', 'alice:secret')
  t.equal((await other.getData('/private')).data.toString(), 'hidden')
  const identities = (await other.whoAmI()).map((i) => `${i.scheme}:${i.user}`).sort()
  t.same(identities, ['digest:alice', 'ip:127.0.0.1'])
  const { acl, stat } = await other.getACL('/private')
  t.same(acl, [alice])
  const after = await other.setACL('/private', OPEN_ACL_UNSAFE, { version: stat.aversion })
  t.equal(after.aversion, stat.aversion + 1)
  t.equal((await zk.getData('/private')).data.toString(), 'hidden', 'open to all now')
  t.equal(Perms.ALL, 31)
})

t.test('transactions: all or nothing', async (t) => {
  await zk.create('/tx', 'v0')
  const results = await zk.transaction().check('/tx', 0).setData('/tx', 'v1').create('/tx/a', 'a').create('/tx/s-', null, { mode: 'persistent-sequential' }).delete('/tx/a').commit()
  t.match(results, [{ type: 'check' }, { type: 'setData', stat: { version: 1 } }, { type: 'create', path: '/tx/a' }, { type: 'create', path: /^\/tx\/s-\d{10}$/ }, { type: 'delete' }])
  const error = await zk.transaction().setData('/tx', 'v2').check('/tx', 0).create('/tx/b').commit().catch((e: unknown) => e)
  t.ok(error instanceof TransactionError)
  t.match(error, { code: ErrorCode.BADVERSION, path: '/tx', index: 1, codes: [ErrorCode.OK, ErrorCode.BADVERSION, ErrorCode.RUNTIMEINCONSISTENCY] })
  t.equal((await zk.getData('/tx')).data.toString(), 'v1', 'nothing applied')
  t.equal(await zk.exists('/tx/b'), null)
  t.same(await zk.transaction().commit(), [])
})

t.test('multiRead: each read on its own', async (t) => {
  const results = await zk.multiRead([{ type: 'getData', path: '/tx' }, { type: 'getChildren', path: '/tx' }, { type: 'getData', path: '/tx/none' }])
  t.match(results[0], { type: 'getData', stat: { version: 1 } })
  t.equal(results[0]?.type === 'getData' && results[0].data.toString(), 'v1')
  t.match(results[1], { type: 'getChildren', children: [/^s-/] })
  t.match(results[2], { type: 'error', error: { code: ErrorCode.NONODE, path: '/tx/none' } })
})

t.test('mkdirp and deleteRecursive', async (t) => {
  await zk.mkdirp('/deep/a/b/c', { data: 'leaf' })
  t.equal((await zk.getData('/deep/a/b/c')).data.toString(), 'leaf')
  await zk.mkdirp('/deep/a/b/c')
  t.pass('mkdirp of an existing path is fine')
  for (let i = 0; i < 20; i++) await zk.create(`/deep/a/n${i}`, 'x')
  await zk.create('/deep/a/b/e', null, { mode: 'ephemeral' })
  await zk.deleteRecursive('/deep')
  t.equal(await zk.exists('/deep'), null)
  await zk.deleteRecursive('/deep')
  t.pass('deleting what is gone is fine')
  await t.rejects(zk.deleteRecursive('/'), RangeError)
})

t.test('chroot: everything relative to it', async (t) => {
  await zk.create('/app')
  const app = await clientFor(t, `${ensemble.connectString}/app`)
  t.equal(await app.create('/job-', 'x', { mode: 'ephemeral-sequential' }), '/job-0000000000')
  t.ok(await zk.exists('/app/job-0000000000'), 'lands under the chroot')
  t.same((await app.getChildren('/')).children, ['job-0000000000'])
  t.same(await app.getEphemerals('/'), ['/job-0000000000'])
  const results = await app.transaction().create('/t').setData('/t', 'y').commit()
  t.match(results[0], { type: 'create', path: '/t' })
  const events: string[] = []
  await app.getData('/t', { watch: (e) => events.push(`${e.type} ${e.path}`) })
  await zk.setData('/app/t', 'z')
  await app.sync('/')
  t.same(events, ['dataChanged /t'])
  await t.rejects(app.getData('/nothing'), { code: ErrorCode.NONODE, path: '/nothing' })
})

t.test('reconfig reaches the server (disabled unless reconfigEnabled)', async (t) => {
  await t.rejects(zk.reconfig({ leaving: '3' }), { code: ErrorCode.RECONFIGDISABLED, path: '/zookeeper/config' })
})
