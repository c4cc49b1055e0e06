// The session engine against a scripted server: exact frame order on reconnect, lastZxidSeen,
// suspended vs expired, in-flight requests on a drop, liveness, timeouts, auth, close.
import t from 'tap'
import type { Test } from 'tap'
import { ErrorCode, EventType, KeeperError, OpCode, Xid } from '@zoo/protocol'
import { createClient, type ZooKeeperClient } from '../src/client.js'
import type { ClientOptions } from '../src/options.js'
import { SET_WATCHES_MAX_FRAME_BYTES } from '../src/options.js'
import type { ClientState } from '../src/state.js'
import type { PersistentWatchEvent, WatchEvent } from '../src/watches.js'
import { FakeServer, until, type FakeServerOptions } from './support/fake-server.js'

async function setup(t: Test, serverOptions: FakeServerOptions = {}, clientOptions: ClientOptions = {}) {
  const server = await FakeServer.start(serverOptions)
  t.teardown(() => server.close())
  const zk = await createClient(server.address, { sessionTimeoutMs: 10_000, ...clientOptions })
  t.teardown(() => zk.close())
  const states: ClientState[] = []
  zk.on('state', (s) => states.push(s))
  return { server, zk, states }
}

function code(error: unknown): number | undefined {
  return error instanceof KeeperError ? error.code : undefined
}

t.test('reconnect order: ConnectRequest with lastZxidSeen, auth replays, SetWatches2 in 128 KiB frames, then queued requests', async (t) => {
  const { server, zk, states } = await setup(t, { zxid: 0x500n })
  await zk.addAuth('digest', 'alice:secret')
  await zk.addAuth('digest', 'bob:hunter2')
  const paths = Array.from({ length: 4_000 }, (_, i) => `/watched/with/a/fairly/long/path/name/${i}`)
  for (const path of paths) server.nodes.set(path, { data: Buffer.from('x'), stat: { czxid: 1n, mzxid: 1n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 1, numChildren: 0, pzxid: 1n } })
  await Promise.all(paths.map((path) => zk.getData(path, { watch: () => {} })))
  await zk.exists('/missing', { watch: () => {} })
  await zk.getChildren('/watched/with/a/fairly/long/path/name/0', { watch: () => {} }).catch(() => {})
  const persistent = zk.watch('/p')
  const recursive = zk.watch('/r', { recursive: true })
  await zk.create('/bump', 'x')
  const zxidBefore = zk.lastZxidSeen
  t.equal(zxidBefore, 0x501n, 'the create moved lastZxidSeen')
  const sessionId = zk.sessionId

  server.zxid = 0x600n
  // Issued the moment the drop is known, so they wait in the queue for the next connection.
  let queued: Promise<unknown>[] = []
  zk.once('state', () => (queued = [zk.getData(paths[0]!), zk.create('/after', 'y')]))
  server.dropAll()
  await until(() => states.includes('reconnected'), 5_000, 'reconnected')
  t.equal(queued.length, 2)
  await Promise.all(queued)

  const second = server.last
  t.equal(second.connect?.sessionId, sessionId, 'same session')
  t.equal(second.connect?.lastZxidSeen, zxidBefore, 'ConnectRequest carries the last zxid seen')
  const kinds = second.frames.map((f) => f.request.type)
  const auths = second.frames.filter((f) => f.xid === Xid.AUTH)
  t.same(auths.map((f) => (f.request as { auth: Buffer }).auth.toString()), ['alice:secret', 'bob:hunter2'], 'every addAuth replayed, in order')
  const firstSetWatches = kinds.indexOf(OpCode.setWatches2)
  t.same(kinds.slice(0, 2), [OpCode.auth, OpCode.auth], 'auth first')
  const setWatches = second.ofType(OpCode.setWatches2)
  t.ok(setWatches.length >= 2, `${setWatches.length} SetWatches2 frames`)
  t.same(kinds.slice(firstSetWatches, firstSetWatches + setWatches.length), setWatches.map(() => OpCode.setWatches2), 'then every SetWatches2, together')
  t.same(kinds.slice(firstSetWatches + setWatches.length), [OpCode.getData, OpCode.create], 'then the queued requests, in order')
  for (const frame of setWatches) {
    const r = frame.request as { relativeZxid: bigint; dataWatches: string[]; existWatches: string[]; childWatches: string[]; persistentWatches: string[]; persistentRecursiveWatches: string[] }
    t.equal(r.relativeZxid, zxidBefore)
    const bytes = 4 + 8 + 8 + 5 * 4 + [...r.dataWatches, ...r.existWatches, ...r.childWatches, ...r.persistentWatches, ...r.persistentRecursiveWatches].reduce((n, p) => n + 4 + Buffer.byteLength(p), 0)
    t.ok(bytes <= SET_WATCHES_MAX_FRAME_BYTES, `frame of ${bytes} bytes`)
  }
  const all = setWatches.map((f) => f.request as { dataWatches: string[]; existWatches: string[]; childWatches: string[]; persistentWatches: string[]; persistentRecursiveWatches: string[] })
  t.same(all.flatMap((r) => r.dataWatches).sort(), [...paths].sort(), 'every data watch re-registered')
  t.same(all.flatMap((r) => r.existWatches), ['/missing'])
  t.same(all.flatMap((r) => r.childWatches), ['/watched/with/a/fairly/long/path/name/0'])
  t.same(all.flatMap((r) => r.persistentWatches), ['/p'])
  t.same(all.flatMap((r) => r.persistentRecursiveWatches), ['/r'])
  t.same((await persistent.next()).value, { type: 'resync', path: '/p', reason: 'reconnected' }, 'persistent iterators get a resync marker')
  t.same((await recursive.next()).value, { type: 'resync', path: '/r', reason: 'reconnected' })
  await persistent.return!()
  await recursive.return!()
})

t.test('expiry reported by the server: once, queued calls fail with SESSIONEXPIRED, lastZxidSeen kept for the new session', async (t) => {
  let expireNext = false
  const { server, zk, states } = await setup(t, {
    zxid: 0x77n,
    onConnect: (request) => (expireNext && request.sessionId !== 0n ? { protocolVersion: 0, timeOut: 0, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false } : undefined),
  })
  await zk.create('/e', 'x')
  const zxid = zk.lastZxidSeen
  const oldSession = zk.sessionId
  const oneShot: WatchEvent[] = []
  await zk.getData('/e', { watch: (e) => oneShot.push(e) })
  const sessionSignal = zk.sessionSignal()
  const stream = zk.watch('/e')
  expireNext = true
  let queued: Promise<unknown> | undefined
  zk.once('state', () => (queued = zk.getData('/e').catch((e: unknown) => e)))
  server.dropAll()
  await until(() => states.includes('connected'), 5_000, 'a new session')
  t.equal(code(await queued), ErrorCode.SESSIONEXPIRED, 'a call queued for the old session fails with SESSIONEXPIRED')
  t.same(states, ['suspended', 'expired', 'connected'], 'expired reported once, then the new session')
  t.same(oneShot, [{ type: 'sessionExpired', path: '/e' }], 'one-shot watchers learn their watch is gone')
  t.ok(sessionSignal.aborted, 'the old session signal fired')
  t.equal(code(sessionSignal.reason), ErrorCode.SESSIONEXPIRED)
  t.not(zk.sessionId, oldSession)
  const connects = server.connections.map((c) => c.connect!)
  t.same(connects.map((c) => c.sessionId), [0n, oldSession, 0n], 'new, reconnect (refused), new')
  t.equal(connects[2]!.lastZxidSeen, zxid, 'the new session still presents the last zxid seen')
  t.same((await stream.next()).value, { type: 'resync', path: '/e', reason: 'newSession' }, 'persistent watches move to the new session')
  t.same(server.last.ofType(OpCode.setWatches2).map((f) => (f.request as { persistentWatches: string[] }).persistentWatches), [['/e']])
  await stream.return!()
  t.equal((await zk.getData('/e')).data.toString(), 'x', 'the client works on its new session')
})

t.test('connection loss is not expiry: suspended at once, expired only at the local deadline', async (t) => {
  const server = await FakeServer.start({ timeoutMs: 600 })
  t.teardown(() => server.close())
  const zk = await createClient(server.address, { sessionTimeoutMs: 600, renewSessionOnExpiry: false })
  t.teardown(() => zk.close())
  const seen: [ClientState, number][] = []
  zk.on('state', (s) => seen.push([s, performance.now()]))
  await zk.create('/x')
  const connectionSignal = zk.connectionSignal()
  t.notOk(connectionSignal.aborted)
  const lastAck = performance.now()
  await server.close()
  const droppedAt = performance.now()
  await until(() => seen.some(([s]) => s === 'expired'), 3_000, 'expired')
  const [suspended, expired] = seen
  t.equal(suspended?.[0], 'suspended')
  t.ok(suspended![1] - droppedAt < 100, `suspended ${Math.round(suspended![1] - droppedAt)} ms after the drop`)
  t.ok(connectionSignal.aborted, 'the connection signal fired on suspension')
  t.equal(code(connectionSignal.reason), ErrorCode.CONNECTIONLOSS)
  t.equal(expired?.[0], 'expired')
  const expiredAfterMs = expired![1] - lastAck
  t.ok(expiredAfterMs >= 550 && expiredAfterMs < 1_000, `expired ${Math.round(expiredAfterMs)} ms after the last acknowledged request (timeout 600)`)
  t.equal(seen.length, 2, 'reported once')
  t.equal(code(await zk.getData('/x').catch((e: unknown) => e)), ErrorCode.SESSIONEXPIRED, 'calls fail with SESSIONEXPIRED')
})

t.test('in-flight requests get CONNECTIONLOSS; writes are never resent, reads are with a retry policy', async (t) => {
  let silent = true
  const { server, zk, states } = await setup(t, { onRequest: (f) => (silent && (f.request.type === OpCode.setData || f.request.type === OpCode.getData) ? 'silent' : undefined) }, { retry: { maxAttempts: 3, initialDelayMs: 0 } })
  server.nodes.set('/n', { data: Buffer.from('v'), stat: { czxid: 1n, mzxid: 1n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 1, numChildren: 0, pzxid: 1n } })
  const write = zk.setData('/n', 'w')
  const read = zk.getData('/n')
  await until(() => server.last.frames.length === 2, 2_000, 'both sent')
  silent = false
  server.dropAll()
  const error = await write.catch((e: unknown) => e)
  t.equal(code(error), ErrorCode.CONNECTIONLOSS, 'the write fails with CONNECTIONLOSS')
  t.equal((error as KeeperError).path, '/n')
  t.equal((await read).data.toString(), 'v', 'the idempotent read was retried on the new connection')
  t.ok(states.includes('reconnected'))
  t.same(server.last.frames.map((f) => f.request.type), [OpCode.getData], 'the write was not resent')
})

t.test('replies are matched in FIFO order; a reply for the wrong xid drops the connection', async (t) => {
  let sabotage = true
  const { zk, states } = await setup(t, {
    onRequest: (f) => {
      if (f.request.type !== OpCode.sync || !sabotage) return undefined
      sabotage = false
      return { xid: f.xid + 7, response: { path: '/' } }
    },
  })
  const error = await zk.sync('/').catch((e: unknown) => e)
  t.equal(code(error), ErrorCode.CONNECTIONLOSS)
  t.match(String((error as Error).cause), /reply out of order/)
  await until(() => states.includes('reconnected'), 5_000, 'reconnected')
  await zk.sync('/')
  t.pass('works again after reconnecting')
})

t.test('a server behind what the client already saw is left for another', async (t) => {
  const ahead = await FakeServer.start({ zxid: 100n })
  const behind = await FakeServer.start({ zxid: 5n })
  t.teardown(() => Promise.all([ahead.close(), behind.close()]))
  const zk = await createClient(`${ahead.address},${behind.address}`, { shuffleHosts: false, sessionTimeoutMs: 10_000 })
  t.teardown(() => zk.close())
  await zk.sync('/')
  t.equal(zk.lastZxidSeen, 100n)
  ahead.dropAll()
  await until(() => behind.connections.length > 0 && zk.state !== 'suspended' && zk.connectedHost === behind.address, 5_000, 'the lagging server')
  const error = await zk.sync('/').catch((e: unknown) => e)
  t.equal(code(error), ErrorCode.CONNECTIONLOSS)
  t.match(String((error as Error).cause), /behind what this client already saw/)
  await until(() => zk.connectedHost === ahead.address, 5_000, 'back on the up-to-date server')
  await zk.sync('/')
  t.equal(zk.lastZxidSeen, 100n, 'never went back')
})

t.test('pings at a third of the timeout; silence for two thirds drops the connection', async (t) => {
  let answerPings = true
  const { server, zk, states } = await setup(t, { timeoutMs: 900, onRequest: (f) => (f.request.type === OpCode.ping && !answerPings ? 'silent' : undefined) }, { sessionTimeoutMs: 900 })
  t.equal(zk.negotiatedTimeoutMs, 900)
  const start = performance.now()
  await new Promise((resolve) => setTimeout(resolve, 1_000))
  const pings = server.last.ofType(OpCode.ping).length
  t.ok(pings >= 2 && pings <= 4, `${pings} pings in ${Math.round(performance.now() - start)} ms (one per 300 ms idle)`)
  answerPings = false
  const silentFrom = performance.now()
  await until(() => states.includes('suspended'), 2_000, 'suspended')
  const after = performance.now() - silentFrom
  t.ok(after < 900, `dropped after ${Math.round(after)} ms of silence`)
  answerPings = true
  await until(() => states.includes('reconnected'), 3_000, 'reconnected')
})

t.test('SetWatches2 answered with SESSIONEXPIRED (the session was closed meanwhile) is an expiry, not an error', async (t) => {
  let sessionClosed = false
  const { server, zk, states } = await setup(t, {
    onConnect: (request) => (sessionClosed && request.sessionId !== 0n ? { protocolVersion: 0, timeOut: 0, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false } : undefined),
    onRequest: (f) => (f.request.type === OpCode.setWatches2 && !sessionClosed ? ((sessionClosed = true), { err: ErrorCode.SESSIONEXPIRED }) : undefined),
  })
  const errors: unknown[] = []
  zk.on('error', (e) => errors.push(e))
  await zk.create('/w', 'x')
  const oneShot: WatchEvent[] = []
  await zk.getData('/w', { watch: (e) => oneShot.push(e) })
  const oldSession = zk.sessionId
  server.dropAll()
  await until(() => states.includes('connected'), 5_000, 'a new session')
  t.same(states, ['suspended', 'reconnected', 'suspended', 'expired', 'connected'], 'reconnected, refused SetWatches2, then the expiry and a new session')
  t.same(oneShot, [{ type: 'sessionExpired', path: '/w' }], 'the watcher learns its watch is gone')
  t.same(errors, [], 'no error event')
  t.not(zk.sessionId, oldSession)
})

t.test('no ping right after the handshake: the ConnectRequest counts as a send', async (t) => {
  const { server, zk } = await setup(t, { timeoutMs: 3_000 }, { sessionTimeoutMs: 3_000 })
  t.equal(zk.negotiatedTimeoutMs, 3_000)
  await new Promise((resolve) => setTimeout(resolve, 400))
  t.equal(server.last.ofType(OpCode.ping).length, 0, 'the first ping is due 1 s (a third of the timeout) after connecting')
})

t.test('per-call timeout and AbortSignal; late replies are discarded in order', async (t) => {
  let hold = true
  const { server, zk } = await setup(t, { onRequest: (f) => (hold && f.request.type === OpCode.sync ? 'hold' : undefined) })
  const timedOut = zk.sync('/a', { timeoutMs: 30 }).catch((e: unknown) => e)
  const controller = new AbortController()
  const aborted = zk.sync('/b', { signal: controller.signal }).catch((e: unknown) => e)
  controller.abort(new Error('caller gave up'))
  t.equal(code(await timedOut), ErrorCode.REQUESTTIMEOUT)
  t.match(await aborted, { message: 'caller gave up' })
  await t.rejects(zk.sync('/c', { signal: AbortSignal.abort(new Error('already')) }), { message: 'already' })
  hold = false
  const next = zk.sync('/d')
  server.last.release()
  await next
  t.equal(zk.state, 'connected', 'the late replies matched their calls and did not drop the connection')
})

t.test('one-shot watch callbacks and notifications', async (t) => {
  const { server, zk } = await setup(t)
  await zk.create('/w', 'x')
  const events: WatchEvent[] = []
  await zk.getData('/w', { watch: (e) => events.push(e) })
  server.last.notify(EventType.NodeDataChanged, '/w')
  await until(() => events.length === 1, 2_000, 'the event')
  server.last.notify(EventType.NodeDataChanged, '/w')
  await zk.sync('/')
  t.same(events, [{ type: 'dataChanged', path: '/w' }], 'fired once')
  const removed: WatchEvent[] = []
  await zk.exists('/w', { watch: (e) => removed.push(e) })
  await zk.removeWatches('/w', { type: 'data' })
  t.same(removed, [{ type: 'removed', path: '/w' }])
  t.same(server.last.ofType(OpCode.removeWatches).map((f) => f.request), [{ type: OpCode.removeWatches, path: '/w', watcherType: 2 }])
  await t.rejects(zk.removeWatches('/w'), { code: ErrorCode.NOWATCHER })
  const errors: unknown[] = []
  zk.on('error', (e) => errors.push(e))
  const persistent = zk.watch('/w')
  await zk.exists('/w', { watch: () => { throw new Error('listener bug') } })
  server.last.notify(EventType.NodeDataChanged, '/w')
  const next = (await persistent.next()).value as PersistentWatchEvent
  t.same(next, { type: 'dataChanged', path: '/w' }, 'a throwing listener does not stop the others')
  t.match(errors, [{ message: 'listener bug' }], 'it is reported on error')
  await persistent.return!()
  await until(() => server.last.ofType(OpCode.removeWatches).length === 2, 2_000, 'removeWatches for the last listener')
})

t.test('AUTHFAILED is final', async (t) => {
  const { zk, states } = await setup(t, { onRequest: (f) => (f.xid === Xid.AUTH ? { err: ErrorCode.AUTHFAILED, zxid: 0n } : undefined) })
  await t.rejects(zk.addAuth('nonsense', 'x'), { code: ErrorCode.AUTHFAILED })
  t.equal(zk.state, 'authFailed')
  t.same(states, ['authFailed'])
  await t.rejects(zk.getData('/'), { code: ErrorCode.AUTHFAILED })
})

t.test('close sends closeSession after earlier calls, then refuses calls', async (t) => {
  const { server, zk, states } = await setup(t)
  const earlier = zk.create('/before-close', 'x')
  await zk.close()
  await earlier
  t.same(server.last.frames.map((f) => f.request.type), [OpCode.create, OpCode.closeSession])
  t.same(states, ['closed'])
  t.equal(zk.state, 'closed')
  await t.rejects(zk.getData('/'), { code: ErrorCode.SESSIONEXPIRED })
  await zk.close()
  t.pass('close twice is fine')
})

t.test('createClient: bad options throw at once; no server within the session timeout rejects', async (t) => {
  await t.rejects(createClient('127.0.0.1:1', { sessionTimeoutMs: -5 }), { name: 'InvalidOptionsError', message: /sessionTimeoutMs/ })
  await t.rejects(createClient('nonsense::'), { name: 'InvalidOptionsError' })
  const silent = await FakeServer.start({ onConnect: () => 'silent' })
  t.teardown(() => silent.close())
  const started = performance.now()
  const error = await createClient(silent.address, { sessionTimeoutMs: 400, connectTimeoutMs: 100 }).catch((e: unknown) => e)
  t.equal(code(error), ErrorCode.CONNECTIONLOSS)
  t.match(String((error as Error).cause), /established a session within 400 ms/)
  t.ok(performance.now() - started < 1_500)
  t.ok(silent.connections.length >= 2, 'kept trying until then')
})

t.test('chroot: paths go out with it and come back without it', async (t) => {
  const server = await FakeServer.start()
  t.teardown(() => server.close())
  const zk = await createClient(`${server.address}/app`)
  t.teardown(() => zk.close())
  server.nodes.set('/app', { data: Buffer.alloc(0), stat: { czxid: 1n, mzxid: 1n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 0, numChildren: 0, pzxid: 1n } })
  t.equal(await zk.create('/job', 'x'), '/job')
  t.ok(server.nodes.has('/app/job'))
  t.ok(await zk.exists('/'), '/ is the chroot')
  const events: WatchEvent[] = []
  await zk.getData('/job', { watch: (e) => events.push(e) })
  server.last.notify(EventType.NodeDeleted, '/app/job')
  await until(() => events.length === 1, 2_000, 'event')
  t.same(events, [{ type: 'deleted', path: '/job' }])
})

t.test('reconfig: the request record and the new config', async (t) => {
  const { server, zk } = await setup(t, {
    onRequest: (f) => (f.request.type === OpCode.reconfig ? { response: { data: Buffer.from('server.1=a\nversion=200000002'), stat: { czxid: 0n, mzxid: 7n, ctime: 0n, mtime: 0n, version: 2, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 30, numChildren: 0, pzxid: 0n } } } : undefined),
  })
  const result = await zk.reconfig({ joining: 'server.4=127.0.0.1:1:2;3', fromConfigVersion: 0x100000001n })
  t.equal(result.data.toString(), 'server.1=a\nversion=200000002')
  t.equal(result.stat.version, 2)
  t.same(server.last.ofType(OpCode.reconfig).map((f) => f.request), [{ type: OpCode.reconfig, joiningServers: 'server.4=127.0.0.1:1:2;3', leavingServers: null, newMembers: null, curConfigId: 0x100000001n }])
})

t.test('frames written in one tick leave in one socket write, also when the first is written outside a promise continuation', async (t) => {
  const { server, zk } = await setup(t)
  // The client's own socket is the one whose peer is the fake server's port; count its writes.
  const { Socket } = await import('node:net')
  const write = Socket.prototype.write
  let writes = 0
  Socket.prototype.write = function (this: InstanceType<typeof Socket>, ...args: Parameters<typeof write>) {
    // Requests only (xid > 0): a ping (xid -2) may be due any time and always leaves alone.
    const [chunk] = args
    if (this.remotePort === server.port && Buffer.isBuffer(chunk) && chunk.readInt32BE(4) > 0) writes++
    return write.apply(this, args)
  } as typeof write
  t.teardown(() => void (Socket.prototype.write = write))
  // A timer (as a watch callback or a socket event) calls the client directly, then from promise
  // continuations of the same tick: process.nextTick runs before those continuations, so a flush
  // scheduled with it alone sent the first frame on its own.
  const calls = await new Promise<Promise<unknown>[]>((resolve) =>
    setTimeout(() => {
      const sent = [zk.exists('/a')]
      void Promise.resolve()
        .then(() => sent.push(zk.exists('/b')))
        .then(async () => {
          await null
          sent.push(zk.exists('/c'))
          resolve(sent)
        })
    }, 1),
  )
  await Promise.all(calls)
  t.same(server.last.ofType(OpCode.exists).map((f) => (f.request as { path: string }).path), ['/a', '/b', '/c'])
  t.equal(writes, 1, 'one socket write for the three requests')
})
