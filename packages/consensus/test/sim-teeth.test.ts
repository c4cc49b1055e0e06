// The simulator has teeth: each unsafe switch breaks one rule the errata names, and the
// simulation must report a violation within a stated number of seeds, on seeds the correct
// build passes (sim-seeds.test.ts runs the correct build on seeds 1..1000).
import t from 'tap'
import type { UnsafeTestFaults } from '../src/core/config.js'
import { runSeed, runSeeds } from '../src/sim/run.js'

t.setTimeout(600_000)

const cases: { fault: keyof UnsafeTestFaults; withinSeeds: number; kinds: string[] }[] = [
  { fault: 'ackBeforeFsync', withinSeeds: 100, kinds: ['safety', 'invariant'] },
  { fault: 'currentEpochBeforeTxns', withinSeeds: 1000, kinds: ['safety', 'invariant'] },
  // Votes with the committed zxid elect a leader that its followers are ahead of; the leader's
  // refusal keeps that safe, so the damage shows as a cluster that never settles.
  { fault: 'voteWithCommittedZxid', withinSeeds: 100, kinds: ['liveness', 'safety', 'invariant'] },
  { fault: 'noFollowerAheadCheck', withinSeeds: 1000, kinds: ['safety', 'invariant'] },
  // The leader commits what only it holds: a leader elected without it lacks committed txns.
  { fault: 'ackBeforeQuorum', withinSeeds: 100, kinds: ['safety', 'invariant'] },
]

for (const c of cases) {
  t.test(`${c.fault} is caught within ${c.withinSeeds} seeds`, async (t) => {
    const s = runSeeds({ start: 1, count: c.withinSeeds, voters: 3, observers: 0, faults: { [c.fault]: true } })
    const f = s.failure
    t.ok(f !== undefined, `a violation among seeds 1..${c.withinSeeds}`)
    if (f === undefined) return
    t.comment(`${c.fault}: seed ${f.seed}: ${f.violation!.kind}: ${f.violation!.message}`)
    t.ok(c.kinds.includes(f.violation!.kind), `reported as ${c.kinds.join(' or ')}`)
    const correct = runSeed(f.seed, { voters: 3, observers: 0 })
    t.equal(correct.violation, undefined, `the correct build passes seed ${f.seed}`)
  })
}
