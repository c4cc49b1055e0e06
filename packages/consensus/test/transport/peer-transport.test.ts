import t from 'tap'
import { connect, createServer, type Socket } from 'node:net'
import { once } from 'node:events'
import { waitFor } from '@zoo/testkit'
import { encodeFrame, FrameDecoder, reconnectDelayMs } from '../../src/transport/index.js'
import { decodeHello, encodeHello, HELLO_BYTES } from '../../src/transport/handshake.js'
import { addresses, connected, HOST, startMember } from './members.js'

const text = (s: string) => Buffer.from(s)

/** A hand-driven member for misbehaving: dials or accepts, speaks the hello, then what the test says. */
async function fakeDialer(port: number, id: number): Promise<{ socket: Socket; hello: number }> {
  const socket = connect({ host: HOST, port })
  await once(socket, 'connect')
  socket.write(encodeFrame(encodeHello(id), HELLO_BYTES))
  const decoder = new FrameDecoder(HELLO_BYTES)
  for (;;) {
    decoder.append((await once(socket, 'data'))[0] as Buffer)
    const frame = decoder.next()
    if (frame !== undefined) return { socket, hello: decodeHello(frame) }
  }
}

t.test('three members connect pairwise and deliver in order both ways', async (t) => {
  const peers = await addresses([1, 2, 3])
  const members = await Promise.all([1, 2, 3].map((id) => startMember(t, id, peers)))
  const [one, two, three] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]]
  await Promise.all([connected(one.transport, 2), connected(one.transport, 3), connected(two.transport, 3)])
  for (let i = 0; i < 500; i++) {
    one.transport.send(3, text(`1->3 ${i}`))
    three.transport.send(1, text(`3->1 ${i}`))
    two.transport.send(1, text(`2->1 ${i}`))
  }
  await waitFor(async () => three.inbox.length === 500 && one.inbox.length === 1000, 5_000, 'all messages')
  t.same(three.inbox.map((m) => m.text), Array.from({ length: 500 }, (_, i) => `1->3 ${i}`))
  t.same(one.inbox.filter((m) => m.from === 3).map((m) => m.text), Array.from({ length: 500 }, (_, i) => `3->1 ${i}`))
  t.same(one.inbox.filter((m) => m.from === 2).map((m) => m.text), Array.from({ length: 500 }, (_, i) => `2->1 ${i}`))
  t.match(one.transport.stats(3), { connected: true, receivedFrames: 500, sentFrames: 500, droppedFrames: 0, connects: 1 })
})

t.test('frames sent before the peer is up are queued and delivered once it connects', async (t) => {
  const peers = await addresses([1, 2])
  const two = await startMember(t, 2, peers)
  two.transport.send(1, text('early'))
  t.equal(two.transport.stats(1).queuedFrames, 1)
  const one = await startMember(t, 1, peers)
  await waitFor(async () => one.inbox.length === 1, 5_000, 'queued frame')
  t.same(one.inbox, [{ from: 2, text: 'early' }])
})

t.test('a restarted peer is reconnected to (with backoff) and the link works again', async (t) => {
  const peers = await addresses([1, 2])
  const two = await startMember(t, 2, peers)
  let one = await startMember(t, 1, peers)
  await connected(two.transport, 1)
  const events: string[] = []
  two.transport.on('connected', (id) => events.push(`up ${id}`))
  two.transport.on('disconnected', (id) => events.push(`down ${id}`))
  await one.transport.close()
  await waitFor(async () => !two.transport.isConnected(1), 5_000, 'disconnect seen')
  await new Promise((resolve) => setTimeout(resolve, 300)) // a few failed dials
  one = await startMember(t, 1, peers)
  await connected(two.transport, 1)
  two.transport.send(1, text('after restart'))
  one.transport.send(2, text('hello again'))
  await waitFor(async () => one.inbox.length === 1 && two.inbox.length === 1, 5_000, 'messages after restart')
  t.same(one.inbox, [{ from: 2, text: 'after restart' }])
  t.same(two.inbox, [{ from: 1, text: 'hello again' }])
  t.same(events, ['down 1', 'up 1'])
  t.equal(two.transport.stats(1).connects, 2)
})

t.test('a peer that stops reading cannot make the send queue grow past its bound', async (t) => {
  const peers = await addresses([1, 2])
  // Member 1 is a fake that accepts the dial, answers the hello, then never reads again.
  const stalled: Socket[] = []
  const fake = createServer((socket) => {
    stalled.push(socket)
    const decoder = new FrameDecoder(HELLO_BYTES)
    socket.once('data', (chunk) => {
      decoder.append(chunk)
      decodeHello(decoder.next()!)
      socket.write(encodeFrame(encodeHello(1), HELLO_BYTES))
      socket.pause()
    })
  })
  fake.listen(peers.get(1)!.port, HOST)
  await once(fake, 'listening')
  t.teardown(() => {
    for (const socket of stalled) socket.destroy()
    fake.close()
  })
  const maxQueueBytes = 256 * 1024
  const two = await startMember(t, 2, peers, { maxQueueBytes, maxQueueFrames: 1_000 })
  await connected(two.transport, 1)
  const payload = Buffer.alloc(1024, 7)
  let refused = 0
  let peakQueuedBytes = 0
  for (let i = 0; i < 20_000; i++) {
    if (!two.transport.send(1, payload)) refused += 1
    peakQueuedBytes = Math.max(peakQueuedBytes, two.transport.stats(1).queuedBytes)
    if (i % 200 === 0) await new Promise((resolve) => setImmediate(resolve)) // let the socket fill up
  }
  const stats = two.transport.stats(1)
  t.ok(peakQueuedBytes <= maxQueueBytes, `peak queue ${peakQueuedBytes} bytes`)
  t.ok(refused > 0 && stats.droppedFrames >= refused, `refused ${refused}, dropped ${stats.droppedFrames}`)
  t.ok(stats.overflowResets >= 1, 'the link to the stalled peer was reset rather than left to skip frames')
  t.ok(stats.sentFrames < 20_000)
})

t.test('an oversized frame closes only the link it arrived on', async (t) => {
  const peers = await addresses([1, 2, 3])
  const maxFrameBytes = 4096
  const one = await startMember(t, 1, peers, { maxFrameBytes })
  const two = await startMember(t, 2, peers, { maxFrameBytes })
  await connected(one.transport, 2)
  const warnings: string[] = []
  one.transport.on('warning', (message) => warnings.push(message))
  // Member 3 is a fake: it dials member 1, is accepted, then announces a 4097-byte frame.
  const { socket, hello } = await fakeDialer(peers.get(1)!.port, 3)
  t.teardown(() => socket.destroy())
  t.equal(hello, 1)
  await connected(one.transport, 3)
  const header = Buffer.alloc(4)
  header.writeUInt32BE(maxFrameBytes + 1)
  socket.write(header)
  await once(socket, 'close')
  await waitFor(async () => !one.transport.isConnected(3), 5_000, 'link 1-3 closed')
  t.equal(one.transport.stats(3).oversizedFrames, 1)
  t.match(warnings.join('\n'), /above maxFrameBytes/)
  t.ok(one.transport.isConnected(2), 'the link to member 2 is untouched')
  one.transport.send(2, text('still here'))
  await waitFor(async () => two.inbox.length === 1, 5_000, 'message over the healthy link')
  t.throws(() => one.transport.send(2, new Uint8Array(maxFrameBytes + 1)), { code: 'FRAME_TOO_LARGE' })
  t.throws(() => one.transport.send(9, text('x')), RangeError)
})

t.test('the handshake turns away strangers, wrong-way dials and garbage', async (t) => {
  const peers = await addresses([1, 2])
  const two = await startMember(t, 2, peers)
  const warnings: string[] = []
  two.transport.on('warning', (message) => warnings.push(message))
  for (const [label, bytes] of [
    ['unknown member', encodeFrame(encodeHello(7), HELLO_BYTES)],
    ['lower id dialing', encodeFrame(encodeHello(1), HELLO_BYTES)],
    ['garbage', encodeFrame(Buffer.from('GET / HTTP/1.'), 64)],
  ] as const) {
    const socket = connect({ host: HOST, port: peers.get(2)!.port })
    socket.on('error', () => undefined)
    await once(socket, 'connect')
    socket.write(bytes)
    await once(socket, 'close')
    t.pass(`${label}: closed`)
  }
  t.equal(warnings.length, 3, warnings.join('\n'))
  t.notOk(two.transport.isConnected(1))
})

t.test('a connection that never says hello is closed at the handshake deadline', async (t) => {
  const peers = await addresses([1, 2])
  await startMember(t, 2, peers, { handshakeTimeoutMs: 100 })
  const socket = connect({ host: HOST, port: peers.get(2)!.port })
  socket.on('error', () => undefined)
  const started = Date.now()
  await once(socket, 'close')
  t.ok(Date.now() - started < 3_000)
})

t.test('a peer that goes silent is dropped after idleTimeoutMs and redialed; idle healthy links stay up', async (t) => {
  const peers = await addresses([1, 2, 3])
  // Member 1 is a fake that answers the hello, then reads but never sends anything (a vanished host).
  const accepted: Socket[] = []
  const fake = createServer((socket) => {
    accepted.push(socket)
    const decoder = new FrameDecoder(HELLO_BYTES)
    socket.once('data', (chunk) => {
      decoder.append(chunk)
      decodeHello(decoder.next()!)
      socket.write(encodeFrame(encodeHello(1), HELLO_BYTES))
      socket.resume()
    })
  })
  fake.listen(peers.get(1)!.port, HOST)
  await once(fake, 'listening')
  t.teardown(() => {
    for (const socket of accepted) socket.destroy()
    fake.close()
  })
  const timing = { heartbeatMs: 50, idleTimeoutMs: 300 }
  const three = await startMember(t, 3, peers, timing)
  const two = await startMember(t, 2, peers, timing)
  await Promise.all([connected(three.transport, 1), connected(three.transport, 2)])
  const reasons: string[] = []
  three.transport.on('disconnected', (peer, reason) => reasons.push(`${peer}: ${reason}`))
  await waitFor(async () => three.transport.stats(1).connects >= 2, 5_000, 'the silent link dropped and redialed')
  t.match(reasons.join('\n'), /1: nothing received for \d+ ms/)
  t.equal(three.transport.stats(2).connects, 1, 'the idle link between real members stayed up on heartbeats')
  t.ok(two.transport.isConnected(3))
  t.same(two.inbox, [], 'heartbeats are not delivered as messages')
  t.throws(() => two.transport.send(3, new Uint8Array(0)), RangeError)
})

t.test('reconnect delays back off exponentially to a cap, with jitter', async (t) => {
  t.equal(reconnectDelayMs(0, 50, 2_000, 0), 25)
  t.equal(reconnectDelayMs(0, 50, 2_000, 1), 50)
  t.equal(reconnectDelayMs(3, 50, 2_000, 1), 400)
  t.equal(reconnectDelayMs(10, 50, 2_000, 0.5), 1_500)
  t.equal(reconnectDelayMs(1_000, 50, 2_000, 1), 2_000, 'no overflow for many failures')
})
