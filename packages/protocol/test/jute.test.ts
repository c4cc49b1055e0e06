import fc from 'fast-check'
import t from 'tap'
import { DEFAULT_MAX_FRAME_BYTES, JuteReader, JuteWriter, RECORD_LENGTH_SLACK_BYTES, readStringItem, writeStringItem } from '../src/index.js'
import { long } from './arbitraries.js'
import { throwsProtocolError } from './helpers.js'

const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')

t.test('primitives are big-endian two\'s complement, as jute', async (t) => {
  const w = new JuteWriter(16)
  w.int(-2)
  w.long(0x0102030405060708n)
  w.long(-1n)
  w.bool(true)
  w.bool(false)
  w.buffer(Buffer.from('ab'))
  w.buffer(null)
  w.ustring('é')
  w.ustring(null)
  w.vector(['x'], writeStringItem)
  w.vector(null, writeStringItem)
  t.equal(
    w.toBuffer().toString('hex'),
    'fffffffe' + '0102030405060708' + 'ffffffffffffffff' + '01' + '00' + '000000026162' + 'ffffffff' + '00000002c3a9' + 'ffffffff' +
      '0000000100000001' + '78' + 'ffffffff',
  )
  const r = new JuteReader(w.toBuffer())
  t.equal(r.int(), -2)
  t.equal(r.long(), 0x0102030405060708n)
  t.equal(r.long(), -1n)
  t.equal(r.bool(), true)
  t.equal(r.bool(), false)
  t.same(r.buffer(), Buffer.from('ab'))
  t.equal(r.buffer(), null)
  t.equal(r.ustring(), 'é')
  t.equal(r.ustring(), null)
  t.same(r.vector(readStringItem), ['x'])
  t.equal(r.vector(readStringItem), null)
  t.ok(r.atEnd)
  r.done()
})

t.test('every int64 round-trips through long()', async (t) => {
  fc.assert(
    fc.property(long, (v) => {
      const w = new JuteWriter()
      w.long(v)
      const b = w.toBuffer()
      if (b.readBigInt64BE(0) !== v) throw new Error(`wrote ${b.toString('hex')} for ${v}`)
      if (new JuteReader(b).long() !== v) throw new Error(`read back ${v} wrong`)
    }),
  )
  for (const v of [0n, 1n, -1n, 2n ** 53n, 2n ** 53n - 1n, -(2n ** 53n), 2n ** 63n - 1n, -(2n ** 63n), 0x1fffff00000000n, -0x20000000000000n]) {
    const w = new JuteWriter()
    w.long(v)
    t.equal(new JuteReader(w.toBuffer()).long(), v, `long ${v}`)
  }
  t.throws(() => new JuteWriter().long(2n ** 63n), RangeError, 'out of int64 range is a programming error')
})

t.test('booleans: any non-zero byte is true, as Java\'s readBoolean', async (t) => {
  t.equal(new JuteReader(hex('02')).bool(), true)
  t.equal(new JuteReader(hex('00')).bool(), false)
})

t.test('the writer grows geometrically and keeps what it wrote', async (t) => {
  const w = new JuteWriter(16)
  const big = Buffer.alloc(10_000, 7)
  w.int(1)
  w.buffer(big)
  w.ustring('z'.repeat(5000))
  t.equal(w.length, 4 + 4 + 10_000 + 4 + 5000)
  const r = new JuteReader(w.toBuffer())
  t.equal(r.int(), 1)
  t.same(r.buffer(), big)
  t.equal(r.ustring(), 'z'.repeat(5000))
})

t.test('framed writers fill in the length prefix', async (t) => {
  const w = JuteWriter.framed()
  w.int(7)
  t.equal(w.frame().toString('hex'), '00000004' + '00000007')
  const batch = new JuteWriter()
  for (const n of [1, 2]) {
    const start = batch.beginFrame()
    batch.int(n)
    batch.endFrame(start)
  }
  t.equal(batch.toBuffer().toString('hex'), '0000000400000001' + '0000000400000002')
})

t.test('buffers are copied by default and views on request', async (t) => {
  const frame = hex('00000002 6162')
  const copied = new JuteReader(frame).buffer() as Buffer
  const view = new JuteReader(frame, { copyBuffers: false }).buffer() as Buffer
  frame[4] = 0x7a
  t.equal(copied.toString(), 'ab')
  t.equal(view.toString(), 'zb')
})

t.test('malformed input raises ProtocolError with a reason', async (t) => {
  throwsProtocolError(t, () => new JuteReader(hex('000000')).int(), 'truncated', 'short int')
  throwsProtocolError(t, () => new JuteReader(hex('00000000000000')).long(), 'truncated', 'short long')
  throwsProtocolError(t, () => new JuteReader(Buffer.alloc(0)).bool(), 'truncated', 'missing bool')
  throwsProtocolError(t, () => new JuteReader(hex('fffffffe')).buffer(), 'bad-length', 'buffer length -2')
  throwsProtocolError(t, () => new JuteReader(hex('80000000')).ustring(), 'bad-length', 'ustring length -2^31')
  throwsProtocolError(t, () => new JuteReader(hex('00000005 61')).ustring(), 'truncated', 'ustring past the frame')
  throwsProtocolError(t, () => new JuteReader(hex('7fffffff')).buffer(), 'bad-length', 'buffer of 2 GiB')
  throwsProtocolError(t, () => new JuteReader(hex('fffffffe')).vector(readStringItem), 'bad-length', 'vector count -2')
  throwsProtocolError(t, () => new JuteReader(hex('7fffffff 00000000')).vector(readStringItem, 4), 'truncated', 'vector count past the frame')
  throwsProtocolError(t, () => new JuteReader(hex('00000001 00')).done(), 'trailing-bytes', 'unread bytes')
  const r = new JuteReader(hex('00000007 00000009 61'))
  r.int()
  const e = throwsProtocolError(t, () => r.ustring(), 'truncated', 'second field past the frame')
  t.equal(e?.offset, 4, 'errors say where')
})

t.test('record lengths may use the 1 KiB slack, and no more', async (t) => {
  const cap = DEFAULT_MAX_FRAME_BYTES + RECORD_LENGTH_SLACK_BYTES
  const ok = Buffer.alloc(4 + cap)
  ok.writeInt32BE(cap, 0)
  t.equal(new JuteReader(ok).buffer()?.length, cap)
  const over = Buffer.alloc(4 + cap + 1)
  over.writeInt32BE(cap + 1, 0)
  throwsProtocolError(t, () => new JuteReader(over).buffer(), 'bad-length', 'past the cap')
  const small = hex('00000010')
  throwsProtocolError(t, () => new JuteReader(Buffer.concat([small, Buffer.alloc(16)]), { maxLengthBytes: 15 }).buffer(), 'bad-length', 'custom cap')
})

t.test('a reader window reads only its slice', async (t) => {
  const r = new JuteReader(hex('00000001 00000002 00000003'), undefined, 4, 8)
  t.equal(r.int(), 2)
  t.ok(r.atEnd)
  t.throws(() => new JuteReader(hex('00'), undefined, 0, 2), RangeError)
})
