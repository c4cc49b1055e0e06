/**
 * Signals recipes hand to their users. "May be lost" fires as soon as the client can no longer
 * vouch for its session (the connection dropped: `suspended`), not when the server has expired
 * it: by then another contender may already hold the place (recipe-pitfalls #3, #4).
 */
import type { ClientState, ZooKeeperClient } from '@zoo/client'

export type PlaceLostReason = 'suspended' | 'expired' | 'closed' | 'nodeDeleted' | 'left'

/** Why a recipe's signal aborted: `signal.reason` is one of these. */
export class PlaceLostError extends Error {
  override readonly name = 'PlaceLostError'
  readonly code = 'PLACE_LOST'
  constructor(
    readonly reason: PlaceLostReason,
    readonly path: string | undefined,
    options?: { cause?: unknown },
  ) {
    super(`${reason === 'left' ? 'released' : 'may be lost'}${path ? `: ${path}` : ''} (${reason})`, options)
  }
}

/** A wait ran out of time (`timeoutMs`). */
export class RecipeTimeoutError extends Error {
  override readonly name = 'RecipeTimeoutError'
  readonly code = 'ETIMEDOUT'
  constructor(
    readonly timeoutMs: number,
    what: string,
  ) {
    super(`${what} timed out after ${timeoutMs} ms`)
  }
}

export function isPlaceLost(error: unknown): error is PlaceLostError {
  return error instanceof PlaceLostError
}

function reasonFor(state: ClientState): PlaceLostReason {
  if (state === 'expired') return 'expired'
  if (state === 'closed' || state === 'authFailed') return 'closed'
  return 'suspended'
}

/**
 * An AbortSignal that aborts (reason: PlaceLostError) the moment the client's current connection
 * is lost, its session expires, or it closes. Aborted already when the client is not connected
 * now. Taken once per held place: a later reconnect does not un-abort it, because whatever was
 * held may have passed to someone else meanwhile. `until` (e.g. "released") removes the listener
 * from the client's signal, which outlives every place held on it.
 */
export function sessionLossSignal(client: ZooKeeperClient, path?: string, until?: AbortSignal): AbortSignal {
  const connection = client.connectionSignal()
  const controller = new AbortController()
  const abort = () => controller.abort(new PlaceLostError(reasonFor(client.state), path, { cause: connection.reason }))
  if (connection.aborted) abort()
  else {
    connection.addEventListener('abort', abort, { once: true })
    // The client's signal outlives every lease taken on it: drop our listener when we are done.
    until?.addEventListener('abort', () => connection.removeEventListener('abort', abort), { once: true })
  }
  return controller.signal
}

/**
 * One signal for "give up": the caller's signal, and a timeout (reason RecipeTimeoutError). The
 * returned `dispose` clears the timer; call it when the wait is over.
 */
export function deadlineSignal(options: { signal?: AbortSignal; timeoutMs?: number }, what: string): { signal: AbortSignal | undefined; dispose: () => void } {
  const { signal, timeoutMs } = options
  if (timeoutMs === undefined) return { signal, dispose: () => {} }
  if (!(Number.isFinite(timeoutMs) && timeoutMs >= 0)) throw new RangeError(`timeoutMs must be a number of milliseconds >= 0, not ${timeoutMs}`)
  const controller = new AbortController()
  const timer = setTimeout(() => controller.abort(new RecipeTimeoutError(timeoutMs, what)), timeoutMs)
  const combined = signal ? AbortSignal.any([signal, controller.signal]) : controller.signal
  return { signal: combined, dispose: () => clearTimeout(timer) }
}

/** Resolves after `ms`, or rejects with the signal's reason when it aborts first. */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const onAbort = () => {
      clearTimeout(timer)
      reject(signal!.reason)
    }
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort)
      resolve()
    }, ms)
    signal?.addEventListener('abort', onAbort, { once: true })
  })
}

/** Resolves when `signal` aborts (never rejects); with a dispose to stop listening. */
export function whenAborted(signal: AbortSignal): { promise: Promise<unknown>; dispose: () => void } {
  let dispose = () => {}
  const promise = new Promise<unknown>((resolve) => {
    if (signal.aborted) return resolve(signal.reason)
    const onAbort = () => resolve(signal.reason)
    signal.addEventListener('abort', onAbort, { once: true })
    dispose = () => signal.removeEventListener('abort', onAbort)
  })
  return { promise, dispose }
}
