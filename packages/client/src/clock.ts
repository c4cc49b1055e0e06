/**
 * Time as an input. Everything that decides on deadlines (session expiry, ping interval, read
 * timeout, backoff) reads a monotonic clock through this interface, so unit tests drive it by
 * hand and a wall-clock jump never expires a session.
 */
export interface Clock {
  /** monotonic milliseconds (arbitrary origin) */
  now(): number
  setTimeout(callback: () => void, delayMs: number): TimerHandle
  clearTimeout(handle: TimerHandle): void
}

/** whatever the clock's setTimeout returned */
export type TimerHandle = unknown

export const systemClock: Clock = {
  now: () => performance.now(),
  // Timers keep the process alive like the socket does: a reconnect backoff must not let a
  // process waiting for a reply exit. close() clears every timer.
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}
