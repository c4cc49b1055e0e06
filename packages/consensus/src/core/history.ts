// The logged history a peer holds in memory: an optional snapshot (everything up to its zxid)
// followed by log entries in strictly increasing zxid order. The application bounds its size by
// compacting into snapshots; the core never reads the disk itself.
import { invariant } from './errors.js'
import type { Entry, Snapshot } from './types.js'

export class History {
  private snap: Snapshot | undefined
  private entries: Entry[] = []

  constructor(snapshot: Snapshot | undefined, log: readonly Entry[]) {
    this.snap = snapshot
    for (const e of log) if (e.zxid > this.baseZxid) this.append(e)
  }

  get snapshot(): Snapshot | undefined {
    return this.snap
  }

  /** The zxid everything before which lives only in the snapshot (0 = empty history). */
  get baseZxid(): bigint {
    return this.snap?.zxid ?? 0n
  }

  get lastZxid(): bigint {
    return this.entries.at(-1)?.zxid ?? this.baseZxid
  }

  get length(): number {
    return this.entries.length
  }

  append(entry: Entry): void {
    invariant(entry.zxid > this.lastZxid, () => `append out of order: ${entry.zxid} after ${this.lastZxid}`)
    this.entries.push(entry)
  }

  /** Index of the entry with this zxid, or -1. */
  indexOf(zxid: bigint): number {
    let lo = 0
    let hi = this.entries.length - 1
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const z = this.entries[mid]!.zxid
      if (z === zxid) return mid
      if (z < zxid) lo = mid + 1
      else hi = mid - 1
    }
    return -1
  }

  /** True when this zxid is a point of the history we can continue from (an entry or the base). */
  hasPoint(zxid: bigint): boolean {
    return zxid === this.baseZxid || this.indexOf(zxid) >= 0
  }

  get(zxid: bigint): Entry | undefined {
    const i = this.indexOf(zxid)
    return i < 0 ? undefined : this.entries[i]
  }

  /** The largest entry zxid <= zxid (entries only, the base excluded), if any. */
  largestEntryAtMost(zxid: bigint): bigint | undefined {
    let lo = 0
    let hi = this.entries.length - 1
    let found: bigint | undefined
    while (lo <= hi) {
      const mid = (lo + hi) >> 1
      const z = this.entries[mid]!.zxid
      if (z <= zxid) {
        found = z
        lo = mid + 1
      } else hi = mid - 1
    }
    return found
  }

  /** Entries in (afterZxid, uptoZxid]; `afterZxid` must be a point of the history. */
  between(afterZxid: bigint, uptoZxid: bigint = this.lastZxid): Entry[] {
    invariant(afterZxid >= this.baseZxid, () => `entries after ${afterZxid} were compacted (base ${this.baseZxid})`)
    const start = afterZxid === this.baseZxid ? 0 : this.indexOf(afterZxid) + 1
    invariant(start > 0 || afterZxid === this.baseZxid, () => `no point ${afterZxid} in history`)
    const out: Entry[] = []
    for (let i = start; i < this.entries.length && this.entries[i]!.zxid <= uptoZxid; i++) out.push(this.entries[i]!)
    return out
  }

  /** Drops every entry above zxid. */
  truncateAfter(zxid: bigint): void {
    invariant(zxid >= this.baseZxid, () => `truncate below the snapshot: ${zxid} < ${this.baseZxid}`)
    let n = this.entries.length
    while (n > 0 && this.entries[n - 1]!.zxid > zxid) n--
    this.entries.length = n
  }

  /** Replaces everything with a snapshot (a leader's SNAP). */
  resetTo(snapshot: Snapshot): void {
    this.snap = snapshot
    this.entries = []
  }

  /** Forgets entries up to the snapshot's zxid, which must be a point of the history. */
  compact(snapshot: Snapshot): void {
    invariant(this.hasPoint(snapshot.zxid), () => `compact at ${snapshot.zxid}: not a point of the history`)
    const keepFrom = snapshot.zxid === this.baseZxid ? 0 : this.indexOf(snapshot.zxid) + 1
    this.entries = this.entries.slice(keepFrom)
    this.snap = snapshot
  }
}
