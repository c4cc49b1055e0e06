import t from 'tap'
import fc from 'fast-check'
import { encodeFrame, FrameDecoder, TransportError } from '../../src/transport/index.js'
import { framePayloads } from '../../src/transport/frame.js'
import { SendQueue } from '../../src/transport/send-queue.js'

t.test('frames survive any split of the byte stream', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { maxLength: 20 }), fc.array(fc.integer({ min: 1, max: 97 }), { minLength: 1 }), (payloads, cuts) => {
      const stream = Buffer.concat(payloads.map((p) => encodeFrame(p, 1000)))
      const decoder = new FrameDecoder(1000)
      const got: Buffer[] = []
      for (let at = 0, i = 0; at < stream.length; i++) {
        const size = cuts[i % cuts.length]!
        decoder.append(stream.subarray(at, at + size))
        at += size
        for (let frame = decoder.next(); frame !== undefined; frame = decoder.next()) got.push(Buffer.from(frame))
      }
      return decoder.pendingBytes === 0 && got.length === payloads.length && got.every((frame, i) => frame.equals(payloads[i]!))
    }),
  )
  t.pass()
})

t.test('a frame length above the limit is refused from its header alone', async (t) => {
  const decoder = new FrameDecoder(10)
  const header = Buffer.alloc(4)
  header.writeUInt32BE(11)
  decoder.append(header)
  t.throws(() => decoder.next(), { code: 'FRAME_TOO_LARGE' })
  t.throws(() => encodeFrame(new Uint8Array(11), 10), TransportError)
  t.equal(encodeFrame(new Uint8Array(10), 10).length, 14)
})

t.test('framePayloads writes the same bytes as one encodeFrame per payload', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.uint8Array({ maxLength: 300 }), { minLength: 1, maxLength: 20 }), (payloads) => {
      t.same(framePayloads(payloads), Buffer.concat(payloads.map((p) => encodeFrame(p, 1000))))
    }),
  )
})

t.test('the send queue holds its bounds in frames and bytes', async (t) => {
  const queue = new SendQueue(3, 100)
  t.ok(queue.offer(Buffer.alloc(40)))
  t.ok(queue.offer(Buffer.alloc(40)))
  t.notOk(queue.offer(Buffer.alloc(40)), 'bytes bound')
  t.ok(queue.offer(Buffer.alloc(10)))
  t.notOk(queue.offer(Buffer.alloc(1)), 'count bound')
  t.same([queue.length, queue.bytes], [3, 90])
  t.same(queue.takeUpTo(50).map((b) => b.length), [40], 'takes whole frames up to the size')
  t.same(queue.takeUpTo(1).map((b) => b.length), [40], 'at least one frame')
  t.equal(queue.bytes, 10)
  t.equal(queue.clear(), 1)
  t.same([queue.length, queue.bytes], [0, 0])
})

t.test('a long-lived queue does not keep taken frames', async (t) => {
  const queue = new SendQueue(10, 10_000)
  let refused = 0
  for (let i = 0; i < 5_000; i++) {
    if (!queue.offer(Buffer.alloc(1))) refused += 1
    if (i % 2 === 1) queue.takeUpTo(2)
  }
  t.equal(refused, 0)
  t.equal(queue.length, 0)
})
