// The re-read loop without a server: bursts fold into at most two passes, the last pass starts
// after the last request, names overflow into one full read, failures retry then stop.
import t from 'tap'
import { Rereader, jitteredBackoffMs, type ReadWork } from '../src/reread.js'

const tick = () => new Promise<void>((resolve) => setImmediate(resolve))

t.test('a burst during a pass is served by one more pass, after the last request', async (t) => {
  const works: { full: boolean; names: string[] }[] = []
  let release: () => void = () => {}
  const reader = new Rereader(async (work: ReadWork) => {
    works.push({ full: work.full, names: [...work.names].sort() })
    await new Promise<void>((resolve) => (release = resolve))
  }, () => undefined)
  reader.requestFull()
  await tick()
  for (let i = 0; i < 100; i++) reader.request(`m${i % 7}`)
  release()
  await tick()
  t.same(works[1], { full: false, names: ['m0', 'm1', 'm2', 'm3', 'm4', 'm5', 'm6'] }, '100 requests, one pass, each name once')
  release()
  await tick()
  t.equal(works.length, 2)
  t.equal(reader.passes, 2)
  reader.request('y')
  await tick()
  reader.request('x')
  reader.requestFull()
  release()
  await tick()
  t.same(works[3], { full: true, names: [] }, 'a full read covers the names asked for')
  release()
  await tick()
})

t.test('too many names become one full read (bounded)', async (t) => {
  const works: ReadWork[] = []
  let gate: Promise<void> = new Promise(() => {})
  const reader = new Rereader(async (work) => {
    works.push(work)
    await gate
  }, () => undefined, 10)
  reader.request('first')
  await tick()
  for (let i = 0; i < 11; i++) reader.request(`n${i}`)
  gate = Promise.resolve()
  reader.stop()
  t.equal(works.length, 1)
  const overflow = new Rereader(async (work) => void works.push(work), () => undefined, 10)
  for (let i = 0; i < 12; i++) overflow.request(`n${i}`)
  await tick()
  t.same({ full: works[1]!.full, size: works[1]!.names.size }, { full: false, size: 1 }, 'first request starts a pass at once')
  await tick()
  t.ok(works[2]!.full, 'the next eleven overflowed into a full read')
  t.throws(() => new Rereader(async () => {}, () => undefined, 0), RangeError)
})

t.test('a failed pass keeps its work and retries per the policy; the policy can stop it', async (t) => {
  const attempts: number[] = []
  let failures = 2
  const seen: ReadWork[] = []
  const reader = new Rereader(
    async (work) => {
      seen.push(work)
      if (failures-- > 0) throw new Error('flaky')
    },
    (_, attempt) => (attempts.push(attempt), 1),
  )
  reader.request('a')
  await new Promise((r) => setTimeout(r, 50))
  t.same(attempts, [0, 1])
  t.equal(seen.length, 3)
  t.ok(seen.every((w) => w.names.has('a')), 'the work is kept across retries')
  const stopping = new Rereader(async () => {
    throw new Error('fatal')
  }, () => undefined)
  stopping.requestFull()
  await tick()
  t.ok(stopping.stopped)
})

t.test('jitteredBackoffMs: a doubling ceiling, capped, the delay in its upper half', async (t) => {
  t.equal(jitteredBackoffMs(0, 20, 1_000, () => 0), 10)
  t.equal(jitteredBackoffMs(0, 20, 1_000, () => 1), 20)
  t.equal(jitteredBackoffMs(3, 20, 1_000, () => 1), 160)
  t.equal(jitteredBackoffMs(1_000, 20, 1_000, () => 1), 1_000, 'capped, also for huge attempt counts')
  t.equal(jitteredBackoffMs(1_000, 20, 1_000, () => 0), 500)
})
