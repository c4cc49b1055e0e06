import t from 'tap'
import { ErrorCode, EventType, OpCode, Perms, WatcherType } from '@zoo/protocol'
import type { Id } from '@zoo/protocol'
import { WatchRegistry, digestId, read } from '../src/index.js'
import type { ReadRequest } from '../src/index.js'
import { Driver, LOCAL, S1, S2 } from './support/driver.js'

const u1: Id = { scheme: 'digest', id: digestId('u1:p1') }

function setup() {
  const d = new Driver()
  d.session(S1)
  d.session(S2)
  d.create('/a', 0, Buffer.from('data'))
  d.create('/a/b')
  d.create('/a/b/c')
  d.create('/a/e', 1, null, undefined, S1)
  d.create('/ae', 1, null, undefined, S1)
  d.create('/secret', 0, Buffer.from('s'), [{ perms: Perms.ALL, id: u1 }, { perms: Perms.WRITE, id: { scheme: 'world', id: 'anyone' } }])
  const watches = new WatchRegistry()
  const as = (sessionId: bigint, authInfo: Id[] = [LOCAL]) => (request: ReadRequest) => read(d.tree, watches, { sessionId, authInfo }, request)
  return { d, watches, anon: as(S1), admin: as(S2, [LOCAL, u1]) }
}

t.test('exists: NUL refused, READ needed on an existing node, a watch left on a missing one', async (t) => {
  const { anon, admin, watches } = setup()
  t.equal(anon({ type: OpCode.exists, path: '/a\u0000', watch: false }).err, ErrorCode.BADARGUMENTS)
  t.equal(anon({ type: OpCode.exists, path: '/secret', watch: true }).err, ErrorCode.NOAUTH, '3.8.4+: exists needs READ')
  t.same(watches.data.pathsOf(S1), [], 'a refused exists leaves no watch')
  t.equal(admin({ type: OpCode.exists, path: '/secret', watch: false }).err, ErrorCode.OK)
  t.equal(anon({ type: OpCode.exists, path: '/nope', watch: true }).err, ErrorCode.NONODE)
  t.same(watches.data.pathsOf(S1), ['/nope'])
  t.equal(anon({ type: OpCode.exists, path: 'not a path', watch: false }).err, ErrorCode.NONODE, 'no other path check')
})

t.test('getData, getChildren(2): NONODE, NOAUTH, watches only on success', async (t) => {
  const { anon, admin, watches } = setup()
  t.match(anon({ type: OpCode.getData, path: '/a', watch: true }), { err: ErrorCode.OK, response: { data: Buffer.from('data'), stat: { numChildren: 2 } } })
  t.equal(anon({ type: OpCode.getData, path: '/secret', watch: true }).err, ErrorCode.NOAUTH)
  t.equal(anon({ type: OpCode.getData, path: '/nope', watch: true }).err, ErrorCode.NONODE)
  t.same(watches.data.pathsOf(S1), ['/a'])
  t.same(admin({ type: OpCode.getChildren, path: '/a', watch: true }).response, { children: ['b', 'e'] })
  t.match(admin({ type: OpCode.getChildren2, path: '/a/b/c', watch: false }).response, { children: [], stat: { numChildren: 0 } })
  t.same(watches.child.pathsOf(S2), ['/a'])
})

t.test('getACL: READ or ADMIN; digests hidden from non-admins', async (t) => {
  const { d, anon, admin } = setup()
  d.create('/shown', 0, null, [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }, { perms: Perms.ADMIN, id: u1 }])
  t.same((anon({ type: OpCode.getACL, path: '/shown' }).response as { acl: unknown }).acl,
    [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }, { perms: Perms.ADMIN, id: { scheme: 'digest', id: 'u1:x' } }])
  t.same((admin({ type: OpCode.getACL, path: '/shown' }).response as { acl: unknown }).acl,
    [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }, { perms: Perms.ADMIN, id: u1 }])
  t.equal(anon({ type: OpCode.getACL, path: '/secret' }).err, ErrorCode.NOAUTH)
})

t.test('counting and listing', async (t) => {
  const { d, anon } = setup()
  const total = (path: string) => (anon({ type: OpCode.getAllChildrenNumber, path }).response as { totalNumber: number }).totalNumber
  t.equal(total('/a'), 3)
  t.equal(total('/'), d.tree.nodeCount - 1, 'everything but the root')
  t.equal(total(''), d.tree.nodeCount, 'Apache counts "/" itself under ""')
  const ephemerals = (prefixPath: string) => (anon({ type: OpCode.getEphemerals, prefixPath }).response as { ephemerals: string[] }).ephemerals
  t.same(ephemerals('/'), ['/a/e', '/ae'])
  t.same(ephemerals('/a'), ['/a/e', '/ae'], 'a plain string prefix, as Apache')
  t.same(ephemerals('/a/'), ['/a/e'])
  t.same(anon({ type: OpCode.sync, path: '/x' }).response, { path: '/x' })
  t.same(read(d.tree, new WatchRegistry(), { sessionId: S2, authInfo: [LOCAL, u1] }, { type: OpCode.whoAmI }).response,
    { clientInfo: [{ authScheme: 'ip', user: '127.0.0.1' }, { authScheme: 'digest', user: 'u1' }] })
  t.same(read(d.tree, new WatchRegistry(), { sessionId: S2, authInfo: [LOCAL, { scheme: 'x509', id: 'CN=c,O=zoo' }] }, { type: OpCode.whoAmI }).response,
    { clientInfo: [{ authScheme: 'ip', user: '127.0.0.1' }, { authScheme: 'x509', user: 'CN=c,O=zoo' }] }, 'x509: the whole subject')
})

t.test('multiRead answers each op on its own; a write op makes the request bad', async (t) => {
  const { anon } = setup()
  t.match(anon({ type: OpCode.multiRead, ops: [
    { type: OpCode.getData, path: '/a', watch: true },
    { type: OpCode.getData, path: '/secret', watch: false },
    { type: OpCode.getChildren, path: '/a', watch: false },
    { type: OpCode.getChildren, path: '/nope', watch: false },
  ] }).response, { results: [
    { type: OpCode.getData, data: Buffer.from('data') }, { type: OpCode.error, err: ErrorCode.NOAUTH },
    { type: OpCode.getChildren, children: ['b', 'e'] }, { type: OpCode.error, err: ErrorCode.NONODE },
  ] })
  t.equal(anon({ type: OpCode.multiRead, ops: [{ type: OpCode.delete, path: '/a', version: -1 }] }).err, ErrorCode.MARSHALLINGERROR)
})

t.test('watch management requests', async (t) => {
  const { anon, watches } = setup()
  t.same(anon({ type: OpCode.addWatch, path: '/anything', mode: 1 }), { err: ErrorCode.OK, response: { err: 0 } })
  t.equal(anon({ type: OpCode.addWatch, path: '/x', mode: 9 }).err, ErrorCode.MARSHALLINGERROR)
  t.equal(anon({ type: OpCode.checkWatches, path: '/anything', watcherType: WatcherType.Data }).err, ErrorCode.OK)
  t.equal(anon({ type: OpCode.removeWatches, path: '/anything', watcherType: WatcherType.Any }).err, ErrorCode.OK)
  t.equal(anon({ type: OpCode.removeWatches, path: '/anything', watcherType: WatcherType.Any }).err, ErrorCode.NOWATCHER)
  t.equal(anon({ type: OpCode.removeWatches, path: '/anything', watcherType: 0 }).err, ErrorCode.MARSHALLINGERROR)
  t.same(watches.data.pathsOf(S1), [])
})

t.test('setWatches fires what changed since relativeZxid and registers the rest', async (t) => {
  const { d, anon, watches } = setup()
  const before = d.tree.lastProcessedZxid
  d.write({ type: OpCode.setData, path: '/a/b', data: null, version: -1 })
  d.create('/a/b/d')
  const reply = anon({
    type: OpCode.setWatches2, relativeZxid: before,
    dataWatches: ['/a', '/a/b', '/gone'], existWatches: ['/a', '/later'], childWatches: ['/a', '/a/b', '/gone'],
    persistentWatches: ['/p'], persistentRecursiveWatches: ['/r'],
  })
  t.same(reply.events?.map((e) => [e.event.type, e.event.path]), [
    [EventType.NodeDataChanged, '/a/b'], [EventType.NodeDeleted, '/gone'], [EventType.NodeCreated, '/a'],
    [EventType.NodeChildrenChanged, '/a/b'], [EventType.NodeDeleted, '/gone'],
  ])
  t.same(watches.data.pathsOf(S1).sort(), ['/a', '/later', '/p', '/r'])
  t.same(watches.child.pathsOf(S1).sort(), ['/a', '/p', '/r'])
  t.equal(watches.data.modeOf(S1, '/r'), 'persistentRecursive')
})
