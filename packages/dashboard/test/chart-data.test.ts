import t from 'tap'
import { alignSeries } from '../src/page/chart-data.js'

const sample = (t: number, requestsPerSec: number | null) => ({ t, requestsPerSec, readP50Ms: null, readP99Ms: null, writeP50Ms: null, writeP99Ms: null })

t.test('members polled a moment apart share one time axis; a missing poll is spanned, a null is a gap', async (t) => {
  const history = {
    intervalMs: 1_000,
    members: {
      a: [sample(10_010, 1), sample(11_020, 2), sample(12_000, 3)],
      b: [sample(9_990, 5), sample(12_030, 7)],
      c: [sample(10_000, 1), sample(11_000, null), sample(12_000, 2)],
    },
  }
  const [xs, a, b, c] = alignSeries(history, [
    { member: 'a', field: 'requestsPerSec' },
    { member: 'b', field: 'requestsPerSec' },
    { member: 'c', field: 'requestsPerSec' },
  ])
  t.same(xs, [10, 11, 12], 'seconds on the poll grid')
  t.same(a, [1, 2, 3])
  t.strictSame(b, [5, undefined, 7], 'no sample: spanned')
  t.strictSame(c, [1, null, 2], 'a sample without a value: a gap')
  t.same(alignSeries({ intervalMs: 1_000, members: {} }, [{ member: 'gone', field: 'readP99Ms' }]), [[], []])
})
