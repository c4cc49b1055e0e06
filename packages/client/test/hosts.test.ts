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
  for (let i = 0; i < 9; i++) {
    const { host, delayMs } = ring.next()
    ports.push(host.port)
    delays.push(delayMs)
    ring.failed()
  }
  t.same(ports, [1, 2, 3, 1, 2, 3, 1, 2, 3])
  t.same(delays, [0, 0, 0, 100, 0, 0, 200, 0, 0], 'the backoff doubles per failed round')
  ring.connected()
  const after = ring.next()
  t.equal(after.host.port, 1, 'the next attempt goes to the host after the one lost')
  t.equal(after.delayMs, 0)
  for (let i = 0; i < 30; i++) ring.failed()
  t.ok(ring.next().delayMs <= 350, 'capped')
  t.throws(() => new HostRing([], Math.random, { shuffle: true }))
})

t.test('backoff: full jitter within the cap', async (t) => {
  const opts = { initialDelayMs: 10, maxDelayMs: 1_000 }
  t.equal(backoffDelayMs(0, opts, () => 0), 0)
  t.equal(backoffDelayMs(3, opts, () => 0.9999), 80)
  t.equal(backoffDelayMs(50, opts, () => 0.9999), 1_000)
  t.throws(() => backoffDelayMs(-1, opts, Math.random), RangeError)
})
