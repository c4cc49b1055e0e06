// One standalone member, driven by @zoo/client and by raw frames: every operation, watches,
// sessions (reconnect, expiry, close), auth, four-letter words on the client port.
import t from 'tap'
import { createClient, digestAcl, isKeeperError, isNoNode, isNodeExists, ErrorCode, OPEN_ACL_UNSAFE } from '@zoo/client'
import type { ZooKeeperClient } from '@zoo/client'
import { fourLetterWord, waitFor } from '@zoo/testkit'
import {
  decodeConnectResponse, decodeReply, encodeConnectRequest, encodeRequest, EventType, OpCode, Xid, ErrorCode as Code,
} from '@zoo/protocol'
import { RawClient } from '../support/raw-client.js'
import { startStandalone } from '../support/servers.js'

const server = await startStandalone(t, { minSessionTimeout: '1000', maxSessionTimeout: '20000' }, { containerCheckIntervalMs: 100 })
const connectString = `127.0.0.1:${server.clientPortNumber}`
const clients: ZooKeeperClient[] = []
async function client(options: Parameters<typeof createClient>[1] = {}): Promise<ZooKeeperClient> {
  const zk = await createClient(connectString, { sessionTimeoutMs: 4000, ...options })
  clients.push(zk)
  return zk
}
t.teardown(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)))
})

t.test('create, get, set, exists, children, delete with Apache Stat rules', async (t) => {
  const zk = await client()
  t.equal(await zk.create('/crud', 'one'), '/crud')
  const { data, stat } = await zk.getData('/crud')
  t.equal(data.toString(), 'one')
  t.equal(stat.version, 0)
  t.equal(stat.czxid, stat.mzxid)
  const after = await zk.setData('/crud', 'two', { version: 0 })
  t.equal(after.version, 1)
  await t.rejects(zk.setData('/crud', 'x', { version: 0 }), { code: ErrorCode.BADVERSION })
  t.ok(isNodeExists(await zk.create('/crud', 'again').catch((e: unknown) => e)))
  await zk.create('/crud/a')
  const seq = await zk.create('/crud/s-', '', { mode: 'persistent-sequential' })
  t.equal(seq, '/crud/s-0000000001')
  t.same((await zk.getChildren('/crud')).children.sort(), ['a', 's-0000000001'])
  t.equal(await zk.getAllChildrenNumber('/crud'), 2)
  await t.rejects(zk.delete('/crud'), { code: ErrorCode.NOTEMPTY })
  await zk.delete('/crud/a')
  await zk.delete(seq)
  const parent = await zk.exists('/crud')
  t.equal(parent?.cversion, 4, 'cversion counts creates and deletes')
  await zk.delete('/crud')
  t.equal(await zk.exists('/crud'), null)
  t.ok(isNoNode(await zk.getData('/crud').catch((e: unknown) => e)))
})

t.test('multi: all or nothing, with per-op results', async (t) => {
  const zk = await client()
  const ok = await zk.transaction().create('/m', 'x').setData('/m', 'y').check('/m', 1).commit()
  t.equal(ok.length, 3)
  t.equal((await zk.getData('/m')).data.toString(), 'y')
  t.ok(isKeeperError(await zk.transaction().create('/m2').setData('/m', 'z', 0).commit().catch((e: unknown) => e), ErrorCode.BADVERSION))
  t.equal(await zk.exists('/m2'), null, 'the failed multi applied nothing')
  const reads = await zk.multiRead([{ type: 'getData', path: '/m' }, { type: 'getData', path: '/nope' }])
  t.equal(reads.length, 2)
  await zk.delete('/m')
})

t.test('watches: one-shot, persistent recursive, removal; the event comes before the write reply', async (t) => {
  const zk = await client()
  const other = await client()
  await zk.create('/w', 'v0')
  const fired: string[] = []
  await zk.getData('/w', { watch: (e) => fired.push(`data:${e.type}`) })
  await zk.getChildren('/w', { watch: (e) => fired.push(`child:${e.type}`) })
  await zk.exists('/w/new', { watch: (e) => fired.push(`exists:${e.type}`) })
  await other.setData('/w', 'v1')
  await other.create('/w/new')
  await waitFor(async () => fired.length === 3, 2000, 'three events')
  t.same(fired.sort(), ['child:childrenChanged', 'data:dataChanged', 'exists:created'])
  const events: string[] = []
  const iterator = zk.watch('/w', { recursive: true })
  const consume = (async () => {
    for await (const e of iterator) {
      if (e.type !== 'resync') events.push(`${e.type}:${'path' in e ? e.path : ''}`)
      if (events.length === 2) break
    }
  })()
  await new Promise((r) => setTimeout(r, 50))
  await other.setData('/w/new', 'x')
  await other.delete('/w/new')
  await consume
  t.same(events, ['dataChanged:/w/new', 'deleted:/w/new'])
  await zk.delete('/w')
})

t.test('raw: a notification precedes the reply of the write that caused it on the same connection', async (t) => {
  const { client: raw } = await RawClient.session(server.clientPortNumber)
  t.teardown(() => raw.destroy())
  raw.send(encodeRequest(1, { type: OpCode.create, path: '/order', data: Buffer.from('a'), acl: [...OPEN_ACL_UNSAFE], flags: 0 }))
  t.equal(decodeReply(await raw.frame(), OpCode.create).header.err, 0)
  raw.send(encodeRequest(2, { type: OpCode.getData, path: '/order', watch: true }))
  decodeReply(await raw.frame(), OpCode.getData)
  raw.send(encodeRequest(3, { type: OpCode.setData, path: '/order', data: Buffer.from('b'), version: -1 }))
  const first = decodeReply(await raw.frame(), OpCode.setData)
  t.equal(first.header.xid, Xid.NOTIFICATION)
  t.match(first.response, { type: EventType.NodeDataChanged, path: '/order' })
  const second = decodeReply(await raw.frame(), OpCode.setData)
  t.equal(second.header.xid, 3)
  raw.send(encodeRequest(4, { type: OpCode.delete, path: '/order', version: -1 }))
  t.equal(decodeReply(await raw.frame(), OpCode.delete).header.err, 0)
  // An opcode the server does not know is answered in order with UNIMPLEMENTED.
  const unknown = Buffer.alloc(12)
  unknown.writeInt32BE(8)
  unknown.writeInt32BE(5, 4)
  unknown.writeInt32BE(77, 8)
  raw.send(unknown)
  t.same(decodeReply(await raw.frame(), OpCode.ping).header.err, Code.UNIMPLEMENTED)
})

t.test('ephemerals: deleted when the session closes, kept across a reconnect', async (t) => {
  const zk = await client()
  const observer = await client()
  await zk.create('/e', 'x', { mode: 'ephemeral' })
  const seq = await zk.create('/es-', '', { mode: 'ephemeral-sequential' })
  t.same(await zk.getEphemerals('/'), ['/e', seq])
  t.equal((await observer.exists('/e'))?.ephemeralOwner, zk.sessionId)
  const resumed = await client({ session: { id: zk.sessionId as bigint, password: zk.sessionPassword as Buffer } })
  t.equal(resumed.sessionId, zk.sessionId, 'the session moved to a new connection')
  t.ok(await observer.exists('/e'))
  await resumed.close()
  t.equal(await observer.exists('/e'), null)
  t.equal(await observer.exists(seq), null)
})

t.test('a session that stops pinging expires through a closeSession txn', async (t) => {
  const raw = await RawClient.connect(server.clientPortNumber)
  raw.send(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOut: 1000, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false }))
  const response = decodeConnectResponse(await raw.frame())
  t.equal(response.timeOut, 1000)
  raw.send(encodeRequest(1, { type: OpCode.create, path: '/doomed', data: null, acl: [...OPEN_ACL_UNSAFE], flags: 1 }))
  t.equal(decodeReply(await raw.frame(), OpCode.create).header.err, 0)
  const zk = await client()
  t.ok(await zk.exists('/doomed'))
  await waitFor(async () => (await zk.exists('/doomed')) === null, 5000, 'the ephemeral of the expired session to go')
  await raw.waitClosed()
  const again = await RawClient.connect(server.clientPortNumber)
  again.send(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOut: 1000, sessionId: response.sessionId, passwd: response.passwd, readOnly: false }))
  t.match(decodeConnectResponse(await again.frame()), { timeOut: 0, sessionId: 0n }, 'an expired session is refused')
  await again.waitClosed()
})

t.test('a wrong password is refused like an expired session', async (t) => {
  const zk = await client()
  const raw = await RawClient.connect(server.clientPortNumber)
  raw.send(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOut: 4000, sessionId: zk.sessionId as bigint, passwd: Buffer.alloc(16, 1), readOnly: false }))
  t.match(decodeConnectResponse(await raw.frame()), { timeOut: 0, sessionId: 0n })
})

t.test('auth and ACLs: digest, NOAUTH, whoAmI, redacted getACL', async (t) => {
  const owner = await client({ auth: [{ scheme: 'digest', credentials: 'alice:secret' }] })
  const stranger = await client()
  await owner.create('/acl', 'x', { acl: [digestAcl('alice', 'secret', 31)] })
  await t.rejects(stranger.getData('/acl'), { code: ErrorCode.NOAUTH })
  t.equal((await owner.getData('/acl')).data.toString(), 'x')
  t.match(await owner.whoAmI(), [{ scheme: 'ip' }, { scheme: 'digest', user: 'alice' }])
  await t.rejects(stranger.setData('/acl', 'y'), { code: ErrorCode.NOAUTH })
  await owner.delete('/acl')
})

t.test('sync, containers and TTL nodes', async (t) => {
  const zk = await client()
  await zk.sync('/')
  await zk.create('/c', '', { mode: 'container' })
  await zk.create('/c/child')
  await zk.delete('/c/child')
  await waitFor(async () => (await zk.exists('/c')) === null, 5000, 'the empty container to be reaped')
  await zk.create('/ttl', '', { mode: 'persistent-ttl', ttlMs: 200 })
  await waitFor(async () => (await zk.exists('/ttl')) === null, 5000, 'the expired TTL node to be reaped')
  t.pass('reaped through txns')
})

t.test('four-letter words on the client port reflect the member', async (t) => {
  t.equal(await fourLetterWord(server.clientPortNumber, 'ruok'), 'imok')
  const srvr = await fourLetterWord(server.clientPortNumber, 'srvr')
  t.match(srvr, /^Mode: standalone$/m)
  t.match(srvr, /^Zxid: 0x[0-9a-f]+$/m)
  const mntr = await fourLetterWord(server.clientPortNumber, 'mntr')
  t.match(mntr, /^zk_server_state\tstandalone$/m)
  t.match(mntr, /^zk_znode_count\t\d+$/m)
  const cons = await fourLetterWord(server.clientPortNumber, 'cons')
  t.match(cons, /sid=0x[0-9a-f]+,lop=\w+/)
  t.equal(await fourLetterWord(server.clientPortNumber, 'isro'), 'rw')
})

t.test('setWatches after a reconnect fires what the client missed, and re-arms the rest', async (t) => {
  const zk = await client()
  await zk.create('/sw-data', 'a')
  await zk.create('/sw-kids', '')
  await zk.create('/sw-same', '')
  const first = await RawClient.session(server.clientPortNumber, 4000)
  const seen = (await zk.exists('/sw-same'))?.mzxid as bigint
  first.client.destroy()
  await zk.setData('/sw-data', 'b')
  await zk.create('/sw-kids/new')
  await zk.create('/sw-born')
  const again = await RawClient.connect(server.clientPortNumber)
  t.teardown(() => again.destroy())
  again.send(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: seen, timeOut: 4000, sessionId: first.response.sessionId, passwd: first.response.passwd, readOnly: false }))
  decodeConnectResponse(await again.frame())
  again.send(encodeRequest(Xid.SET_WATCHES, {
    type: OpCode.setWatches2, relativeZxid: seen, dataWatches: ['/sw-data', '/sw-same'], existWatches: ['/sw-born'], childWatches: ['/sw-kids'],
    persistentWatches: [], persistentRecursiveWatches: [],
  }))
  const frames = []
  for (let i = 0; i < 4; i++) frames.push(decodeReply(await again.frame(), OpCode.setWatches2))
  const events = frames.filter((f) => f.header.xid === Xid.NOTIFICATION).map((f) => { const e = f.response as unknown as { type: number; path: string }; return `${e.type}:${e.path}` })
  t.same(events.sort(), [`${EventType.NodeChildrenChanged}:/sw-kids`, `${EventType.NodeCreated}:/sw-born`, `${EventType.NodeDataChanged}:/sw-data`].sort())
  t.equal(frames.at(-1)?.header.xid, Xid.SET_WATCHES, 'the setWatches reply comes after the events it fired')
  await zk.setData('/sw-same', 'changed')
  const later = decodeReply(await again.frame(), OpCode.setWatches2)
  t.match(later.response, { type: EventType.NodeDataChanged, path: '/sw-same' }, 'the unchanged watch was re-armed')
})
