import t from 'tap'
import type { Test } from 'tap'
import { decodeConnectResponse, decodeReply, encodeConnectRequest, encodeReply, encodeRequest, OpCode, Xid, ErrorCode } from '@zoo/protocol'
import { ClientPort } from '../../src/net/client-port.js'
import { negotiateTimeoutMs, OutstandingBudget } from '../../src/net/connection.js'
import type { Connection, ConnectionHandler, IncomingRequest } from '../../src/net/connection.js'
import { RawClient } from '../support/raw-client.js'

interface Seen {
  connection: Connection
  incoming: IncomingRequest
}

/** A handler that accepts every session and lets the test decide when to answer. */
function testHandler(options: { autoReply: boolean; reject?: boolean }) {
  const seen: Seen[] = []
  const closed: string[] = []
  let nextSession = 0x100n
  const handler: ConnectionHandler = {
    fourLetterWord: (word) => (word === 'ruok' ? 'imok' : `${word} is not executed because it is not in the whitelist.\n`),
    connect(connection, request) {
      if (options.reject === true) return connection.reject('unknown session')
      connection.accept({ sessionId: nextSession++, passwd: Buffer.alloc(16, 7), timeoutMs: request.negotiatedTimeoutMs, readOnly: false })
    },
    request(connection, incoming) {
      seen.push({ connection, incoming })
      if (options.autoReply) answer({ connection, incoming })
    },
    closed: (_c, reason) => void closed.push(reason),
  }
  return { handler, seen, closed }
}

function answer({ connection, incoming }: Seen): void {
  const err = incoming.request === undefined ? ErrorCode.UNIMPLEMENTED : ErrorCode.OK
  const frame = encodeReply({ xid: incoming.header.xid, zxid: 5n, err }, undefined, OpCode.ping)
  connection.reply(frame, incoming, 5n)
}

async function start(t: Test, handler: ConnectionHandler, overrides: Partial<ConstructorParameters<typeof ClientPort>[0]> = {}) {
  const port = new ClientPort(
    {
      host: '127.0.0.1', port: 0, maxClientCnxns: 0, maxFrameBytes: 0xfffff, maxOutstandingRequests: 1000, maxPendingWriteBytes: 1 << 20,
      minSessionTimeoutMs: 4000, maxSessionTimeoutMs: 40000, handshakeTimeoutMs: 10_000, ...overrides,
    },
    handler,
  )
  await port.listen()
  t.teardown(() => port.close())
  return port
}

const ping = (xid: number = Xid.PING) => encodeRequest(xid, { type: OpCode.ping })

t.test('timeout negotiation clamps into [min, max]', async (t) => {
  t.equal(negotiateTimeoutMs(1000, 4000, 40000), 4000)
  t.equal(negotiateTimeoutMs(10000, 4000, 40000), 10000)
  t.equal(negotiateTimeoutMs(100000, 4000, 40000), 40000)
})

t.test('a four-letter word as the first bytes is answered, then the connection closes', async (t) => {
  const port = await start(t, testHandler({ autoReply: true }).handler)
  const c = await RawClient.connect(port.port)
  c.send(Buffer.from('ru'))
  await new Promise((r) => setTimeout(r, 20))
  c.send(Buffer.from('ok'))
  await c.waitClosed()
  t.equal(c.raw.toString(), 'imok')
  const d = await RawClient.connect(port.port)
  d.send(Buffer.from('wchs'))
  await d.waitClosed()
  t.equal(d.raw.toString(), 'wchs is not executed because it is not in the whitelist.\n')
})

t.test('handshake with and without the readOnly byte is answered likewise, timeout clamped', async (t) => {
  const port = await start(t, testHandler({ autoReply: true }).handler)
  const withByte = await RawClient.connect(port.port)
  withByte.send(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOut: 100_000, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false }))
  const a = await withByte.frame()
  t.equal(a.length, 37)
  t.match(decodeConnectResponse(a), { timeOut: 40000, sessionId: 0x100n, readOnly: false })
  const without = await RawClient.connect(port.port)
  without.send(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOut: 10, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: undefined }))
  const b = await without.frame()
  t.equal(b.length, 36)
  t.match(decodeConnectResponse(b), { timeOut: 4000, readOnly: undefined })
  withByte.destroy()
  without.destroy()
})

t.test('requests pipelined behind the ConnectRequest wait for the accept, in order', async (t) => {
  const { handler, seen } = testHandler({ autoReply: true })
  const port = await start(t, handler)
  const c = await RawClient.connect(port.port)
  const connect = encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOut: 5000, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false })
  c.send(Buffer.concat([connect, ping(1), ping(2), ping(3)]))
  decodeConnectResponse(await c.frame())
  const xids = []
  for (let i = 0; i < 3; i++) xids.push(decodeReply(await c.frame(), OpCode.ping).header.xid)
  t.same(xids, [1, 2, 3])
  t.same(seen.map((s) => s.incoming.header.xid), [1, 2, 3])
  c.destroy()
})

t.test('a frame over jute.maxbuffer closes that connection only', async (t) => {
  const { handler, closed } = testHandler({ autoReply: true })
  const port = await start(t, handler, { maxFrameBytes: 1000 })
  const good = (await RawClient.session(port.port)).client
  const bad = (await RawClient.session(port.port)).client
  const header = Buffer.alloc(4)
  header.writeInt32BE(1001)
  bad.send(header)
  await bad.waitClosed()
  t.match(closed, [/bad frame: frame-too-large/])
  good.send(ping())
  t.equal(decodeReply(await good.frame(), OpCode.ping).header.xid, Xid.PING)
  const negative = (await RawClient.session(port.port)).client
  negative.send(Buffer.from([0xff, 0xff, 0xff, 0xfe]))
  await negative.waitClosed()
  good.destroy()
})

t.test('an unknown opcode reaches the handler (to answer in order); a malformed body closes', async (t) => {
  const { handler, seen } = testHandler({ autoReply: true })
  const port = await start(t, handler)
  const { client } = await RawClient.session(port.port)
  const unknown = Buffer.alloc(12)
  unknown.writeInt32BE(8)
  unknown.writeInt32BE(9, 4)
  unknown.writeInt32BE(999, 8)
  client.send(unknown)
  const reply = decodeReply(await client.frame(), OpCode.ping)
  t.same(reply.header, { xid: 9, zxid: 5n, err: ErrorCode.UNIMPLEMENTED })
  t.equal(seen[0]?.incoming.request, undefined)
  // getData whose path length points past the frame
  const bad = Buffer.alloc(16)
  bad.writeInt32BE(12)
  bad.writeInt32BE(10, 4)
  bad.writeInt32BE(OpCode.getData, 8)
  bad.writeInt32BE(500, 12)
  client.send(bad)
  await client.waitClosed()
})

t.test('requests in flight per connection are bounded: reading stops, then resumes', async (t) => {
  const { handler, seen } = testHandler({ autoReply: false })
  const port = await start(t, handler, { maxOutstandingRequests: 8 })
  const { client } = await RawClient.session(port.port)
  client.send(Buffer.concat(Array.from({ length: 50 }, (_, i) => ping(i + 1))))
  await new Promise((r) => setTimeout(r, 100))
  t.equal(seen.length, 8, 'only 8 requests taken while none is answered')
  t.equal(seen[0]?.connection.interestOps, 0, 'throttled connections show interest 0')
  for (let round = 0; round < 10 && seen.length < 50; round++) {
    for (const s of seen.splice(0)) answer(s)
    await new Promise((r) => setTimeout(r, 20))
  }
  for (const s of seen.splice(0)) answer(s)
  const xids = []
  for (let i = 0; i < 50; i++) xids.push(decodeReply(await client.frame(), OpCode.ping).header.xid)
  t.same(xids, Array.from({ length: 50 }, (_, i) => i + 1))
  client.destroy()
})

t.test('maxClientCnxns limits connections per address', async (t) => {
  const rejected: string[] = []
  const port = await start(t, testHandler({ autoReply: true }).handler, { maxClientCnxns: 2, onRejected: (_a, reason) => rejected.push(reason) })
  const a = await RawClient.session(port.port)
  const b = await RawClient.session(port.port)
  const c = await RawClient.connect(port.port)
  await c.waitClosed()
  t.match(rejected, [/too many connections from 127\.0\.0\.1 \(max 2\)/])
  a.client.destroy()
  await new Promise((r) => setTimeout(r, 50))
  const d = await RawClient.session(port.port)
  t.equal(d.response.timeOut, 30000, 'a slot frees when a connection closes')
  b.client.destroy()
  d.client.destroy()
})

t.test('reject answers timeout 0 and session 0, then closes', async (t) => {
  const port = await start(t, testHandler({ autoReply: true, reject: true }).handler)
  const c = await RawClient.connect(port.port)
  c.send(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOut: 5000, sessionId: 0x55n, passwd: Buffer.alloc(16), readOnly: false }))
  t.match(decodeConnectResponse(await c.frame()), { timeOut: 0, sessionId: 0n })
  await c.waitClosed()
})

t.test('a connection that never sends its ConnectRequest is closed', async (t) => {
  const { handler, closed } = testHandler({ autoReply: true })
  const port = await start(t, handler, { handshakeTimeoutMs: 100 })
  const c = await RawClient.connect(port.port)
  await c.waitClosed()
  t.match(closed, [/no ConnectRequest/])
})

t.test('the member-wide budget (globalOutstandingLimit) throttles every connection, and comes back on close', async (t) => {
  const { handler, seen } = testHandler({ autoReply: false })
  const budget = new OutstandingBudget(6)
  const port = await start(t, handler, { budget })
  const a = (await RawClient.session(port.port)).client
  const b = (await RawClient.session(port.port)).client
  a.send(Buffer.concat(Array.from({ length: 10 }, (_, i) => ping(i + 1))))
  await new Promise((r) => setTimeout(r, 50))
  b.send(Buffer.concat(Array.from({ length: 10 }, (_, i) => ping(i + 1))))
  await new Promise((r) => setTimeout(r, 100))
  t.equal(seen.length, 6, 'no more than the budget is taken in, whichever connection sent it')
  t.equal(budget.count, 6)
  a.destroy()
  await new Promise((r) => setTimeout(r, 100))
  t.ok(seen.length > 6, 'the closed connection gave its share back, the other one reads again')
  for (const s of seen.splice(0)) answer(s)
  for (let round = 0; round < 10; round++) {
    for (const s of seen.splice(0)) answer(s)
    await new Promise((r) => setTimeout(r, 20))
  }
  t.equal(budget.count, 0)
  b.destroy()
})

t.test('a four-letter word whose answer fails closes that connection only', async (t) => {
  const { handler } = testHandler({ autoReply: true })
  const port = await start(t, { ...handler, fourLetterWord: () => { throw new Error('boom') } })
  const c = await RawClient.connect(port.port)
  c.send(Buffer.from('mntr'))
  await c.waitClosed()
  t.equal(c.raw.length, 0)
  const d = (await RawClient.session(port.port)).client
  d.send(ping())
  t.equal(decodeReply(await d.frame(), OpCode.ping).header.xid, Xid.PING, 'the port still serves')
  d.destroy()
})
