import fc from 'fast-check'
import t from 'tap'
import type { Message } from '../src/core/messages.js'
import { MessageDecodeError } from '../src/core/errors.js'
import { decodeMessage, encodeMessage } from '../src/core/messages.js'

const u32 = fc.integer({ min: 0, max: 0xffff_ffff })
const zxid = fc.bigInt({ min: 0n, max: (1n << 64n) - 1n })
const bytes = fc.uint8Array({ maxLength: 64 })
const entries = fc
  .uniqueArray(zxid, { maxLength: 8 })
  .chain((zs) => fc.tuple(...zs.sort((a, b) => (a < b ? -1 : 1)).map((z) => bytes.map((payload) => ({ zxid: z, payload })))))
const link = { link: u32, seq: u32 }

const message: fc.Arbitrary<Message> = fc.oneof(
  fc.record({
    type: fc.constant('notification' as const),
    state: fc.constantFrom('looking', 'following', 'leading', 'observing' as const),
    leader: u32,
    zxid,
    round: u32,
    peerEpoch: u32,
    acceptedEpoch: u32,
  }),
  fc.record({ type: fc.constant('reset' as const), link: u32 }),
  fc.record({ ...link, type: fc.constant('followerinfo' as const), observer: fc.boolean(), acceptedEpoch: u32 }),
  fc.record({ ...link, type: fc.constant('leaderinfo' as const), newEpoch: u32 }),
  fc.record({ ...link, type: fc.constant('ackepoch' as const), currentEpoch: u32, lastZxid: zxid, counted: fc.boolean() }),
  fc.record({ ...link, type: fc.constant('syncstart' as const), mode: fc.constantFrom('diff', 'trunc', 'snap' as const), truncZxid: zxid, snapshotZxid: zxid, snapshotBytes: u32 }),
  fc.record({ ...link, type: fc.constant('snapchunk' as const), data: bytes }),
  fc.record({ ...link, type: fc.constantFrom('syncentries', 'proposal', 'inform' as const), entries }),
  fc.record({ ...link, type: fc.constant('newleader' as const), epoch: u32, lastZxid: zxid }),
  fc.record({ ...link, type: fc.constant('acknewleader' as const), lastZxid: zxid }),
  fc.record({ ...link, type: fc.constant('uptodate' as const), commitZxid: zxid }),
  fc.record({ ...link, type: fc.constantFrom('ack', 'commit' as const), zxid }),
  fc.record({ ...link, type: fc.constant('ping' as const) }),
  fc.record({ ...link, type: fc.constant('barrier' as const), id: u32 }),
  fc.record({ ...link, type: fc.constant('barrierdone' as const), id: u32, zxid, ok: fc.boolean() }),
  fc.record({ ...link, type: fc.constant('channel' as const), payload: bytes }),
) as fc.Arbitrary<Message>

t.test('every message round-trips through its encoding', async (t) => {
  fc.assert(fc.property(message, (m) => t.same(decodeMessage(encodeMessage(m)), m)), { numRuns: 2000 })
})

t.test('any truncation or extra byte is refused with MessageDecodeError', async (t) => {
  fc.assert(
    fc.property(message, fc.nat(), (m, cut) => {
      const b = encodeMessage(m)
      const short = b.subarray(0, cut % b.length)
      const long = new Uint8Array([...b, 0])
      return [short, long].every((x) => {
        try {
          decodeMessage(x)
          return false
        } catch (e) {
          return e instanceof MessageDecodeError
        }
      })
    }),
    { numRuns: 1000 },
  )
  t.pass('1,000 encodings cut or extended, all refused')
})

t.test('random bytes decode or raise MessageDecodeError, nothing else', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 80 }), (b) => {
      try {
        decodeMessage(b)
      } catch (e) {
        return e instanceof MessageDecodeError
      }
      return true
    }),
    { numRuns: 3000 },
  )
  t.pass('3,000 random byte strings')
})

t.test('specific refusals', async (t) => {
  t.throws(() => decodeMessage(new Uint8Array([99])), /unknown message type 99/)
  t.throws(() => decodeMessage(new Uint8Array([1, 9, 0, 0, 0, 0])), /bad state 9/)
  const ping = encodeMessage({ type: 'ping', link: 1, seq: 2 })
  t.throws(() => decodeMessage(new Uint8Array([...ping, 1])), /trailing bytes/)
  const start = encodeMessage({ type: 'syncstart', mode: 'diff', truncZxid: 0n, snapshotZxid: 0n, snapshotBytes: 0, link: 1, seq: 1 })
  start[9] = 7
  t.throws(() => decodeMessage(start), /bad mode 7/)
  const ack = encodeMessage({ type: 'ackepoch', currentEpoch: 1, lastZxid: 1n, counted: true, link: 1, seq: 1 })
  ack[ack.length - 1] = 2
  t.throws(() => decodeMessage(ack), /bad boolean/)
  const unordered = encodeMessage({ type: 'proposal', link: 1, seq: 1, entries: [{ zxid: 5n, payload: new Uint8Array() }, { zxid: 6n, payload: new Uint8Array() }] })
  unordered[9 + 4 + 7] = 9 // first zxid's low byte: 9 > 6
  t.throws(() => decodeMessage(unordered), /not strictly increasing/)
  const huge = new Uint8Array([20, 0, 0, 0, 1, 0, 0, 0, 1, 0xff, 0xff, 0xff, 0xff])
  t.throws(() => decodeMessage(huge), /exceeds the message/, 'an absurd entry count is refused before allocating')
  t.throws(() => encodeMessage({ type: 'reset', link: -1 }), RangeError)
})

t.test('payloads are copied out of the frame', async (t) => {
  const frame = encodeMessage({ type: 'channel', link: 1, seq: 1, payload: new Uint8Array([1, 2, 3]) })
  const m = decodeMessage(frame)
  frame.fill(0)
  t.same(m.type === 'channel' && [...m.payload], [1, 2, 3])
})
