/**
 * The CI chaos run against our own server: a 3-member `zoo server` ensemble must pass the checker
 * under a seeded schedule of kills and pauses of the leader, a partition and a torn txn-log tail
 * (seed 13: pause the leader, kill the leader, disk fault on the leader, bridge partition, kill).
 * CHAOS_CI_ZOO_SEED replays another.
 */
import t from 'tap'
import { ciChaosRun } from './support/ci-run.js'

const SEED = Number(process.env.CHAOS_CI_ZOO_SEED ?? 13)

t.test(`a seeded chaos run against a 3-member zoo ensemble passes the checker (seed ${SEED})`, { timeout: 300_000 }, async (t) => {
  await ciChaosRun(t, { target: 'zoo', durationMs: 60_000, faults: ['kill', 'pause', 'partition', 'disk'], seed: SEED, minOperations: 1_000, minLeaderChanges: 3 })
})
