export { RedisLeaderLatch, redisLatchOptionsSchema, type RedisLatchOptions, type RedisLeader } from './latch.js'
export { LatchClosedError, LeadershipLostError, LeadershipTimeoutError, type LeaderTerm, type LostReason } from '../leadership.js'
export { InvalidOptionsError } from '../options.js'
export type { LeaderFunction, RunAsLeaderOptions } from '../run-as-leader.js'
