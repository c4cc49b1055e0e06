import t from 'tap'
import fc from 'fast-check'
import { crc32 } from 'node:zlib'
import { crc32Bytes, crc32Text } from '../src/crc32.js'

t.test('crc32Bytes is zlib.crc32 for any bytes and starting value, below and above the JS size limit', async (t) => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1200 }), fc.integer({ min: 0, max: 0xffffffff }), (bytes, start) => {
      t.equal(crc32Bytes(bytes), crc32(bytes))
      t.equal(crc32Bytes(bytes, start), crc32(bytes, start))
    }),
    { numRuns: 500 },
  )
  t.equal(crc32Bytes(Buffer.from('123456789')), 0xcbf43926, 'the CRC-32 check value')
})

t.test('crc32Text is zlib.crc32 of the string (its UTF-8 bytes), ASCII or not', async (t) => {
  fc.assert(
    fc.property(fc.oneof(fc.string({ maxLength: 700 }), fc.string({ unit: 'binary', maxLength: 40 }), fc.string({ unit: 'grapheme', maxLength: 20 })), (text) => {
      t.equal(crc32Text(text), crc32(text))
    }),
    { numRuns: 500 },
  )
  t.equal(crc32Text(''), 0)
  t.equal(crc32Text('/a/\ud800/b'), crc32('/a/\ud800/b'), 'a lone surrogate')
})
