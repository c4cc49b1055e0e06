// Watches as Apache 3.8 keeps them (WatchManager, WatcherModeManager): two tables, data watches
// and child watches, each mapping path -> session -> mode. One-shot watches go when they fire,
// persistent ones stay, recursive ones also fire for every node below (never NodeChildrenChanged).
// A session has one mode per (table, path): a later registration replaces it, as in Apache, so a
// getData watch on a path with a persistent watch turns that data watch back into a one-shot one.
// The registry is per member and not replicated; it answers, per applied txn, who gets what.
import { AddWatchMode, EventType, KeeperState, Perms, WatcherType } from '@zoo/protocol'
import type { WatcherEvent } from '@zoo/protocol'
import { hasPermission } from './acl.js'
import type { AuthInfo } from './acl.js'
import { ROOT_PATH } from './paths.js'
import type { WatchTableName as TableName, WatchTrigger } from './results.js'

export type WatchMode = 'standard' | 'persistent' | 'persistentRecursive'

export interface WatchDelivery {
  sessionId: bigint
  event: WatcherEvent
}

/**
 * Apache's PathParentIterator: the path, then (up to `maxLevel`) each ancestor up to "/"; nothing
 * for "". It works out the next path before handing out the current one, so a path with no '/'
 * left to cut throws there (Apache: StringIndexOutOfBoundsException, a MARSHALLINGERROR reply).
 */
function* pathParentIterator(path: string, maxLevel: number): Generator<string> {
  let p = path
  for (let level = 0; p.length > 0 && level <= maxLevel; level++) {
    const current = p
    if (p === ROOT_PATH) p = ''
    else {
      const slash = p.lastIndexOf('/')
      if (slash === -1) throw new RangeError(`no parent path of ${JSON.stringify(p)}`)
      p = slash === 0 ? ROOT_PATH : p.slice(0, slash)
    }
    yield current
  }
}

const NONE_FIRED: ReadonlySet<bigint> = new Set()

/** One of Apache's two watch managers. */
export class WatchTable {
  private readonly byPath = new Map<string, Map<bigint, WatchMode>>()
  private readonly bySession = new Map<bigint, Set<string>>()
  private recursiveCount = 0

  /** Number of (session, path) watches. */
  get size(): number {
    let n = 0
    for (const sessions of this.byPath.values()) n += sessions.size
    return n
  }

  get pathCount(): number {
    return this.byPath.size
  }

  add(sessionId: bigint, path: string, mode: WatchMode): void {
    let sessions = this.byPath.get(path)
    if (sessions === undefined) {
      sessions = new Map()
      this.byPath.set(path, sessions)
    }
    const previous = sessions.get(sessionId)
    if (previous === 'persistentRecursive') this.recursiveCount--
    if (mode === 'persistentRecursive') this.recursiveCount++
    sessions.set(sessionId, mode)
    let paths = this.bySession.get(sessionId)
    if (paths === undefined) {
      paths = new Set()
      this.bySession.set(sessionId, paths)
    }
    paths.add(path)
  }

  modeOf(sessionId: bigint, path: string): WatchMode | undefined {
    return this.byPath.get(path)?.get(sessionId)
  }

  /** Removes the session's watch on `path`; false when it had none (WatchManager.removeWatcher). */
  remove(sessionId: bigint, path: string): boolean {
    const sessions = this.byPath.get(path)
    const mode = sessions?.get(sessionId)
    if (sessions === undefined || mode === undefined) return false
    sessions.delete(sessionId)
    if (mode === 'persistentRecursive') this.recursiveCount--
    if (sessions.size === 0) this.byPath.delete(path)
    const paths = this.bySession.get(sessionId)
    paths?.delete(path)
    if (paths?.size === 0) this.bySession.delete(sessionId)
    return true
  }

  /**
   * WatchManager.containsWatcher as 3.8 has it: true when *any* session watches exactly `path`
   * (it checks the path's watcher set, not this session's entry). checkWatches inherits this.
   * Its path iterator yields nothing for "" (a watch on "" is never found, nor fired) and, when
   * recursive watches exist, walks on to the parents, which throws for a path without a '/'.
   */
  containsAny(path: string): boolean {
    let atPath = true
    for (const level of pathParentIterator(path, this.recursiveCount > 0 ? Infinity : 0)) {
      if (atPath && this.byPath.has(level)) return true
      atPath = false
    }
    return false
  }

  removeSession(sessionId: bigint): void {
    for (const path of [...(this.bySession.get(sessionId) ?? [])]) this.remove(sessionId, path)
  }

  pathsOf(sessionId: bigint): string[] {
    return [...(this.bySession.get(sessionId) ?? [])]
  }

  /** Sessions whose watches `event` on `path` fires; one-shot watches at `path` are removed. */
  trigger(path: string, event: EventType): ReadonlySet<bigint> {
    // Without recursive watches only `path` itself can fire: one lookup, and no generator or Set
    // made for a path nobody watches (most paths of a write load; ~1.5% of a member's CPU).
    if (this.recursiveCount === 0) {
      if (path.length === 0) return NONE_FIRED
      // What pathParentIterator would throw for, before it yields (see there).
      if (path !== ROOT_PATH && path.lastIndexOf('/') === -1) throw new RangeError(`no parent path of ${JSON.stringify(path)}`)
      const sessions = this.byPath.get(path)
      if (sessions === undefined) return NONE_FIRED
    }
    const fired = new Set<bigint>()
    const levels = pathParentIterator(path, this.recursiveCount > 0 ? Infinity : 0)
    let atPath = true
    for (const level of levels) {
      const sessions = this.byPath.get(level)
      if (sessions !== undefined) this.collect(level, sessions, atPath, event, fired)
      atPath = false
    }
    return fired
  }

  private collect(level: string, sessions: Map<bigint, WatchMode>, atPath: boolean, event: EventType, fired: Set<bigint>): void {
    for (const [sessionId, mode] of sessions) {
      if (mode === 'persistentRecursive') {
        if (event !== EventType.NodeChildrenChanged) fired.add(sessionId)
      } else if (atPath) {
        fired.add(sessionId)
        if (mode === 'standard') this.remove(sessionId, level)
      }
    }
  }
}

/** All watches of one member: what reads registered, and who is told what when txns apply. */
export class WatchRegistry {
  readonly data = new WatchTable()
  readonly child = new WatchTable()

  /** getData / exists with watch=true (also on a missing node: it then waits for NodeCreated). */
  addDataWatch(sessionId: bigint, path: string): void {
    this.data.add(sessionId, path, 'standard')
  }

  /** getChildren / getChildren2 with watch=true. */
  addChildWatch(sessionId: bigint, path: string): void {
    this.child.add(sessionId, path, 'standard')
  }

  /** addWatch: a persistent (or persistent recursive) watch in both tables. */
  addWatch(sessionId: bigint, path: string, mode: number): void {
    const watchMode = toWatchMode(mode)
    this.data.add(sessionId, path, watchMode)
    this.child.add(sessionId, path, watchMode)
  }

  /** removeWatches: false means NOWATCHER. Any removes from both tables. */
  removeWatches(sessionId: bigint, path: string, watcherType: number): boolean {
    const [data, child] = tablesOf(watcherType)
    const fromChild = child && this.child.remove(sessionId, path)
    const fromData = data && this.data.remove(sessionId, path)
    return fromChild || fromData
  }

  /** checkWatches: false means NOWATCHER (see WatchTable.containsAny for Apache's quirk). */
  checkWatches(path: string, watcherType: number): boolean {
    const [data, child] = tablesOf(watcherType)
    return (child && this.child.containsAny(path)) || (data && this.data.containsAny(path))
  }

  /** Forgets every watch of a session (its connection closed, or it expired). */
  removeSession(sessionId: bigint): void {
    this.data.removeSession(sessionId)
    this.child.removeSession(sessionId)
  }

  /**
   * The notifications an applied txn causes, in order. `authOf` gives a session's auth ids: as
   * Apache 3.8.4+, a session that may not READ the node loses the event (and its one-shot watch);
   * those land in `filtered` when given (Apache 3.8.0 would have delivered them).
   */
  trigger(triggers: readonly WatchTrigger[], authOf: (sessionId: bigint) => AuthInfo | undefined, filtered?: WatchDelivery[]): WatchDelivery[] {
    const deliveries: WatchDelivery[] = []
    let previous: ReadonlySet<bigint> = NONE_FIRED
    for (const t of triggers) {
      const fired = this.table(t.table).trigger(t.path, t.event)
      for (const sessionId of fired) {
        if (t.suppressPrevious && previous.has(sessionId)) continue
        const delivery = { sessionId, event: { type: t.event, state: KeeperState.SyncConnected, path: t.path } }
        if (hasPermission(t.acl, Perms.READ, authOf(sessionId) ?? [])) deliveries.push(delivery)
        else filtered?.push(delivery)
      }
      previous = fired
    }
    return deliveries
  }

  private table(name: TableName): WatchTable {
    return name === 'data' ? this.data : this.child
  }
}

function toWatchMode(mode: number): WatchMode {
  if (mode === AddWatchMode.PERSISTENT) return 'persistent'
  if (mode === AddWatchMode.PERSISTENT_RECURSIVE) return 'persistentRecursive'
  throw new RangeError(`unsupported addWatch mode ${mode}`)
}

/** [data, child] for a WatcherType; anything else is Apache's "invalid type" (MARSHALLINGERROR). */
function tablesOf(watcherType: number): [boolean, boolean] {
  if (watcherType === WatcherType.Children) return [false, true]
  if (watcherType === WatcherType.Data) return [true, false]
  if (watcherType === WatcherType.Any) return [true, true]
  throw new RangeError(`invalid watcher type ${watcherType}`)
}
