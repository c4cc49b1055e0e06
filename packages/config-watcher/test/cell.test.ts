// The decision core, replayed without I/O: stale, repeated and reordered observations, invalid
// values, deletion and re-creation; and a property test over random interleavings.
import t from 'tap'
import fc from 'fast-check'
import * as z from 'zod'
import { ConfigCell, type Observation } from '../src/cell.js'
import { jsonParser } from '../src/parser.js'
import { decoderFor } from '../src/options.js'
import { compareKeys, type OrderKey } from '../src/version.js'

const Schema = z.object({ n: z.number().int().min(0) })
const cell = (initial?: unknown) => new ConfigCell({ path: '/c', schema: Schema, decode: decoderFor(jsonParser, false), initial: initial === undefined ? undefined : { value: initial } })

function obs(czxid: number, version: number, body: string): Observation {
  return { kind: 'value', raw: Buffer.from(body), key: [BigInt(czxid), BigInt(version)], version: { version, czxid: BigInt(czxid), mzxid: BigInt(czxid + version) } }
}

t.test('newer values change, older and equal ones do not', async (t) => {
  const c = cell()
  t.equal(c.hasValue, false)
  t.throws(() => c.current)
  t.match(c.observe(obs(10, 0, '{"n":0}')), { type: 'change', next: { n: 0 }, prev: undefined })
  t.match(c.observe(obs(10, 2, '{"n":2}')), { type: 'change', next: { n: 2 }, prev: { n: 0 } })
  t.same(c.observe(obs(10, 1, '{"n":1}')), { type: 'none', why: 'stale' })
  t.same(c.observe(obs(10, 2, '{"n":2}')), { type: 'none', why: 'same' })
  t.same(c.current, { n: 2 })
})

t.test('version alone is not an order: a re-created node (larger czxid) at version 0 is newer', async (t) => {
  const c = cell()
  c.observe(obs(10, 5, '{"n":5}'))
  t.same(c.observe({ kind: 'absent' }), { type: 'missing' })
  t.same(c.observe({ kind: 'absent' }), { type: 'none', why: 'still-missing' })
  t.ok(c.missing)
  t.same(c.current, { n: 5 }, 'deletion keeps the last good value')
  t.match(c.observe(obs(20, 0, '{"n":0}')), { type: 'change', next: { n: 0 } })
  t.notOk(c.missing)
  t.same(c.observe(obs(10, 6, '{"n":6}')), { type: 'none', why: 'stale' }, 'the old incarnation, even at a higher version, is older')
})

t.test('invalid values: reported once, never current, and they count as seen', async (t) => {
  const c = cell({ n: 1 })
  t.same(c.current, { n: 1 })
  t.equal(c.version, undefined)
  const bad = c.observe(obs(10, 3, '{"n":-1}'))
  t.match(bad, { type: 'invalid', error: { reason: 'schema', name: 'InvalidConfigError' } })
  t.match(c.observe(obs(10, 4, '{n')), { type: 'invalid', error: { reason: 'parse' } })
  t.same(c.observe(obs(10, 4, '{n')), { type: 'none', why: 'same' })
  t.same(c.observe(obs(10, 2, '{"n":2}')), { type: 'none', why: 'stale' }, 'older than a rejected version: still stale')
  t.same(c.current, { n: 1 })
  t.throws(() => cell({ n: -1 }), /default config does not pass/)
})

t.test('subtree snapshots: equal keys with different content take the later read', async (t) => {
  const c = new ConfigCell({ path: '/t', schema: z.record(z.string(), z.number()), decode: decoderFor(jsonParser, true) })
  const snap = (raw: Record<string, string>, zxid: number): Observation => ({
    kind: 'value',
    raw: Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, Buffer.from(v)])),
    key: [1n, BigInt(zxid)],
    version: { version: 0, czxid: 1n, mzxid: BigInt(zxid) },
  })
  t.match(c.observe(snap({ a: '1' }, 7)), { type: 'change', next: { a: 1 } })
  t.match(c.observe(snap({ a: '1', b: '2' }, 7)), { type: 'change', next: { a: 1, b: 2 } })
  t.same(c.observe(snap({ b: '2', a: '1' }, 7)), { type: 'none', why: 'same' })
  t.match(c.observe(snap({ a: 'x' }, 8)), { type: 'invalid', error: { reason: 'parse', message: /key "a"/ } })
})

t.test('property: whatever order observations arrive in, current never goes back and ends on the newest valid', async (t) => {
  // A history of writes to one path: versions within incarnations, some invalid, some deletions.
  const write = fc.record({ recreate: fc.boolean(), valid: fc.boolean(), n: fc.nat(1000) })
  fc.assert(
    fc.property(fc.array(write, { minLength: 1, maxLength: 40 }), fc.func(fc.nat()), (writes, rank) => {
      let czxid = 1
      let version = 0
      const history: Observation[] = writes.map((w, i) => {
        if (w.recreate && i > 0) {
          czxid = czxid + 100
          version = 0
        } else if (i > 0) version++
        return obs(czxid, version, w.valid ? JSON.stringify({ n: w.n }) : '{"n":"bad"}')
      })
      // Deliver every observation (duplicates allowed) in an arbitrary order, then the newest last
      // (the read loop guarantees a read after the last change).
      const deliveries = [...history, ...history].sort((a, b) => rank(a) - rank(b))
      deliveries.push(history.at(-1)!)
      const c = cell({ n: 0 })
      let lastKey: OrderKey | undefined
      for (const o of deliveries) {
        const d = c.observe(o)
        if (d.type === 'change') {
          const key = (o as { key: OrderKey }).key
          if (lastKey && compareKeys(key, lastKey) <= 0) return false
          lastKey = key
          if (!Schema.safeParse(d.next).success) return false
        }
      }
      // The newest write, delivered last, decides the end: its value when valid; when invalid
      // the watcher keeps an older valid value (which one depends on what arrived in time).
      const newest = history.at(-1) as { key: OrderKey }
      if (!writes.at(-1)!.valid) return !c.version || compareKeys([c.version.czxid, BigInt(c.version.version)], newest.key) < 0
      return c.version !== undefined && compareKeys([c.version.czxid, BigInt(c.version.version)], newest.key) === 0
    }),
    { numRuns: 500 },
  )
})

t.test('jsonParser refuses invalid UTF-8 and empty input', async (t) => {
  t.throws(() => jsonParser.parse(Buffer.from([0xff, 0xfe])))
  t.throws(() => jsonParser.parse(Buffer.alloc(0)))
  t.same(jsonParser.parse(jsonParser.serialize({ a: [1] })), { a: [1] })
  t.throws(() => jsonParser.serialize(undefined), /cannot serialize/)
})
