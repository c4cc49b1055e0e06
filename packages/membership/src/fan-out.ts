/**
 * One listener per (emitter, event), fanned out to every membership on it: a process with
 * hundreds of memberships on one client or connection must not trip EventEmitter's leak warning.
 */
// Any emitter: ZooKeeperClient's overloads and ioredis' typings differ, so it is taken as a plain object.
type Emitter = object

type Listener = (...args: unknown[]) => void

const fanOuts = new WeakMap<Emitter, Map<string, Set<Listener>>>()

/** Calls `listener` on every `event` of `emitter`; returns the function that stops it. */
export function listen(emitter: Emitter, event: string, listener: Listener): () => void {
  let events = fanOuts.get(emitter)
  if (!events) fanOuts.set(emitter, (events = new Map()))
  let listeners = events.get(event)
  if (!listeners) {
    const set = new Set<Listener>()
    listeners = set
    events.set(event, set)
    ;(emitter as { on(event: string, listener: Listener): unknown }).on(event, (...args: unknown[]) => {
      for (const l of [...set]) l(...args)
    })
  }
  listeners.add(listener)
  const set = listeners
  return () => void set.delete(listener)
}
