import t from 'tap'
import { ErrorCode, OpCode } from '@zoo/protocol'
import type { MultiOp } from '@zoo/protocol'
import { OPEN_ACL_UNSAFE, multiResults } from '../src/index.js'
import type { Txn } from '../src/index.js'
import { Driver, S1, S2 } from './support/driver.js'

const open = [...OPEN_ACL_UNSAFE]
const create = (path: string, flags = 0) => ({ type: OpCode.create, path, data: null, acl: open, flags }) as const
const errorOf = (txn: Txn) => (txn.body.type === OpCode.error ? txn.body.err : ErrorCode.OK)

t.test('requests prepared before earlier ones apply see their changes', async (t) => {
  const d = new Driver()
  d.session()
  const a = d.prepare(create('/a'))
  const b = d.prepare(create('/a/b'))
  const again = d.prepare(create('/a'))
  const seq1 = d.prepare(create('/a/s-', 2))
  const seq2 = d.prepare(create('/a/s-', 2))
  t.equal(errorOf(b), ErrorCode.OK, 'the parent exists in the view')
  t.equal(errorOf(again), ErrorCode.NODEEXISTS, 'so does the node itself')
  t.equal(d.view.outstanding, 8, 'each create changes the parent and the node')
  for (const txn of [a, b, again, seq1, seq2]) t.equal(d.tree.apply(txn).digestMismatch, false, 'the txn digest predicted the tree')
  t.same(d.tree.children('/a'), ['b', 's-0000000001', 's-0000000002'])
  t.equal(d.view.outstanding, 0, 'applied changes are dropped')
})

t.test('versions are checked against outstanding changes', async (t) => {
  const d = new Driver()
  d.session()
  d.write(create('/v'))
  const first = d.prepare({ type: OpCode.setData, path: '/v', data: Buffer.from('1'), version: 0 })
  const stale = d.prepare({ type: OpCode.setData, path: '/v', data: Buffer.from('2'), version: 0 })
  const next = d.prepare({ type: OpCode.setData, path: '/v', data: Buffer.from('3'), version: 1 })
  const deleted = d.prepare({ type: OpCode.delete, path: '/v', version: 2 })
  const gone = d.prepare({ type: OpCode.setData, path: '/v', data: null, version: -1 })
  t.same([first, stale, next, deleted, gone].map(errorOf), [ErrorCode.OK, ErrorCode.BADVERSION, ErrorCode.OK, ErrorCode.OK, ErrorCode.NONODE])
  t.equal(stale.digest, undefined, 'error txns carry no digest, as Apache logs them')
  for (const txn of [first, stale, next, deleted, gone]) d.tree.apply(txn)
  t.equal(d.tree.has('/v'), false)
})

t.test('multi: all or nothing, with Apache error layout and rollback of the view', async (t) => {
  const d = new Driver()
  d.session()
  const ops: MultiOp[] = [create('/m'), create('/m/x'), { type: OpCode.delete, path: '/nope', version: -1 }, { type: OpCode.setData, path: '/m', data: null, version: -1 }]
  const txn = d.prepare({ type: OpCode.multi, ops })
  t.equal(txn.body.type, OpCode.multi)
  const later = d.prepare(create('/m/y'))
  t.equal(errorOf(later), ErrorCode.NONODE, 'the failed multi left nothing in the view')
  const result = d.tree.apply(txn)
  d.tree.apply(later)
  t.equal(result.err, ErrorCode.NONODE)
  t.same(multiResults(result), [
    { type: OpCode.error, err: ErrorCode.OK }, { type: OpCode.error, err: ErrorCode.OK },
    { type: OpCode.error, err: ErrorCode.NONODE }, { type: OpCode.error, err: ErrorCode.RUNTIMEINCONSISTENCY },
  ])
  t.equal(d.tree.has('/m'), false)
  const ok = d.write({ type: OpCode.multi, ops: [create('/m'), { type: OpCode.create2, path: '/m/s-', data: null, acl: open, flags: 2 }, { type: OpCode.check, path: '/m', version: 0 }, { type: OpCode.setData, path: '/m', data: Buffer.from('x'), version: 0 }] })
  const results = multiResults(ok)
  t.match(results, [{ type: OpCode.create, path: '/m' }, { type: OpCode.create2, path: '/m/s-0000000000' }, { type: OpCode.check }, { type: OpCode.setData, stat: { version: 1 } }])
  t.equal(ok.zxid, (results[1] as { stat: { czxid: bigint } }).stat.czxid, 'every op of a multi has its zxid')
  const bad = d.write({ type: OpCode.multi, ops: [create('/n'), { type: OpCode.getData, path: '/m', watch: false }] })
  t.equal(bad.type, OpCode.error)
  t.equal(bad.err, ErrorCode.MARSHALLINGERROR, 'a read op fails the whole request')
})

t.test('closing a session deletes its committed and in-flight ephemerals together', async (t) => {
  const d = new Driver()
  d.session(S1)
  d.write(create('/e1', 1))
  const inFlight = d.prepare(create('/e2', 1))
  const close = d.prepare({ type: OpCode.closeSession })
  t.same(close.body.type === OpCode.closeSession && [...close.body.paths2Delete].sort(), ['/e1', '/e2'])
  const afterClose = d.prepare(create('/e3', 1))
  t.equal(errorOf(afterClose), ErrorCode.SESSIONEXPIRED, 'the closing session cannot create more')
  t.equal(errorOf(d.prepare(create('/p3'))), ErrorCode.SESSIONEXPIRED)
  for (const txn of [inFlight, close, afterClose]) d.tree.apply(txn)
  t.equal(d.tree.has('/e1') || d.tree.has('/e2'), false, 'no ephemeral outlives its session')
  t.equal(errorOf(d.prepare(create('/p4'))), ErrorCode.UNKNOWNSESSION, 'once closed, the session is unknown')
})

t.test('session checks: unknown sessions, ephemerals of unknown sessions', async (t) => {
  const d = new Driver()
  t.equal(errorOf(d.prepare(create('/x'), S2)), ErrorCode.UNKNOWNSESSION)
  t.equal(errorOf(d.prepare(create('/x', 1), S2)), ErrorCode.SESSIONEXPIRED, 'ephemeral creates check the global session')
  d.prepare({ type: OpCode.createSession, timeoutMs: 1000, passwd: Buffer.alloc(16) }, S2)
  t.equal(errorOf(d.prepare(create('/x', 1), S2)), ErrorCode.OK, 'a session being created may already write')
})

t.test('create checks in Apache order', async (t) => {
  const d = new Driver({ ttlEnabled: false })
  d.session()
  const err = (request: Parameters<Driver['prepare']>[0]) => errorOf(d.prepare(request))
  t.equal(err({ type: OpCode.create, path: '/x', data: null, acl: open, flags: 9 }), ErrorCode.BADARGUMENTS, 'unknown flags')
  t.equal(err({ type: OpCode.createTTL, path: '/x', data: null, acl: open, flags: 5, ttl: 10n }), ErrorCode.UNIMPLEMENTED, 'TTL disabled')
  t.equal(err({ type: OpCode.create, path: 'x', data: null, acl: open, flags: 0 }), ErrorCode.BADARGUMENTS, 'no slash')
  t.equal(err({ type: OpCode.create, path: '/x', data: null, acl: [], flags: 0 }), ErrorCode.INVALIDACL)
  t.equal(err({ type: OpCode.create, path: '/missing/', data: null, acl: open, flags: 0 }), ErrorCode.NONODE, 'the parent is looked up before the path is validated')
  t.equal(err({ type: OpCode.create, path: '/x/', data: null, acl: open, flags: 0 }), ErrorCode.NONODE)
  t.equal(err({ type: OpCode.create, path: '//x', data: null, acl: open, flags: 0 }), ErrorCode.BADARGUMENTS)
  t.equal(err({ type: OpCode.create, path: '/', data: null, acl: open, flags: 0 }), ErrorCode.NODEEXISTS, 'creating the root')
  t.equal(err({ type: OpCode.reconfig, joiningServers: null, leavingServers: null, newMembers: null, curConfigId: -1n }), ErrorCode.RECONFIGDISABLED)
  const ttl = new Driver()
  ttl.session()
  t.equal(errorOf(ttl.prepare({ type: OpCode.createTTL, path: '/t', data: null, acl: open, flags: 0, ttl: -1n })), ErrorCode.BADARGUMENTS, 'createTTL needs a TTL mode')
  t.equal(errorOf(ttl.prepare({ type: OpCode.createTTL, path: '/t', data: null, acl: open, flags: 5, ttl: 0n })), ErrorCode.BADARGUMENTS)
  t.equal(errorOf(ttl.prepare({ type: OpCode.create, path: '/t', data: null, acl: open, flags: 5 })), ErrorCode.BADARGUMENTS, 'a TTL mode needs createTTL')
})

t.test('deletes refuse special paths and non-empty nodes', async (t) => {
  const d = new Driver()
  d.session()
  d.write(create('/d'))
  d.write(create('/d/c'))
  const err = (path: string) => errorOf(d.prepare({ type: OpCode.delete, path, version: -1 }))
  for (const special of ['/', '/zookeeper', '/zookeeper/quota', '/zookeeper/config']) t.equal(err(special), ErrorCode.BADARGUMENTS, special)
  t.equal(err('/d'), ErrorCode.NOTEMPTY)
  t.equal(err('/d/'), ErrorCode.NONODE, 'delete does not validate the path')
})

t.test('the reaper deletes only due containers and TTL nodes', async (t) => {
  const d = new Driver()
  d.session()
  d.write(create('/plain'))
  d.write({ type: OpCode.createContainer, path: '/box', data: null, acl: open, flags: 4 })
  const ttl = d.write({ type: OpCode.createTTL, path: '/ttl', data: null, acl: open, flags: 5, ttl: 1n })
  d.write(create('/box/x'))
  const reap = (path: string) => errorOf(d.prepare({ type: OpCode.deleteContainer, path, version: -1 }))
  t.equal(reap('/plain'), ErrorCode.BADVERSION, 'not a container (Apache would delete it)')
  t.equal(reap('/box'), ErrorCode.NOTEMPTY)
  t.equal(reap('/ttl'), ErrorCode.OK, 'its TTL passed since it was created')
  d.write({ type: OpCode.delete, path: '/box/x', version: -1 })
  t.equal(reap('/box'), ErrorCode.OK)
  t.ok(ttl.zxid > 0n)
})

t.test('prepare needs each zxid after the last; clear forgets prepared changes', async (t) => {
  const d = new Driver()
  d.session()
  d.prepare(create('/c'))
  t.throws(() => d.view.prepare(create('/d'), { sessionId: S1, cxid: 0, zxid: d.zxid, time: 0n, authInfo: [] }), RangeError)
  d.view.clear()
  t.equal(d.view.outstanding, 0)
  t.equal(errorOf(d.prepare(create('/c/x'))), ErrorCode.NONODE, 'the unapplied create is forgotten')
})
