/**
 * The client's side of watches, without I/O. The server keeps at most one watch of each kind
 * per path for our session and sends one notification per path; this registry fans it out to
 * every local listener, forgets one-shot listeners as they fire (as the server does), and lists
 * what to re-register with SetWatches2 after a reconnect. Paths are the user's (chroot removed).
 *
 * Apache 3.8 keeps one mode per (session, path) in each of its two watch tables, and the last
 * registration wins: a getData watch after addWatch turns the persistent watch into a one-shot
 * one, and SetWatches2 puts recursive watches in the child table too, silencing child events on
 * that path. So on a path with a persistent or recursive watch, one-shot watches are kept here
 * only (the persistent watch already brings their events), and on a path with a recursive
 * watch, `childrenChanged` is derived from its children's created/deleted events, never taken
 * from the server, whether or not the server still sends it.
 */
import { EventType } from '@zoo/protocol'
import { parentPath, pathPrefixes } from './paths.js'

export type NodeEventType = 'created' | 'deleted' | 'dataChanged' | 'childrenChanged'

/** A change to a znode, from a one-shot or a persistent watch. */
export interface NodeEvent {
  type: NodeEventType
  path: string
}

/**
 * What a one-shot watch callback receives: the change it waited for, or `sessionExpired` when
 * the session (and so the server's watch) is gone and no change will ever come, or `removed`
 * after removeWatches. Either way the callback is called exactly once.
 */
export type WatchEvent = NodeEvent | { type: 'sessionExpired' | 'removed'; path: string }

/**
 * What a persistent watch receives: changes, and `resync` when changes may have been missed
 * (after a reconnect, a new session, or a consumer that fell too far behind): re-read then.
 */
export type PersistentWatchEvent = NodeEvent | { type: 'resync'; path: string; reason: 'reconnected' | 'newSession' | 'overflow' }

export type WatchCallback = (event: WatchEvent) => void
export type PersistentWatchCallback = (event: PersistentWatchEvent) => void

/** One-shot watch kinds, as Apache's client keeps them: getData, exists on a missing node, getChildren. */
export type OneShotKind = 'data' | 'exist' | 'child'
export type RemovableKind = 'data' | 'children' | 'any'

export interface WatchSnapshot {
  data: string[]
  exist: string[]
  child: string[]
  persistent: string[]
  recursive: string[]
}

type Delivery = [callback: (event: never) => void, event: WatchEvent | PersistentWatchEvent]

const EVENT_NAMES: Record<number, NodeEventType | undefined> = {
  [EventType.NodeCreated]: 'created',
  [EventType.NodeDeleted]: 'deleted',
  [EventType.NodeDataChanged]: 'dataChanged',
  [EventType.NodeChildrenChanged]: 'childrenChanged',
}

export function nodeEventType(type: number): NodeEventType | undefined {
  return EVENT_NAMES[type]
}

function addTo<T>(map: Map<string, Set<T>>, path: string, item: T): boolean {
  let set = map.get(path)
  const fresh = set === undefined
  if (!set) map.set(path, (set = new Set()))
  set.add(item)
  return fresh
}

function take<T>(map: Map<string, Set<T>>, path: string, into: Set<T>): void {
  const set = map.get(path)
  if (!set) return
  map.delete(path)
  for (const item of set) into.add(item)
}

export class WatchRegistry {
  private readonly oneShot: Record<OneShotKind, Map<string, Set<WatchCallback>>> = { data: new Map(), exist: new Map(), child: new Map() }
  private readonly persistent = new Map<string, Set<PersistentWatchCallback>>()
  private readonly recursive = new Map<string, Set<PersistentWatchCallback>>()

  /** Called when the read that set the watch succeeded (the server holds the watch from then on). */
  addOneShot(kind: OneShotKind, path: string, callback: WatchCallback): void {
    addTo(this.oneShot[kind], path, callback)
  }

  /** Must a read with a one-shot watch on `path` ask the server for it (see the module note)? */
  serverNeedsOneShot(path: string): boolean {
    return !this.persistent.has(path) && !this.recursive.has(path)
  }

  /** Returns true when this is the first listener of that mode on the path (send addWatch). */
  addPersistent(path: string, recursive: boolean, callback: PersistentWatchCallback): boolean {
    return addTo(recursive ? this.recursive : this.persistent, path, callback)
  }

  /**
   * Forgets a persistent listener. `remove`: nothing is left on the path, drop the server's
   * watch. `reset`: the last listener of its mode went but others stay; drop the server's watch
   * and register `snapshot(path)` again (the server's slot holds one mode only).
   */
  removePersistent(path: string, recursive: boolean, callback: PersistentWatchCallback): 'none' | 'remove' | 'reset' {
    const map = recursive ? this.recursive : this.persistent
    const set = map.get(path)
    if (!set?.delete(callback)) return 'none'
    if (set.size > 0) return 'none'
    map.delete(path)
    return this.watched(path) ? 'reset' : 'remove'
  }

  /** Is anything watching exactly this path? */
  watched(path: string): boolean {
    return this.oneShot.data.has(path) || this.oneShot.exist.has(path) || this.oneShot.child.has(path) || this.persistent.has(path) || this.recursive.has(path)
  }

  /** The callbacks a notification reaches, with their events; one-shot ones are removed. */
  notify(type: number, path: string): Delivery[] {
    const name = nodeEventType(type)
    if (name === undefined) return []
    if (name === 'childrenChanged' && this.recursive.has(path)) return []
    const out = this.deliveries(name, path)
    const parent = parentPath(path)
    if ((name === 'created' || name === 'deleted') && parent !== undefined && this.recursive.has(parent)) out.push(...this.deliveries('childrenChanged', parent))
    return out
  }

  private deliveries(name: NodeEventType, path: string): Delivery[] {
    const fired = new Set<WatchCallback>()
    if (name !== 'childrenChanged') {
      take(this.oneShot.data, path, fired)
      take(this.oneShot.exist, path, fired)
    }
    if (name === 'childrenChanged' || name === 'deleted') take(this.oneShot.child, path, fired)
    const event: NodeEvent = { type: name, path }
    const out: Delivery[] = []
    for (const callback of fired) out.push([callback, event])
    for (const callback of this.persistent.get(path) ?? []) out.push([callback, event])
    // The server sends recursive watchers no child events: the created/deleted child tells it.
    if (name !== 'childrenChanged') {
      for (const prefix of ['/', ...pathPrefixes(path)]) for (const callback of this.recursive.get(prefix) ?? []) out.push([callback, event])
    }
    return out
  }

  /**
   * removeWatches: drops one-shot listeners (all of the kind, or just `callback`) and tells each
   * one it was removed. Returns the deliveries and whether the server's watch should go too.
   */
  removeOneShot(path: string, kind: RemovableKind, callback?: WatchCallback): { deliveries: Delivery[]; removed: number; serverToo: boolean } {
    const kinds: OneShotKind[] = kind === 'data' ? ['data', 'exist'] : kind === 'children' ? ['child'] : ['data', 'exist', 'child']
    const removed = new Set<WatchCallback>()
    for (const k of kinds) {
      const set = this.oneShot[k].get(path)
      if (!set) continue
      for (const cb of set) if (callback === undefined || cb === callback) removed.add(cb)
      for (const cb of removed) set.delete(cb)
      if (set.size === 0) this.oneShot[k].delete(path)
    }
    // The server keeps one slot per path for our session: removing there would also remove a
    // persistent watch on the same path, so that path's one-shot watches are dropped here only.
    const serverToo = kinds.every((k) => !this.oneShot[k].has(path)) && !this.persistent.has(path) && !this.recursive.has(path)
    const event: WatchEvent = { type: 'removed', path }
    return { deliveries: [...removed].map((cb): Delivery => [cb, event]), removed: removed.size, serverToo }
  }

  /** What to send in SetWatches2 after a reconnect (or for one path, after a reset). */
  snapshot(only?: string): WatchSnapshot {
    const keys = (map: Map<string, unknown>) => (only === undefined ? [...map.keys()] : map.has(only) ? [only] : [])
    const oneShot = (map: Map<string, unknown>) => keys(map).filter((path) => this.serverNeedsOneShot(path))
    return {
      data: oneShot(this.oneShot.data),
      exist: oneShot(this.oneShot.exist),
      child: oneShot(this.oneShot.child),
      persistent: keys(this.persistent),
      recursive: keys(this.recursive),
    }
  }

  /** Every persistent listener, once each, with a resync marker for its own path. */
  resync(reason: 'reconnected' | 'newSession'): Delivery[] {
    const out: Delivery[] = []
    for (const map of [this.persistent, this.recursive]) {
      for (const [path, set] of map) for (const callback of set) out.push([callback, { type: 'resync', path, reason }])
    }
    return out
  }

  /**
   * The session ended: the server forgot every watch. One-shot listeners are told so and dropped;
   * persistent listeners stay, to be registered on the next session and told to resync then.
   */
  sessionExpired(): Delivery[] {
    const byPath = new Map<string, Set<WatchCallback>>()
    for (const kind of ['data', 'exist', 'child'] as const) {
      for (const [path, set] of this.oneShot[kind]) for (const callback of set) addTo(byPath, path, callback)
      this.oneShot[kind].clear()
    }
    const out: Delivery[] = []
    for (const [path, set] of byPath) for (const callback of set) out.push([callback, { type: 'sessionExpired', path }])
    return out
  }

  /** Drops everything (close); returns nothing to deliver: the client ends the iterators itself. */
  clear(): void {
    for (const kind of ['data', 'exist', 'child'] as const) this.oneShot[kind].clear()
    this.persistent.clear()
    this.recursive.clear()
  }

  get size(): number {
    let n = 0
    for (const map of [this.oneShot.data, this.oneShot.exist, this.oneShot.child, this.persistent, this.recursive]) for (const set of map.values()) n += set.size
    return n
  }
}
