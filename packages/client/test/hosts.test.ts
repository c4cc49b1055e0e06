import t from 'tap'
import { HostRing, backoffDelayMs, shuffled } from '../src/hosts.js'
import { seeded } from './support/random.js'


const hosts = [1, 2, 3].map((port) => ({ host: '127.0.0.1', port }))

t.test('shuffle keeps every host and depends only on the random source', async (t) => {
  const a = shuffled(hosts, seeded(7))
  t.same([...a].sort((x, y) => x.port - y.port), hosts)
  t.same(shuffled(hosts, seeded(7)), a, 'same seed, same order')
  const orders = new Set<string>()
  for (let seed = 0; seed < 50; seed++) orders.add(shuffled(hosts, seeded(seed)).map((h) => h.port).join())
  t.equal(orders.size, 6, 'every order of three hosts comes up')
})

t.test('round robin; no delay within a round; backoff after a failed round; reset on success', async (t) => {
  const ring = new HostRing(hosts, () => 0.999, { shuffle: false }, { initialDelayMs: 100, maxDelayMs: 350 })
  const ports: number[] = []
  const delays: number[] = []
  // Each attempt takes a second (connect timeouts): the outage allows every per-round delay.
  for (let i = 0; i < 9; i++) {
    const { host, delayMs } = ring.next(i * 1000)
    ports.push(host.port)
    delays.push(delayMs)
    ring.failed()
  }
  t.same(ports, [1, 2, 3, 1, 2, 3, 1, 2, 3])
  t.same(delays, [0, 0, 0, 100, 0, 0, 200, 0, 0], 'the backoff doubles per failed round')
  ring.connected()
  const after = ring.next(20_000)
  t.equal(after.host.port, 1, 'the next attempt goes to the host after the one lost')
  t.equal(after.delayMs, 0)
  for (let i = 0; i < 30; i++) ring.failed()
  t.ok(ring.next(60_000).delayMs <= 350, 'capped')
  t.throws(() => new HostRing([], Math.random, { shuffle: true }))
})

t.test('a round backs off by at most half the outage so far (refusals come back in milliseconds)', async (t) => {
  const ring = new HostRing(hosts, () => 0.999, { shuffle: false }, { initialDelayMs: 50, maxDelayMs: 1_000 })
  const delays: number[] = []
  let nowMs = 5_000
  for (let i = 0; i < 18; i++) {
    const { delayMs } = ring.next(nowMs)
    if (delayMs > 0) delays.push(delayMs)
    nowMs += delayMs + 2
    ring.failed()
  }
  t.same(delays.slice(0, 2), [50, 50], 'rounds failing within 2 ms each: the floor, not 50, 100')
  t.ok(delays[2]! < 100, `then half the outage so far (${delays[2]} ms), not 200`)
  t.ok(
    delays.every((d, i) => d <= Math.max(50, 50 * 2 ** i)),
    'never more than the per-round backoff',
  )
  t.ok(nowMs - 5_000 < 2 * 1_000 + 18 * 2, 'so the last attempt is never later than twice the outage before it')
  ring.connected()
  t.equal(ring.next(100_000).delayMs, 0, 'a new outage starts without delay')
  for (let i = 0; i < 3; i++) ring.failed()
  t.equal(ring.next(100_001).delayMs, 50, 'and at the floor again')
})

t.test('backoff: full jitter within the cap', async (t) => {
  const opts = { initialDelayMs: 10, maxDelayMs: 1_000 }
  t.equal(backoffDelayMs(0, opts, () => 0), 0)
  t.equal(backoffDelayMs(3, opts, () => 0.9999), 80)
  t.equal(backoffDelayMs(50, opts, () => 0.9999), 1_000)
  t.throws(() => backoffDelayMs(-1, opts, Math.random), RangeError)
})
