// The simulator's own parts: PRNG, agenda, network, checker, and that a seed replays exactly.
import t from 'tap'
import { Checker } from '../src/sim/checker.js'
import { encodeAppSnapshot, emptyApp, applyEntry } from '../src/sim/app.js'
import { SimNetwork } from '../src/sim/network.js'
import { Prng } from '../src/sim/prng.js'
import { EventQueue } from '../src/sim/queue.js'
import { Simulation } from '../src/sim/simulation.js'
import { makeZxid } from '../src/core/zxid.js'

const e = (counter: number, text = `t${counter}`) => ({ zxid: makeZxid(1, counter), payload: new TextEncoder().encode(text) })

t.test('the PRNG is seeded and its forks are independent of later draws', async (t) => {
  const a = new Prng(42)
  const b = new Prng(42)
  t.same([a.next(), a.next(), a.int(1, 6)], [b.next(), b.next(), b.int(1, 6)])
  const f1 = new Prng(7).fork('x')
  const p = new Prng(7)
  p.fork('y')
  t.equal(f1.next(), p.fork('x').next(), 'forking y first does not change x')
  const r = new Prng(1)
  for (let i = 0; i < 1000; i++) {
    const v = r.int(3, 5)
    if (v < 3 || v > 5) t.fail(`int out of range: ${v}`)
  }
  t.throws(() => r.pick([]), RangeError)
})

t.test('the agenda runs events by time, then by scheduling order', async (t) => {
  const q = new EventQueue()
  const seen: string[] = []
  q.at(5, () => seen.push('a5'))
  q.at(1, () => seen.push('b1'))
  q.at(5, () => seen.push('c5'))
  q.at(3, () => q.after(2, () => seen.push('d5')))
  while (q.step());
  t.same(seen, ['b1', 'a5', 'c5', 'd5'])
  t.throws(() => q.at(1, () => {}), /in the past/)
})

t.test('the network keeps FIFO per path unless told to reorder, and drops on cut paths', async (t) => {
  const q = new EventQueue()
  const got: string[] = []
  const net = new SimNetwork(q, new Prng(3), {
    deliver: (from, _inc, to, b) => got.push(`${from}>${to}:${b[0]}`),
    dropped: (from, to, b, why) => got.push(`drop ${from}>${to}:${b[0]} ${why}`),
    duplicated: () => {},
  })
  net.conditions = { minDelayMs: 1, maxDelayMs: 50, lossRate: 0, duplicateRate: 0, reorderRate: 0, spikeRate: 0, spikeMs: 0, staleDuplicateMs: 0 }
  for (let i = 0; i < 20; i++) net.send(1, 1, 2, new Uint8Array([i]))
  net.send(2, 1, 1, new Uint8Array([99]))
  net.cut(2, 1)
  while (q.step());
  t.same(got.filter((g) => g.startsWith('1>2')), Array.from({ length: 20 }, (_, i) => `1>2:${i}`), 'in order despite random delays')
  t.same(got.filter((g) => g.includes('99')), ['drop 2>1:99 cut in flight'])
})

t.test('the checker', async (t) => {
  t.test('accepts members applying prefixes of one history', async (t) => {
    const c = new Checker()
    const a = emptyApp()
    const b = emptyApp()
    for (const x of [e(1), e(2)]) {
      c.applied(1, a, x)
      applyEntry(a, x)
    }
    c.applied(2, b, e(1))
    applyEntry(b, e(1))
    c.restored(3, { ...a }, 'restored')
    c.established(1, 1, undefined, (z) => [e(1), e(2)].find((x) => x.zxid === z))
    c.truncated(2, [e(9)])
    t.equal(c.violation, undefined)
    t.equal(c.committedCount, 2)
  })
  t.test('reports a divergent commit', async (t) => {
    const c = new Checker()
    c.applied(1, emptyApp(), e(1))
    c.applied(2, emptyApp(), e(1, 'other'))
    t.match(c.violation, { kind: 'safety', message: /member 2 applied 1:1 "other" at position 1, but 1:1 "t1" was committed there/ })
  })
  t.test('reports a committed txn cut from a log', async (t) => {
    const c = new Checker()
    c.applied(1, emptyApp(), e(1))
    c.truncated(3, [e(1)])
    t.match(c.violation, { message: /member 3 cut committed 1:1/ })
  })
  t.test('reports a leader lacking a committed txn, and two leaders in one epoch', async (t) => {
    const c = new Checker()
    c.applied(1, emptyApp(), e(1))
    c.established(2, 5, undefined, () => undefined)
    t.match(c.violation, { message: /leader 2 of epoch 5 lacks committed 1:1/ })
    const late = new Checker()
    late.applied(1, emptyApp(), { zxid: makeZxid(8, 1), payload: new Uint8Array([1]) })
    late.established(2, 7, undefined, () => undefined)
    t.equal(late.violation, undefined, 'a leader of epoch 7 established late need not hold what epoch 8 committed')
    const d = new Checker()
    d.established(1, 5, undefined, () => undefined)
    d.established(2, 5, undefined, () => undefined)
    t.match(d.violation, { message: /two leaders in epoch 5: 1 and 2/ })
  })
  t.test('reports a snapshot that is not a prefix', async (t) => {
    const c = new Checker()
    c.applied(1, emptyApp(), e(1))
    const s = emptyApp()
    applyEntry(s, e(1, 'forged'))
    c.established(2, 2, encodeAppSnapshot(s, 10), () => undefined)
    t.match(c.violation, { message: /not a prefix/ })
  })
})

t.test('a seed replays the same run, event for event', async (t) => {
  const a = new Simulation({ seed: 12345, voters: 3, observers: 1 }).run()
  const b = new Simulation({ seed: 12345, voters: 3, observers: 1 }).run()
  t.equal(a.trace.format(), b.trace.format())
  t.same(a.stats, b.stats)
  t.ok(a.stats.commits > 0 && a.stats.leadersEstablished > 0, 'and the run did something')
  const c = new Simulation({ seed: 12346, voters: 3, observers: 1 }).run()
  t.not(c.trace.format(), a.trace.format(), 'another seed, another run')
})
