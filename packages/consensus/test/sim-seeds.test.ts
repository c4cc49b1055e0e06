// CI's simulation run: 1,000 seeds of 3 voters and 200 of 5 voters with an observer, every
// step checked. A failure prints the seed, the violation and the trace's tail.
import t from 'tap'
import type { SeedRange } from '../src/sim/run.js'
import { formatSummary, runSeed, runSeeds } from '../src/sim/run.js'

t.setTimeout(600_000)

const ranges: SeedRange[] = [
  { start: 1, count: 1000, voters: 3, observers: 0 },
  { start: 1, count: 200, voters: 5, observers: 1 },
]

for (const r of ranges) {
  t.test(`${r.count} seeds, ${r.voters} voters + ${r.observers} observers`, async (t) => {
    const s = runSeeds(r)
    t.comment(formatSummary(r, s))
    const f = s.failure
    if (f !== undefined) t.comment(`seed ${f.seed}: ${f.violation!.kind}: ${f.violation!.message}\n${f.trace.format(200)}`)
    t.equal(f, undefined, 'no violation')
    t.equal(s.seeds, r.count)
    t.ok(s.totals.commits > r.count * 10, 'the runs commit txns')
    t.ok(s.totals.syncs.diff > 0 && s.totals.syncs.trunc > 0 && s.totals.syncs.snap > 0, 'DIFF, TRUNC and SNAP all happen')
    t.ok(s.totals.diskCrashes > 0 && s.totals.tornTails > 0 && s.totals.powerFailures > 0, 'crashes at disk writes, torn tails, power failures')
    t.ok(s.totals.epochsExhausted > 0, 'the narrow zxid counter rolls over')
    t.ok(s.totals.barriersOk > 0 && s.totals.channelRoundTrips > 0, 'barriers and the member channel are exercised')
    t.ok(s.totals.linksDown > s.totals.partitions, 'broken connections are noticed (linkDown) after crashes, cuts and resets')
    t.equal(s.totals.stalledLearners, 0, 'no learner waits out initLimit on a live member once the network is clean')
  })
}

// Seeds that once reported a violation, kept as regressions once understood and fixed.
const regressions = [
  // A leader whose NEWLEADER acknowledgement arrived late established epoch 7 after epoch 8 had
  // committed 8:1; the checker wrongly required it to hold 8:1 (Zab only requires earlier epochs).
  { seed: 93406, voters: 3, observers: 0 },
]
t.test('regression seeds pass', async (t) => {
  for (const r of regressions) {
    const { violation } = runSeed(r.seed, r)
    t.equal(violation, undefined, `seed ${r.seed}`)
  }
})
