// Three members in this process: writes through followers, reads after own writes, sessions
// moving between members, expiry by the leader, and a leader failover.
import t from 'tap'
import { createClient, ErrorCode, isSessionExpired } from '@zoo/client'
import type { ZooKeeperClient } from '@zoo/client'
import { fourLetterWord, waitFor } from '@zoo/testkit'
import { decodeConnectResponse, decodeReply, encodeConnectRequest, encodeRequest, OpCode } from '@zoo/protocol'
import { OPEN_ACL_UNSAFE } from '@zoo/znode'
import { RawClient } from '../support/raw-client.js'
import { startEnsemble } from '../support/servers.js'
import { startWriter } from '../support/writer.js'

const ensemble = await startEnsemble(t, 3)
await waitFor(async () => ensemble.leader() !== undefined && ensemble.servers.every((s) => s?.status().serving), 20_000, 'a leader and every member serving')
const clients: ZooKeeperClient[] = []
t.teardown(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)))
})

function portOf(id: number): string {
  return ensemble.connectString.split(',')[id - 1] as string
}

async function clientOn(id: number, options: Parameters<typeof createClient>[1] = {}): Promise<ZooKeeperClient> {
  const zk = await createClient(portOf(id), { sessionTimeoutMs: 4000, ...options })
  clients.push(zk)
  return zk
}

const leaderId = () => (ensemble.servers.findIndex((s) => s?.mode() === 'leader') + 1)
const followerIds = () => [1, 2, 3].filter((id) => id !== leaderId())

t.test('writes through a follower are applied everywhere; a client reads its own writes', async (t) => {
  const [f1, f2] = followerIds() as [number, number]
  const a = await clientOn(f1)
  const b = await clientOn(f2)
  for (let i = 0; i < 20; i++) {
    await a.create(`/n${i}`, String(i))
    t.equal((await a.getData(`/n${i}`)).data.toString(), String(i), 'read after own write on the same follower')
  }
  await b.sync('/')
  t.equal((await b.getChildren('/')).children.filter((c) => c.startsWith('n')).length, 20)
  const modes = await Promise.all([1, 2, 3].map(async (id) => /Mode: (\w+)/.exec(await fourLetterWord(Number(portOf(id).split(':')[1]), 'srvr'))?.[1]))
  t.same(modes.sort(), ['follower', 'follower', 'leader'])
})

t.test('/zookeeper/config lists the members and is world-readable only', async (t) => {
  const zk = await clientOn(followerIds()[0] as number)
  await zk.sync('/')
  const { data } = await zk.getData('/zookeeper/config')
  const lines = data.toString().split('\n')
  t.equal(lines.filter((l) => /^server\.[123]=127\.0\.0\.1:\d+:\d+:participant$/.test(l)).length, 3, data.toString())
  t.equal(lines.at(-1), 'version=0')
  await t.rejects(zk.setData('/zookeeper/config', 'x'), { code: ErrorCode.NOAUTH })
})

t.test('a watch set on one member fires for a write made through another', async (t) => {
  const [f1, f2] = followerIds() as [number, number]
  const a = await clientOn(f1)
  const b = await clientOn(f2)
  await a.create('/watched', 'v0')
  await b.sync('/')
  const fired = new Promise((resolve) => void b.getData('/watched', { watch: resolve }))
  await a.setData('/watched', 'v1')
  t.match(await fired, { type: 'dataChanged', path: '/watched' })
})

t.test('pipelined writes of one session keep their order through a follower', async (t) => {
  const a = await clientOn(followerIds()[0] as number)
  await a.create('/seq', '')
  const paths = await Promise.all(Array.from({ length: 50 }, () => a.create('/seq/x-', '', { mode: 'persistent-sequential' })))
  t.same(paths, Array.from({ length: 50 }, (_, i) => `/seq/x-${String(i).padStart(10, '0')}`))
})

t.test('a session moves to another member, keeps its ephemerals, and its old connection is closed', async (t) => {
  const [f1, f2] = followerIds() as [number, number]
  const { client: old, response } = await RawClient.session(Number(portOf(f1).split(':')[1]), 4000)
  old.send(encodeRequest(1, { type: OpCode.create, path: '/mover', data: null, acl: [...OPEN_ACL_UNSAFE], flags: 1 }))
  t.equal(decodeReply(await old.frame(), OpCode.create).header.err, 0)
  const moved = await clientOn(f2, { session: { id: response.sessionId, password: response.passwd as Buffer } })
  t.equal(moved.sessionId, response.sessionId)
  await moved.setData('/mover', 'still mine')
  await old.waitClosed()
  t.pass('the old member dropped the stale connection')
  const observer = await clientOn(leaderId())
  await observer.sync('/')
  t.equal((await observer.exists('/mover'))?.ephemeralOwner, response.sessionId)
})

t.test('the leader expires a session whose client went silent on a follower', async (t) => {
  const silent = await createClient(portOf(followerIds()[0] as number), { sessionTimeoutMs: 1000, renewSessionOnExpiry: false })
  await silent.create('/silent', '', { mode: 'ephemeral' })
  const observer = await clientOn(leaderId())
  t.ok(await observer.exists('/silent'))
  // Freeze the client: stop its pings by closing the socket under it without closing the session.
  const id = silent.sessionId as bigint
  const password = silent.sessionPassword as Buffer
  await ensemble.kill(followerIds()[0] as number)
  await waitFor(async () => (await observer.exists('/silent')) === null, 10_000, 'the silent session to expire')
  const again = await createClient(portOf(leaderId()), { sessionTimeoutMs: 1000, session: { id, password }, renewSessionOnExpiry: false }).catch((e: unknown) => e)
  t.ok(isSessionExpired(again) || (again as ZooKeeperClient).state === 'expired', 'the old session is gone')
  await silent.close().catch(() => undefined)
})

t.test('a session moves to the leader off a crashed follower, and the leader stays up', async (t) => {
  for (let id = 1; id <= 3; id++) if (ensemble.servers[id - 1] === undefined) await ensemble.start(id)
  await waitFor(async () => ensemble.servers.every((s) => s?.status().serving), 20_000, 'all three serving')
  const follower = followerIds()[0] as number
  const { client: raw, response } = await RawClient.session(Number(portOf(follower).split(':')[1]), 6000)
  raw.send(encodeRequest(1, { type: OpCode.create, path: '/orphan', data: null, acl: [...OPEN_ACL_UNSAFE], flags: 1 }))
  t.equal(decodeReply(await raw.frame(), OpCode.create).header.err, 0)
  await ensemble.kill(follower)
  // The leader records the session as owned by the dead follower and tells it "moved": that
  // follower is unreachable, which must not matter.
  const moved = await clientOn(leaderId(), { sessionTimeoutMs: 6000, session: { id: response.sessionId, password: response.passwd as Buffer } })
  t.equal(moved.sessionId, response.sessionId, 'the same session, now on the leader')
  t.equal((await moved.exists('/orphan'))?.ephemeralOwner, response.sessionId, 'with its ephemeral')
  t.ok(ensemble.servers[leaderId() - 1]?.status().serving, 'the leader still serves')
  await moved.delete('/orphan')
})

t.test('a session revalidated at the leader still expires once its client goes silent', async (t) => {
  for (let id = 1; id <= 3; id++) if (ensemble.servers[id - 1] === undefined) await ensemble.start(id)
  await waitFor(async () => ensemble.servers.every((s) => s?.status().serving), 20_000, 'all three serving')
  const { client: first, response } = await RawClient.session(Number(portOf(followerIds()[0] as number).split(':')[1]), 1000)
  first.send(encodeRequest(1, { type: OpCode.create, path: '/revalidated', data: null, acl: [...OPEN_ACL_UNSAFE], flags: 1 }))
  t.equal(decodeReply(await first.frame(), OpCode.create).header.err, 0)
  // The client moves to the leader itself (the leader revalidates the session locally), then dies.
  const moved = await RawClient.connect(Number(portOf(leaderId()).split(':')[1]))
  moved.send(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOut: 1000, sessionId: response.sessionId, passwd: response.passwd as Buffer, readOnly: false }))
  t.equal(decodeConnectResponse(await moved.frame()).sessionId, response.sessionId, 'the leader took the session')
  first.socket.destroy()
  moved.socket.destroy()
  const observer = await clientOn(leaderId())
  // Its deadline is on the leader's clock: a wall-clock time there would keep it alive for decades.
  await waitFor(async () => (await observer.exists('/revalidated')) === null, 15_000, 'the silent session to expire')
  t.pass('expired, its ephemeral gone')
})

t.test('leader failover: writes resume, sessions and ephemerals survive, the old leader catches up', async (t) => {
  for (let id = 1; id <= 3; id++) if (ensemble.servers[id - 1] === undefined) await ensemble.start(id)
  await waitFor(async () => ensemble.servers.every((s) => s?.status().serving), 20_000, 'all three serving')
  const zk = await createClient(ensemble.connectString, { sessionTimeoutMs: 6000 })
  clients.push(zk)
  await zk.create('/failover', '')
  await zk.create('/failover/owner', '', { mode: 'ephemeral' })
  const writer = startWriter(zk, '/failover')
  const acked = writer.acked
  await waitFor(async () => acked.length >= 20, 10_000, 'writes before the failover')
  const oldLeader = leaderId()
  await ensemble.kill(oldLeader)
  const before = acked.length
  await waitFor(async () => acked.length >= before + 20, 20_000, 'writes to resume on the surviving quorum')
  t.not(leaderId(), oldLeader)
  await ensemble.start(oldLeader)
  await waitFor(async () => ensemble.servers[oldLeader - 1]?.status().serving === true, 20_000, 'the old leader to rejoin')
  await writer.stop()
  const check = await clientOn(oldLeader)
  await check.sync('/')
  const children = new Set((await check.getChildren('/failover')).children.map((c) => `/failover/${c}`))
  t.same(acked.filter((p) => !children.has(p)), [], 'every acknowledged sequential znode exists on the restarted member')
  t.ok(children.has('/failover/owner'), 'the ephemeral survived the move')
  t.equal(zk.state === 'connected' || zk.state === 'reconnected', true, 'the session survived')
})
