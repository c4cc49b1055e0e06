// CutProxy's protocol-blind mode (frames: false), on a plain echo server: any bytes pass both
// ways; cut/block/heal work as in ZooKeeper mode.
import { connect, createServer, type Socket } from 'node:net'
import t from 'tap'
import type { Test } from 'tap'
import { CutProxy, roundTrips } from '../src/testing.js'

async function echoServer(t: Test): Promise<number> {
  const sockets = new Set<Socket>()
  const server = createServer((socket) => {
    sockets.add(socket)
    socket.on('close', () => sockets.delete(socket)).on('error', () => {})
    socket.pipe(socket)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const socket of sockets) socket.destroy()
    return new Promise<void>((resolve) => server.close(() => resolve()))
  })
  return (server.address() as { port: number }).port
}

function open(port: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => resolve(socket)).once('error', reject)
  })
}

function roundTrip(socket: Socket, bytes: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    const onData = (chunk: Buffer) => {
      chunks.push(chunk)
      if (Buffer.concat(chunks).length >= bytes.length) {
        socket.off('data', onData)
        resolve(Buffer.concat(chunks))
      }
    }
    socket.on('data', onData).once('error', reject)
    socket.write(bytes)
  })
}

t.test('frames: false forwards any bytes; block cuts and refuses until heal', async (t) => {
  const proxy = await CutProxy.start({ port: await echoServer(t), frames: false })
  t.teardown(() => proxy.close())
  // Not length-prefixed frames: ZooKeeper mode would reject this length.
  const bytes = Buffer.from('*1\r\n$4\r\nPING\r\n\xff\xff\xff\xff', 'latin1')
  const first = await open(proxy.port)
  t.teardown(() => first.destroy())
  t.same(await roundTrip(first, bytes), bytes)
  t.throws(() => proxy.dropReplyOf(), /frames/)

  const closed = new Promise((resolve) => first.once('close', resolve))
  first.on('error', () => {})
  proxy.block()
  await closed
  const refused = connect(proxy.port, '127.0.0.1').on('error', () => {})
  await new Promise((resolve) => refused.once('close', resolve))
  t.pass('a connection while blocked is reset')

  proxy.heal()
  const second = await open(proxy.port)
  t.teardown(() => second.destroy())
  t.same(await roundTrip(second, bytes), bytes, 'healed')
})

t.test('roundTrips: a request read after a reply starts one, whenever the replies to pipelined requests come', async (t) => {
  const at = (n: number) => BigInt(n)
  const request = (xid: number, n: number) => ({ dir: 'request' as const, xid, opcode: 1, atNs: at(n) })
  const reply = (xid: number, n: number) => ({ dir: 'reply' as const, xid, err: 0, atNs: at(n) })
  const ping = (n: number) => ({ dir: 'reply' as const, xid: -2, err: 0, atNs: at(n) })
  // create | getChildren2 + getData | delete, the getData reply in before the delete or not
  t.equal(roundTrips([request(1, 0), reply(1, 1), request(2, 2), request(3, 2), reply(2, 3), reply(3, 3), request(4, 4), reply(4, 5)]), 3)
  t.equal(roundTrips([request(1, 0), reply(1, 1), request(2, 2), request(3, 2), reply(2, 3), request(4, 4), reply(3, 5), reply(4, 5)]), 3)
  // the getData on its own, after the getChildren2 reply: a round trip of its own
  t.equal(roundTrips([request(1, 0), reply(1, 1), request(2, 2), reply(2, 3), request(3, 4), reply(3, 5), request(4, 6), reply(4, 7)]), 4)
  t.equal(roundTrips([request(1, 0), ping(1), request(2, 2)]), 1, 'pings and notifications are not replies')
  t.equal(roundTrips([]), 0)
})
