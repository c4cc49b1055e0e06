/** Retry pacing for the read loops: exponential from 20 ms to 1 s, with jitter. */
export const RETRY_INITIAL_DELAY_MS = 20
export const RETRY_MAX_DELAY_MS = 1_000

export function retryDelayMs(attempt: number, random: () => number = Math.random): number {
  const ceilingMs = Math.min(RETRY_MAX_DELAY_MS, RETRY_INITIAL_DELAY_MS * 2 ** Math.min(attempt, 16))
  return Math.round(ceilingMs / 2 + (random() * ceilingMs) / 2)
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms))
}
