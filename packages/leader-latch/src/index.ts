export { LeaderLatch, latchOptionsSchema, type LatchNaming, type LeaderInfo, type LeaderLatchOptions, type Participant } from './latch.js'
export {
  LatchClosedError, LeadershipLostError, LeadershipTimeoutError, deadlineAfter,
  type AwaitOptions, type LeaderTerm, type LeadershipEvents, type LostReason,
} from './leadership.js'
export { LatchBase } from './latch-base.js'
export { runAsLeader, type LeaderFunction, type Relinquishable, type RunAsLeaderOptions } from './run-as-leader.js'
export { InvalidOptionsError } from '@zoo/recipe-core'
