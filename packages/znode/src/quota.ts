// Quotas as Apache 3.8 keeps them: a quota on /p is the node /zookeeper/quota/p/zookeeper_limits
// (limits, StatsTrack text) next to /zookeeper/quota/p/zookeeper_stats (usage, kept up to date by
// every create, delete and setData under /p). Usage is tracked for the deepest quota above a node;
// hard limits are enforced at prepare time when enforcement is on (QUOTAEXCEEDED).
import { QUOTA_PATH } from './paths.js'

export const LIMITS_NODE = 'zookeeper_limits'
export const STATS_NODE = 'zookeeper_stats'

export const limitsPath = (path: string): string => `${QUOTA_PATH}${path}/${LIMITS_NODE}`
export const statsPath = (path: string): string => `${QUOTA_PATH}${path}/${STATS_NODE}`

const JAVA_LONG = /^[+-]?\d+$/
const LONG_MIN = -(2n ** 63n)
const LONG_MAX = 2n ** 63n - 1n

/** Long.parseLong, or undefined where it throws NumberFormatException. */
function parseJavaLong(text: string): bigint | undefined {
  if (!JAVA_LONG.test(text)) return undefined
  const value = BigInt(text)
  return value >= LONG_MIN && value <= LONG_MAX ? value : undefined
}

/**
 * Apache's StatsTrack: `count=..,bytes=..` and, since 3.7, `=;byteHardLimit=..;countHardLimit=..`.
 * A missing key reads as -1 (no limit).
 */
export class StatsTrack {
  private readonly stats = new Map<string, bigint>()

  /**
   * Reads quota text leniently: where Apache's parser would throw (a runtime error in the middle
   * of applying a txn) a malformed value reads as -1, so that apply stays deterministic.
   */
  constructor(text: string | null = '') {
    for (const [key, value] of pairs(text)) if (key !== undefined) this.stats.set(key, value ?? -1n)
  }

  /** Reads quota text as Apache does, or undefined where Apache's parser throws (prepare: MARSHALLINGERROR). */
  static parse(text: string | null): StatsTrack | undefined {
    const parsed = pairs(text)
    if (parsed.some(([key, value]) => key === undefined || value === undefined)) return undefined
    return new StatsTrack(text)
  }

  get(key: 'count' | 'bytes' | 'countHardLimit' | 'byteHardLimit'): bigint {
    return this.stats.get(key) ?? -1n
  }

  set(key: 'count' | 'bytes' | 'countHardLimit' | 'byteHardLimit', value: bigint): void {
    this.stats.set(key, value)
  }

  /** StatsTrack.toString: count and bytes first, other keys sorted after an extra "=". */
  toString(): string {
    let text = `count=${this.get('count')},bytes=${this.get('bytes')}`
    const others = [...this.stats.keys()].filter((k) => k !== 'count' && k !== 'bytes').sort()
    if (others.length > 0) text += `=${others.map((k) => `;${k}=${this.stats.get(k)}`).join('')}`
    return text
  }
}

/** key=value pairs split as Apache does (`[,;]+`, then `=`); undefined marks what Java would throw on. */
function pairs(text: string | null): [string | undefined, bigint | undefined][] {
  if (text === null || text.length === 0) return []
  return text.split(/[,;]+/).map((pair) => {
    const parts = pair.split('=')
    while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop()
    const [key, value] = parts
    if (key === undefined || value === undefined) return [key, undefined]
    return [key, parseJavaLong(value)]
  })
}

/** The path components Apache's PathTrie uses: blank segments are skipped. */
function components(path: string): string[] {
  return path.split('/').filter((part) => part.trim().length > 0)
}

/**
 * The set of paths that have a quota (Apache's PathTrie). Deleting a quota also forgets every
 * quota below it, as PathTrie.deletePath drops the whole subtrie.
 */
export class QuotaPrefixes {
  private readonly paths = new Set<string>()

  get size(): number {
    return this.paths.size
  }

  list(): string[] {
    return [...this.paths]
  }

  add(path: string): void {
    const parts = components(path)
    if (parts.length === 0) return
    this.paths.add(`/${parts.join('/')}`)
  }

  delete(path: string): void {
    const parts = components(path)
    if (parts.length === 0) return
    const normalized = `/${parts.join('/')}`
    for (const p of this.paths) {
      if (p === normalized || p.startsWith(`${normalized}/`)) this.paths.delete(p)
    }
  }

  /** The deepest quota path at or above `path`, or undefined (getMaxPrefixWithQuota: never "/"). */
  quotaFor(path: string): string | undefined {
    if (this.paths.size === 0) return undefined
    let prefix = ''
    let deepest: string | undefined
    for (const part of components(path)) {
      prefix += `/${part}`
      if (this.paths.has(prefix)) deepest = prefix
    }
    return deepest
  }
}
