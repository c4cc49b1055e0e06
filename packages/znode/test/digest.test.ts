import t from 'tap'
import fc from 'fast-check'
import { DigestSum } from '../src/index.js'

const signedLong = fc.bigInt({ min: -(1n << 63n), max: (1n << 63n) - 1n })

t.test('DigestSum.value is the sum as a signed long; equals compares without converting', async (t) => {
  fc.assert(
    fc.property(signedLong, fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 8 }), fc.array(fc.integer({ min: 0, max: 0xffffffff }), { maxLength: 8 }), (start, added, removed) => {
      const sum = DigestSum.of(start)
      let expected = start
      for (const d of added) {
        sum.add(d)
        expected = BigInt.asIntN(64, expected + BigInt(d))
      }
      for (const d of removed) {
        sum.remove(d)
        expected = BigInt.asIntN(64, expected - BigInt(d))
      }
      t.equal(sum.value, expected)
      t.ok(sum.equals(expected))
      t.notOk(sum.equals(BigInt.asIntN(64, expected + 1n)))
      t.notOk(sum.equals(BigInt.asIntN(64, expected ^ (1n << 40n))), 'the high word counts')
    }),
    { numRuns: 300 },
  )
  t.equal(DigestSum.of(-1n).value, -1n)
  t.equal(DigestSum.of(1n << 63n).value, -(1n << 63n))
})
