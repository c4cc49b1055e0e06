import t from 'tap'
import { buckets, timelineSvg } from '../src/report/svg.js'
import { summaryText, type ChaosReport } from '../src/report/report.js'
import { read, write } from './support/ops.js'

const ops = [write(1, 'r', 'a', 100, 150, { ok: 1 }), write(2, 'r', 'b', 200, 1_300, 'unknown'), read(1, 'r', 1_100, 1_120, 'a', 1, 101)]

t.test('per-second buckets: throughput, unknown outcomes, latency', async (t) => {
  const b = buckets(ops, 2_000)
  t.equal(b.length, 2)
  t.same(b[0], { ok: 1, unknown: 0, p50: 50, p99: 50 })
  t.same(b[1], { ok: 1, unknown: 1, p50: 20, p99: 20 })
})

t.test('the timeline shows faults, roles, leader changes and axes', async (t) => {
  const svg = timelineSvg({
    title: 'test <run>',
    verdict: 'pass',
    durationMs: 2_000,
    members: [1, 2],
    faults: [{ kind: 'kill', description: 'kill -9 member 2', startMs: 500, endMs: 1_500, members: [2], notes: [] }],
    modeSamples: [{ atMs: 0, modes: { 1: 'leader', 2: 'follower' } }, { atMs: 1_000, modes: { 1: 'leader', 2: 'down' } }],
    leaderChanges: [{ atMs: 0, leader: 1, epoch: 3 }],
    ops,
  })
  t.match(svg, /^<svg xmlns="http:\/\/www.w3.org\/2000\/svg"/)
  t.match(svg, /test &lt;run&gt; — pass/, 'text is escaped')
  t.match(svg, /<title>kill -9 member 2 \[0.5s–1.5s\] members 2<\/title>/)
  t.match(svg, /member 2: down at 1.0s/)
  t.match(svg, /member 1 leads \(epoch 3\) from 0.0s/)
  t.match(svg, />ops\/s</)
  t.match(svg, />latency ms</)
  t.equal((svg.match(/<polyline/g) ?? []).length, 4, 'two lines per chart')
})

t.test('the summary leads with the verdict and the figures', async (t) => {
  const report: ChaosReport = {
    verdict: 'fail',
    target: 'apache',
    options: { seed: 5, members: 3 },
    durationMs: 60_000,
    recoveryMs: 1_200,
    schedule: [],
    faults: [{ kind: 'pause', description: 'SIGSTOP member 1 for 9000 ms', startMs: 1_000, endMs: 10_000, members: [1], notes: ['a note'] }],
    leaderChanges: [{ atMs: 0, leader: 1, epoch: 1 }, { atMs: 6_000, leader: 2, epoch: 2 }, { atMs: 9_000, leader: 2, epoch: 3 }],
    modeSamples: [],
    counts: { total: 3, byKind: { write: { ok: 1, fail: 0, unknown: 1 }, read: { ok: 1, fail: 0, unknown: 0 } } },
    sections: [{ name: 'linearizability', verdict: 'fail', violations: ['r: not linearizable\n  details'], summary: 's' }],
    notes: [],
  }
  const text = summaryText(report)
  t.match(text, /^verdict: FAIL\n/)
  t.match(text, /operations: 3 \(ok\/fail\/unknown: write 1\/0\/1, read 1\/0\/0\)/)
  t.match(text, /faults injected: 1 \(pause 1\)/)
  t.match(text, /leader elections seen: 2/)
  t.match(text, /violations: 1/)
  t.match(text, /\[FAIL\] linearizability: s\n {4}r: not linearizable\n {6}details/)
  t.match(text, /1.0s– {3}10.0s {2}SIGSTOP member 1 for 9000 ms \[members 1\]; a note/)
})
