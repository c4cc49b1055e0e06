import t from 'tap'
import { checkHistory } from '../src/checker/index.js'
import type { History, MemberTree, Op } from '../src/checker/history.js'
import { cas, createSeq, read, seqName, write } from './support/ops.js'

const trees = (n: number): MemberTree[] => Array.from({ length: n }, (_, i) => ({ member: i + 1, nodes: [{ path: '/chaos', data: '', version: 0, cversion: 0, czxid: '1', mzxid: '1', pzxid: '1', ephemeralOwner: '0', numChildren: 0 }] }))

/** A healthy run in miniature: concurrent writes, a CAS race, a timed-out write that did apply, reads, a queue, an expired owner. */
function healthy(): History {
  const ops: Op[] = [
    write(1, 'r', 'a', 0, 10, { ok: 1, mzxid: 101 }),
    cas(2, 'r', 0, 'b', 1, 12, 'fail'),
    write(3, 'r', 'u', 11, 14, 'unknown'),
    read(2, 'r', 13, 15, 'u', 2, 102, 101),
    cas(2, 'r', 2, 'c', 16, 18, { ok: 3, mzxid: 103 }),
    read(1, 'r', 20, 21, 'c', 3, 103, 101),
    createSeq(1, 'q1', 22, 23, { seq: 0, czxid: 104 }),
    createSeq(2, 'q2', 22, 30, 'unknown'),
  ]
  return {
    ops,
    initial: { r: { version: 0, value: 'init' } },
    finalRegisters: { r: { version: 3, value: 'c' } },
    finalQueue: [{ name: seqName(0), data: 'q1', czxid: '104' }],
    owners: [{ sessionId: '77', created: ['/chaos/eph/e1'], endedMs: 25, how: 'killed' }],
    finalEphemerals: [],
    trees: trees(3),
  }
}

t.test('a healthy history passes every check', async (t) => {
  const report = checkHistory(healthy())
  t.equal(report.verdict, 'pass', report.sections.flatMap((s) => s.violations).join('\n'))
  t.equal(report.sections.length, 7)
  t.same(report.counts.byKind.write, { ok: 1, fail: 0, unknown: 1 })
  t.equal(report.counts.total, 8)
})

t.test('fabricated lost acknowledgement: a leader acknowledged a write before a quorum had it, then lost it in a failover', async (t) => {
  const history = healthy()
  // p4's write of "lost" was acknowledged at version 4; the new leader never had it, so the next
  // write also became version 4, and after healing the register holds that one.
  history.ops.push(write(4, 'r', 'lost', 40, 41, { ok: 4, mzxid: 105 }), write(5, 'r', 'next', 50, 51, { ok: 4, mzxid: 0x200000001 }))
  history.finalRegisters = { r: { version: 4, value: 'next' } }
  const report = checkHistory(history)
  t.equal(report.verdict, 'fail')
  const linearizability = report.sections.find((s) => s.name.startsWith('linearizability'))!
  t.equal(linearizability.verdict, 'fail')
  t.match(linearizability.violations[0], /r: not linearizable/)
  t.match(linearizability.violations[0], /write r=lost .* ok version 4/)
  const states = report.sections.find((s) => s.name.startsWith('register states'))!
  t.match(states.violations[0], /two states at version 4: lost .* and next/)
})

t.test('fabricated lost acknowledgement at the very end is caught by the final read', async (t) => {
  const history = healthy()
  history.ops.push(write(4, 'r', 'lost', 40, 41, { ok: 4, mzxid: 105 }))
  const report = checkHistory(history)
  t.equal(report.verdict, 'fail', 'final state c@3 misses the acknowledged write')
  t.match(report.sections[0]!.violations[0], /final read r after healing = c@3/)
})

t.test('each other check can fail the verdict', async (t) => {
  const lostCreate = healthy()
  lostCreate.finalQueue = []
  t.equal(checkHistory(lostCreate).verdict, 'fail', 'acknowledged create missing')
  const survivor = healthy()
  survivor.finalEphemerals = [{ path: '/chaos/eph/e1', ephemeralOwner: '77' }]
  t.equal(checkHistory(survivor).verdict, 'fail', 'ephemeral of a killed session')
  const diverged = healthy()
  diverged.trees[2]!.nodes[0]!.version = 9
  t.equal(checkHistory(diverged).verdict, 'fail', 'member trees differ')
  const stale = healthy()
  stale.ops.push(read(1, 'r', 60, 61, 'a', 1, 101, 103))
  t.equal(checkHistory(stale).verdict, 'fail', 'a process read below what it had seen')
})

t.test('an undecided search makes the verdict unknown, not pass', async (t) => {
  const history = healthy()
  for (let i = 0; i < 14; i++) history.ops.push(write(10 + i, 'r', `x${i}`, 60, 61, 'unknown'))
  history.ops.push(write(30, 'r', 'far', 70, 71, { ok: 30, mzxid: 300 }))
  history.finalRegisters = { r: { version: 30, value: 'far' } }
  const report = checkHistory(history, { maxSteps: 2_000 })
  t.equal(report.verdict, 'unknown')
})
