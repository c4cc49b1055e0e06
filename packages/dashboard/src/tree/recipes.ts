/**
 * Recipe views: who holds a lock and who waits, who leads a latch and who stands by, and a
 * config's value and version, for the node layouts of @zoo/lock, @zoo/leader-latch and
 * @zoo/config-watcher, and of kazoo and Curator (names parsed with @zoo/recipe-core's schemes).
 */
import type { CallOptions, ZooKeeperClient } from '@zoo/client'
import { isNoNode } from '@zoo/client'
import { curatorNaming, kazooNaming, orderContenders, zooNaming, type NamingScheme, type ParsedName } from '@zoo/recipe-core'
import type { ConfigValueView, ContenderView, NamingStyle, RecipeKind, RecipeView } from '../shared/api.js'
import { childPath, hex64, prettyJson } from '../shared/format.js'

interface Layout {
  naming: NamingStyle
  kind: 'lock' | 'rwlock' | 'latch'
  scheme: NamingScheme<string>
}

/** In order of preference: zoo's names also end like Curator's (`-lock-<seq>`), so zoo comes first. */
const LAYOUTS: readonly Layout[] = [
  { naming: 'zoo', kind: 'lock', scheme: zooNaming({ lock: 'lock' }) },
  { naming: 'zoo', kind: 'rwlock', scheme: zooNaming({ read: 'read', write: 'write' }) },
  { naming: 'zoo', kind: 'latch', scheme: zooNaming({ latch: 'latch' }) },
  // kazoo: Lock and WriteLock are `__lock__`, ReadLock `__rlock__`; its Election is a Lock.
  { naming: 'kazoo', kind: 'rwlock', scheme: kazooNaming({ read: '__rlock__', write: '__lock__' }) },
  { naming: 'curator', kind: 'lock', scheme: curatorNaming({ lock: 'lock-' }) },
  { naming: 'curator', kind: 'rwlock', scheme: curatorNaming({ read: '__READ__', write: '__WRIT__' }) },
  { naming: 'curator', kind: 'latch', scheme: curatorNaming({ latch: 'latch-' }) },
]

export interface DetectedLayout {
  naming: NamingStyle
  kind: 'lock' | 'rwlock' | 'latch'
  /** contenders in queue order */
  ordered: ParsedName[]
  note: string | null
}

/**
 * The layout most children follow. `hint` narrows the kind: kazoo's `__lock__` nodes are a lock
 * unless asked to read them as a latch (kazoo's Election).
 */
export function detectLayout(children: readonly string[], hint: RecipeKind | 'auto'): DetectedLayout | undefined {
  let best: { layout: Layout; ordered: ParsedName[] } | undefined
  for (const layout of LAYOUTS) {
    const ordered = orderContenders(layout.scheme, children)
    if (ordered.length > (best?.ordered.length ?? 0)) best = { layout, ordered }
  }
  if (!best) return undefined
  const { layout, ordered } = best
  if (layout.naming !== 'kazoo') {
    if (hint === 'latch' && layout.kind !== 'latch') return undefined
    if ((hint === 'lock' || hint === 'rwlock') && layout.kind === 'latch') return undefined
    return { naming: layout.naming, kind: layout.kind, ordered, note: null }
  }
  if (hint === 'latch') return { naming: 'kazoo', kind: 'latch', ordered, note: "read as kazoo's Election: the first contender leads" }
  const kind = ordered.some((c) => c.kind === 'read') ? 'rwlock' : 'lock'
  return { naming: 'kazoo', kind, ordered, note: kind === 'lock' ? "kazoo's Election uses this layout too: there, the holder is the leader" : null }
}

/**
 * Who holds: for a lock or latch the first contender; for a read/write lock a writer only when
 * first, a reader when no writer is ahead of it.
 */
export function splitHolders<T extends { kind: string }>(kind: 'lock' | 'rwlock' | 'latch', ordered: readonly T[]): { holders: T[]; waiters: T[] } {
  if (kind !== 'rwlock') return { holders: ordered.slice(0, 1), waiters: ordered.slice(1) }
  const holders: T[] = []
  const waiters: T[] = []
  let writerAhead = false
  ordered.forEach((contender, index) => {
    const holds = contender.kind === 'write' ? index === 0 : !writerAhead
    if (contender.kind === 'write') writerAhead = true
    ;(holds ? holders : waiters).push(contender)
  })
  return { holders, waiters }
}

export interface RecipeLimits {
  maxContenders: number
  maxValueBytes: number
  timeoutMs: number
}

const MAX_ID_CHARS = 256

async function contenderView(zk: ZooKeeperClient, parent: string, entry: ParsedName, call: CallOptions): Promise<ContenderView> {
  const base = { name: entry.name, kind: entry.kind, sequence: entry.sequence }
  try {
    const { data, stat } = await zk.getData(childPath(parent, entry.name), call)
    const id = data.toString('utf8').slice(0, MAX_ID_CHARS)
    return { ...base, id, sessionId: stat.ephemeralOwner === 0n ? null : hex64(stat.ephemeralOwner), czxid: hex64(stat.czxid) }
  } catch (error) {
    // Gone between the listing and the read: it released meanwhile.
    if (isNoNode(error)) return { ...base, id: '(released)', sessionId: null, czxid: null }
    throw error
  }
}

export async function recipeView(zk: ZooKeeperClient, path: string, hint: RecipeKind | 'auto', limits: RecipeLimits): Promise<RecipeView> {
  const call: CallOptions = { timeoutMs: limits.timeoutMs }
  const empty: RecipeView = { path, kind: null, naming: null, holders: [], waiters: [], total: 0, config: null, note: null }
  const [{ children }, node] = await Promise.all([zk.getChildren(path, call), zk.getData(path, call)])
  const layout = hint === 'config' ? undefined : detectLayout(children, hint)
  if (layout) {
    const shown = layout.ordered.slice(0, limits.maxContenders)
    const views = await Promise.all(shown.map((entry) => contenderView(zk, path, entry, call)))
    const { holders, waiters } = splitHolders(layout.kind, views)
    const more = layout.ordered.length - shown.length
    const note = [layout.note, more > 0 ? `${more} more contenders not shown` : null].filter(Boolean).join('; ')
    return { ...empty, kind: layout.kind, naming: layout.naming, holders, waiters, total: layout.ordered.length, note: note || null }
  }
  if (hint === 'config') {
    const subtree = node.data.length === 0 && children.length > 0
    return { ...empty, kind: 'config', config: subtree ? await subtreeConfig(zk, path, children, node.stat, limits) : nodeConfig(node.data, node.stat, limits) }
  }
  if (hint === 'auto' && node.data.length > 0) return { ...empty, kind: 'config', config: nodeConfig(node.data, node.stat, limits) }
  return empty
}

type StatLike = { version: number; czxid: bigint; mzxid: bigint; mtime: bigint }

function nodeConfig(data: Buffer, stat: StatLike, limits: RecipeLimits): ConfigValueView {
  const value = data.subarray(0, limits.maxValueBytes).toString('utf8')
  const pretty = prettyJson(value)
  return {
    layout: 'node',
    value,
    json: pretty === undefined ? null : JSON.parse(value),
    jsonValid: pretty !== undefined,
    version: stat.version,
    czxid: hex64(stat.czxid),
    mzxid: hex64(stat.mzxid),
    mtime: Number(stat.mtime),
    entries: [],
  }
}

/** @zoo/config-watcher's subtree layout: one child per key, its data the value. */
async function subtreeConfig(zk: ZooKeeperClient, path: string, children: string[], stat: StatLike, limits: RecipeLimits): Promise<ConfigValueView> {
  const call: CallOptions = { timeoutMs: limits.timeoutMs }
  const keys = [...children].sort().slice(0, limits.maxContenders)
  const reads = await Promise.all(keys.map((key) => zk.getData(childPath(path, key), call).catch((e: unknown) => (isNoNode(e) ? undefined : Promise.reject(e)))))
  let newest = stat.mzxid
  const entries: { key: string; value: string }[] = []
  reads.forEach((read, i) => {
    if (!read) return
    if (read.stat.mzxid > newest) newest = read.stat.mzxid
    entries.push({ key: keys[i]!, value: read.data.subarray(0, limits.maxValueBytes).toString('utf8') })
  })
  return { layout: 'subtree', value: '', json: null, jsonValid: false, version: stat.version, czxid: hex64(stat.czxid), mzxid: hex64(newest), mtime: Number(stat.mtime), entries }
}
