import fc from 'fast-check'
import t from 'tap'
import { DEFAULT_MAX_FRAME_BYTES, FOUR_LETTER_WORDS, FrameDecoder, encodeFrame, fourLetterWordOf } from '../src/index.js'
import { throwsProtocolError } from './helpers.js'

function lengthPrefix(n: number): Buffer {
  const b = Buffer.alloc(4)
  b.writeInt32BE(n, 0)
  return b
}

/** Cuts `stream` at the given points (any order, duplicates allowed). */
function cut(stream: Buffer, points: number[]): Buffer[] {
  const sorted = [...new Set(points.map((p) => p % (stream.length + 1)))].sort((a, b) => a - b)
  const chunks: Buffer[] = []
  let from = 0
  for (const p of [...sorted, stream.length]) {
    chunks.push(stream.subarray(from, p))
    from = p
  }
  return chunks
}

t.test('frames split or coalesced anywhere come out whole and in order', async (t) => {
  const bodies = fc.array(fc.uint8Array({ maxLength: 600 }).map((a) => Buffer.from(a)), { maxLength: 12 })
  fc.assert(
    fc.property(bodies, fc.array(fc.nat(), { maxLength: 30 }), (frames, points) => {
      const stream = Buffer.concat(frames.map(encodeFrame))
      const decoder = new FrameDecoder()
      const got = cut(stream, points).flatMap((chunk) => decoder.push(chunk))
      if (got.length !== frames.length) throw new Error(`got ${got.length} frames, sent ${frames.length}`)
      got.forEach((body, i) => {
        if (!body.equals(frames[i] as Buffer)) throw new Error(`frame ${i} differs`)
      })
      if (decoder.bufferedBytes !== 0) throw new Error('bytes left over')
    }),
  )
  t.pass('split/coalesced streams decode')
})

t.test('a frame of exactly maxFrameBytes is accepted, one more byte is refused before buffering', async (t) => {
  t.equal(new FrameDecoder().maxFrameBytes, DEFAULT_MAX_FRAME_BYTES)
  t.equal(DEFAULT_MAX_FRAME_BYTES, 1_048_575)
  const atMax = new FrameDecoder()
  t.same(atMax.push(lengthPrefix(DEFAULT_MAX_FRAME_BYTES)), [])
  t.equal(atMax.bufferedBytes, 0)
  t.same(atMax.push(Buffer.alloc(DEFAULT_MAX_FRAME_BYTES - 1)), [])
  t.equal(atMax.push(Buffer.alloc(1)).length, 1)

  const over = new FrameDecoder()
  throwsProtocolError(t, () => over.push(lengthPrefix(DEFAULT_MAX_FRAME_BYTES + 1)), 'frame-too-large')
  t.equal(over.bufferedBytes, 0, 'nothing buffered')
  throwsProtocolError(t, () => over.push(Buffer.alloc(1)), 'frame-too-large', 'the decoder stays failed')
})

t.test('negative and absurd lengths are refused, also when the length arrives split', async (t) => {
  for (const len of [-1, -2, -0x80000000, 0x7fffffff, 0x100000]) {
    throwsProtocolError(t, () => new FrameDecoder().push(lengthPrefix(len)), 'frame-too-large', `length ${len}`)
    const split = new FrameDecoder()
    const prefix = lengthPrefix(len)
    t.same(split.push(prefix.subarray(0, 3)), [])
    throwsProtocolError(t, () => split.push(prefix.subarray(3)), 'frame-too-large', `length ${len} split`)
  }
  const small = new FrameDecoder({ maxFrameBytes: 10 })
  t.equal(small.push(Buffer.concat([lengthPrefix(10), Buffer.alloc(10)])).length, 1)
  throwsProtocolError(t, () => small.push(lengthPrefix(11)), 'frame-too-large', 'custom limit')
  t.throws(() => new FrameDecoder({ maxFrameBytes: -1 }), RangeError)
})

t.test('empty frames, Uint8Array chunks and zero-copy views', async (t) => {
  const d = new FrameDecoder()
  t.same(d.push(new Uint8Array([0, 0, 0, 0, 0, 0])), [Buffer.alloc(0)])
  t.same(d.push(new Uint8Array([0, 0])), [Buffer.alloc(0)], 'an empty frame whose length arrived split')
  const chunk = Buffer.concat([encodeFrame(Buffer.from('abc')), lengthPrefix(2), Buffer.from('d')])
  const [whole] = d.push(chunk)
  t.equal(whole?.buffer, chunk.buffer, 'a frame whole in its chunk is a view of it')
  t.equal(d.bufferedBytes, 1)
  const [joined] = d.push(Buffer.from('e'))
  t.equal(joined?.toString(), 'de')
})

t.test('encodeFrame prefixes the length', async (t) => {
  t.equal(encodeFrame(Buffer.from('hi')).toString('hex'), '000000026869')
})

t.test('four-letter words are recognised from a connection\'s first bytes', async (t) => {
  t.equal(fourLetterWordOf(Buffer.from('ruok')), 'ruok')
  t.equal(fourLetterWordOf(Buffer.from('srvr\n')), 'srvr')
  t.equal(fourLetterWordOf(Buffer.from('mntr')), 'mntr')
  t.equal(fourLetterWordOf(Buffer.from('ruo')), undefined, 'not yet 4 bytes')
  t.equal(fourLetterWordOf(Buffer.from('nope')), undefined)
  t.equal(fourLetterWordOf(lengthPrefix(44)), undefined, 'a ConnectRequest length')
  for (const word of FOUR_LETTER_WORDS) {
    t.ok(Buffer.from(word).readInt32BE(0) > DEFAULT_MAX_FRAME_BYTES, `${word} as a length is over the frame limit`)
  }
})
