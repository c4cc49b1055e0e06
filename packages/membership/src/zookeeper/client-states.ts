/**
 * One `state` listener per client, fanned out to every membership on it: a process with hundreds
 * of memberships on one client must not trip EventEmitter's leak warning, nor make the client
 * call hundreds of listeners it knows nothing about.
 */
import type { ClientState, ZooKeeperClient } from '@zoo/client'

type Listener = (state: ClientState) => void

const fanOuts = new WeakMap<ZooKeeperClient, Set<Listener>>()

/** Calls `listener` on every state change of `zk`; returns the function that stops it. */
export function onClientState(zk: ZooKeeperClient, listener: Listener): () => void {
  let listeners = fanOuts.get(zk)
  if (!listeners) {
    const set = new Set<Listener>()
    listeners = set
    fanOuts.set(zk, set)
    zk.on('state', (state) => {
      for (const l of [...set]) l(state)
    })
  }
  listeners.add(listener)
  const set = listeners
  return () => void set.delete(listener)
}
