import t from 'tap'
import { History, Ring, requestRate } from '../src/ensemble/history.js'

t.test('Ring keeps the newest `capacity` items, oldest first', async (t) => {
  const ring = new Ring<number>(3)
  for (let i = 1; i <= 5; i++) ring.push(i)
  t.same(ring.toArray(), [3, 4, 5])
  t.equal(ring.size, 3)
  t.throws(() => new Ring(0), RangeError)
})

t.test('requestRate: per second between two readings of the same counter, null otherwise', async (t) => {
  t.equal(requestRate({ atMs: 0, total: 10, counter: 'latencySamples' }, { atMs: 2_000, total: 30, counter: 'latencySamples' }), 10)
  t.equal(requestRate(undefined, { atMs: 0, total: 1, counter: 'latencySamples' }), null)
  t.equal(requestRate({ atMs: 0, total: 50, counter: 'latencySamples' }, { atMs: 1_000, total: 3, counter: 'latencySamples' }), null, 'a restarted member resets its counters')
  t.equal(requestRate({ atMs: 0, total: 1, counter: 'packetsReceived' }, { atMs: 1_000, total: 9, counter: 'latencySamples' }), null, 'another counter')
  t.equal(requestRate({ atMs: 5, total: 1, counter: 'latencySamples' }, { atMs: 5, total: 9, counter: 'latencySamples' }), null)
})

t.test('History: samples per member, gaps while down, bounded, and members dropped with retain', async (t) => {
  const history = new History(4)
  history.record('a', 0, { requestsTotal: 0, requestCounter: 'latencySamples', readP99Ms: 3 })
  const second = history.record('a', 1_000, { requestsTotal: 100, requestCounter: 'latencySamples', readP99Ms: 4, writeP50Ms: 7 })
  t.same(second, { t: 1_000, requestsPerSec: 100, readP50Ms: null, readP99Ms: 4, writeP50Ms: 7, writeP99Ms: null })
  t.equal(history.record('a', 2_000, undefined).requestsPerSec, null, 'down: no figures')
  t.equal(history.record('a', 3_000, { requestsTotal: 150, requestCounter: 'latencySamples' }).requestsPerSec, null, 'no rate across a gap')
  history.record('a', 4_000, { requestsTotal: 160, requestCounter: 'latencySamples' })
  t.equal(history.snapshot().a!.length, 4, 'bounded')
  history.record('b', 0, undefined)
  history.retain(new Set(['b']))
  t.same(Object.keys(history.snapshot()), ['b'])
})
