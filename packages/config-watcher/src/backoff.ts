/** Retry pacing for the read loops: exponential from 20 ms to 1 s, with jitter. */
import { jitteredBackoffMs } from '@zoo/recipe-core'

export const RETRY_INITIAL_DELAY_MS = 20
export const RETRY_MAX_DELAY_MS = 1_000

export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  return jitteredBackoffMs(attempt, RETRY_INITIAL_DELAY_MS, RETRY_MAX_DELAY_MS, random)
}
