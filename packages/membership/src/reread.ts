/** The re-read loop is recipe-core's; membership's retry pacing: 50 ms doubling up to 2 s, jittered. */
import { jitteredBackoffMs } from '@zoo/recipe-core'

export { Rereader, type ReadWork, type RetryPolicy } from '@zoo/recipe-core'

export function backoffMs(attempt: number, random: () => number = Math.random): number {
  return jitteredBackoffMs(attempt, 50, 2_000, random)
}
