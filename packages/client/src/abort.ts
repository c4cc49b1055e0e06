/**
 * One 'abort' listener per AbortSignal, shared by everything pending on it. A caller may hand
 * one signal to thousands of concurrent calls; a listener each would print Node's
 * MaxListenersExceededWarning from the 11th on and make every removal a scan of the list.
 */
interface Hub {
  readonly callbacks: Set<() => void>
  readonly listener: () => void
}

const hubs = new WeakMap<AbortSignal, Hub>()

/**
 * Runs `callback` once when `signal` aborts (not at all when it already has: check `aborted`
 * first). Returns the function that unregisters it; the signal's own listener goes with the
 * last registration, so a long-lived signal keeps none once its calls are done.
 */
export function onAbort(signal: AbortSignal, callback: () => void): () => void {
  let hub = hubs.get(signal)
  if (!hub) {
    const callbacks = new Set<() => void>()
    const listener = () => {
      hubs.delete(signal)
      for (const run of [...callbacks]) run()
    }
    hub = { callbacks, listener }
    hubs.set(signal, hub)
    signal.addEventListener('abort', listener, { once: true })
  }
  // A wrapper per registration: the same callback registered twice is two registrations.
  const entry = () => callback()
  hub.callbacks.add(entry)
  const registered = hub
  return () => {
    if (!registered.callbacks.delete(entry) || registered.callbacks.size > 0) return
    if (hubs.get(signal) === registered) hubs.delete(signal)
    signal.removeEventListener('abort', registered.listener)
  }
}
