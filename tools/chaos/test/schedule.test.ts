import t from 'tap'
import { FAULT_KINDS, lengthOf, partitionLinks, planSchedule, describeAction, type FaultAction } from '../src/faults/schedule.js'
import { Rng } from '../src/faults/rng.js'

const base = { durationMs: 120_000, members: 5, sessionTimeoutMs: 6_000, tickTimeMs: 1_000 }

t.test('the same seed gives the same schedule; another seed another one', async (t) => {
  const a = planSchedule({ ...base, seed: 42, faults: [...FAULT_KINDS] })
  t.same(planSchedule({ ...base, seed: 42, faults: [...FAULT_KINDS] }), a)
  t.notSame(planSchedule({ ...base, seed: 43, faults: [...FAULT_KINDS] }), a)
  t.ok(a.length >= 4, `${a.length} faults in 120 s`)
})

t.test('faults come one at a time, of the asked kinds, inside the run', async (t) => {
  for (let seed = 0; seed < 50; seed++) {
    const schedule = planSchedule({ ...base, seed, faults: seed % 2 === 0 ? ['kill', 'pause', 'partition'] : ['kill', 'pause', 'partition', 'delay', 'cut'] })
    let end = 0
    for (const { atMs, action } of schedule) {
      t.ok((seed % 2 === 0 ? ['kill', 'pause', 'partition'] : ['kill', 'pause', 'partition', 'delay', 'cut']).includes(action.kind))
      t.ok(atMs >= end, 'after the previous one ended')
      end = atMs + lengthOf(action)
      t.ok(end <= base.durationMs - 5_000, 'ends before the cooldown')
      if (action.kind === 'pause') t.ok(action.pauseMs > base.sessionTimeoutMs, 'a pause outlasts the session timeout')
      if (action.kind === 'delay' || action.kind === 'cut') t.equal(new Set(action.links.map((l) => l.join('>'))).size, action.links.length, 'links are distinct')
      t.type(describeAction(action), 'string')
    }
  }
  t.same(planSchedule({ ...base, seed: 1, faults: [] }), [])
})

t.test('partition shapes', async (t) => {
  const partition = (shape: 'majority-minority' | 'isolated-leader' | 'bridge' | 'one-way', order: number[]): Extract<FaultAction, { kind: 'partition' }> => ({ kind: 'partition', shape, order, mode: 'drop', holdMs: 1 })
  t.same(partitionLinks(partition('majority-minority', [4, 2, 1, 5, 3]), undefined).separated, [[4, 1], [4, 5], [4, 3], [2, 1], [2, 5], [2, 3]], 'minority {4,2} against {1,5,3}')
  t.same(partitionLinks(partition('isolated-leader', [1, 2, 3]), 3).separated, [[3, 1], [3, 2]], 'the leader at fault time')
  const bridge = partitionLinks(partition('bridge', [1, 2, 3, 4, 5]), undefined).separated
  t.same(bridge, [[1, 4], [1, 5], [2, 4], [2, 5]], '3 is the bridge, linked to both sides')
  t.same(partitionLinks(partition('bridge', [3, 1, 2]), undefined).separated, [[3, 2]], 'with three members the middle one bridges')
  t.same(partitionLinks(partition('one-way', [2, 1, 3]), undefined), { separated: [], oneWay: [[2, 1], [2, 3]] })
})

t.test('the seeded generator is deterministic and in range', async (t) => {
  const a = new Rng(7)
  const b = new Rng(7)
  const xs = Array.from({ length: 100 }, () => a.next())
  t.same(Array.from({ length: 100 }, () => b.next()), xs)
  t.ok(xs.every((x) => x >= 0 && x < 1))
  const r = new Rng(1)
  for (let i = 0; i < 100; i++) {
    const n = r.int(3, 5)
    t.ok(n >= 3 && n <= 5 && Number.isInteger(n))
  }
  t.same(new Rng(9).shuffle([1, 2, 3, 4]).sort(), [1, 2, 3, 4])
  t.throws(() => new Rng(1.5))
})
