/**
 * Selector style on top of any latch: call `fn(signal)` each time we become leader, give the
 * leadership up when it returns, and optionally queue again.
 */
import type { AwaitOptions, LeaderTerm } from './leadership.js'

/** What runAsLeader needs of a latch; both backends provide it. */
export interface Relinquishable {
  start(): Promise<void>
  awaitLeadership(options?: AwaitOptions): Promise<LeaderTerm>
  /** ends the current term (if any) and leaves the queue; with `requeue`, joins it again at the back */
  relinquish(options: { requeue: boolean }): Promise<void>
}

export interface RunAsLeaderOptions {
  /** after `fn` returns (or throws, or leadership is lost), queue again for the next term (default false) */
  requeue?: boolean
  /** stops waiting and, if leading, aborts the term's signal; runAsLeader then resolves */
  signal?: AbortSignal
  /** called with what `fn` threw when `requeue` is on (otherwise runAsLeader rejects with it) */
  onError?: (error: unknown, term: LeaderTerm) => void
}

export type LeaderFunction = (signal: AbortSignal, term: LeaderTerm) => unknown

/**
 * Resolves when done: after the first term without `requeue`, or once `signal` aborts.
 * `fn` gets a signal that aborts when the term ends (leadership lost, or `options.signal`).
 */
export async function runAsLeader(latch: Relinquishable, fn: LeaderFunction, options: RunAsLeaderOptions = {}): Promise<void> {
  const { requeue = false, signal, onError } = options
  await latch.start()
  for (;;) {
    let term: LeaderTerm
    try {
      term = await latch.awaitLeadership({ signal })
    } catch (error) {
      if (signal?.aborted) return await latch.relinquish({ requeue: false })
      throw error
    }
    const both = signal ? AbortSignal.any([term.signal, signal]) : term.signal
    let failure: { error: unknown } | undefined
    try {
      await fn(both, term)
    } catch (error) {
      failure = { error }
    }
    const again = requeue && !signal?.aborted
    await latch.relinquish({ requeue: again })
    if (failure) {
      if (!again || !onError) throw failure.error
      onError(failure.error, term)
    }
    if (!again) return
  }
}
