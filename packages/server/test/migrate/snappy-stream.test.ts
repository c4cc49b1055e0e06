import t from 'tap'
import snappy from 'snappyjs'
import { isSnappyStream, unsnappy } from '../../src/migrate/snappy-stream.js'

/** A stream as snappy-java's SnappyOutputStream writes it: header, then length-prefixed raw blocks. */
function stream(blocks: Buffer[], header = true): Buffer {
  const head = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00, 0, 0, 0, 1, 0, 0, 0, 1])
  const parts: Buffer[] = header ? [head] : []
  for (const block of blocks) {
    const compressed = Buffer.from(snappy.compress(block))
    const length = Buffer.alloc(4)
    length.writeInt32BE(compressed.length)
    parts.push(length, compressed)
  }
  return Buffer.concat(parts)
}

t.test('blocks are decoded and joined; a repeated header is skipped', async (t) => {
  const a = Buffer.from('ZKSN'.repeat(5000))
  const b = Buffer.from(Array.from({ length: 40_000 }, (_, i) => (i * 7) & 0xff))
  t.ok(isSnappyStream(stream([a])))
  t.same(unsnappy(stream([a, b])), Buffer.concat([a, b]))
  t.same(unsnappy(Buffer.concat([stream([a]), stream([b])])), Buffer.concat([a, b]), 'two streams written one after the other')
})

t.test('damage is an error naming it', async (t) => {
  const whole = stream([Buffer.from('x'.repeat(1000))])
  t.throws(() => unsnappy(whole.subarray(0, whole.length - 3)), /does not fit the file/)
  t.throws(() => unsnappy(Buffer.concat([whole, Buffer.from([0, 0])])), /cut short/)
  t.throws(() => unsnappy(stream([Buffer.from('x')], false)), /no snappy-java stream header/)
})
