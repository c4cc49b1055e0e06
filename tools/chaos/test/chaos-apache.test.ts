/**
 * The CI chaos run against the control: Apache ZooKeeper must pass the checker under a seeded
 * schedule of kills, pauses past the session timeout and partitions. CHAOS_CI_SEED replays another.
 */
import t from 'tap'
import { ciChaosRun } from './support/ci-run.js'

const SEED = Number(process.env.CHAOS_CI_SEED ?? 13)

t.test(`a seeded chaos run against a 3-member Apache ensemble passes the checker (seed ${SEED})`, { timeout: 300_000 }, async (t) => {
  await ciChaosRun(t, { target: 'apache', durationMs: 60_000, faults: ['kill', 'pause', 'partition'], seed: SEED, minOperations: 1_000, minLeaderChanges: 3 })
})
