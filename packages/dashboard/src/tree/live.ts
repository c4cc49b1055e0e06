/**
 * Live views of single paths through the dashboard's one session: one persistent watch per
 * path (addWatch), shared by every page that looks at it; on each event the node is read again
 * (reads coalesce: while one is out, further events only mark it dirty). The number of paths
 * watched at once is bounded; the watch goes when the last viewer leaves.
 */
import { isNoNode, type CallOptions, type ZooKeeperClient } from '@zoo/client'
import type { LiveView } from '../shared/api.js'
import { statView } from './views.js'

export type LiveListener = (update: { view: LiveView } | { error: string }) => void

export interface LiveLimits {
  maxPaths: number
  maxChildren: number
  maxDataBytes: number
  timeoutMs: number
}

export class TooManyLiveViewsError extends Error {
  override readonly name = 'TooManyLiveViewsError'
}

interface Entry {
  listeners: Set<LiveListener>
  abort: AbortController
  reading: boolean
  dirty: LiveView['cause'] | undefined
  last: LiveView | undefined
}

export class LiveViews {
  private readonly entries = new Map<string, Entry>()

  constructor(
    private readonly client: () => ZooKeeperClient,
    private readonly limits: LiveLimits,
  ) {}

  get size(): number {
    return this.entries.size
  }

  /** Starts (or joins) the live view of `path`; returns the function that leaves it. */
  subscribe(path: string, listener: LiveListener): () => void {
    let entry = this.entries.get(path)
    if (!entry) {
      if (this.entries.size >= this.limits.maxPaths) throw new TooManyLiveViewsError(`at most ${this.limits.maxPaths} paths can be watched live at once`)
      entry = this.open(path)
    } else if (entry.last) {
      listener({ view: entry.last })
    }
    entry.listeners.add(listener)
    const joined = entry
    return () => {
      joined.listeners.delete(listener)
      if (joined.listeners.size === 0 && this.entries.get(path) === joined) this.close(path, joined)
    }
  }

  closeAll(): void {
    for (const [path, entry] of this.entries) this.close(path, entry)
  }

  private open(path: string): Entry {
    const zk = this.client()
    const entry: Entry = { listeners: new Set(), abort: new AbortController(), reading: false, dirty: undefined, last: undefined }
    this.entries.set(path, entry)
    // The watch is registered before the first read, so no change falls between the two.
    const events = zk.watch(path, { signal: entry.abort.signal })
    void this.refresh(zk, path, entry, 'initial')
    void this.follow(zk, path, entry, events)
    return entry
  }

  private close(path: string, entry: Entry): void {
    this.entries.delete(path)
    entry.abort.abort()
  }

  private async follow(zk: ZooKeeperClient, path: string, entry: Entry, events: AsyncIterable<{ type: string }>): Promise<void> {
    try {
      for await (const event of events) void this.refresh(zk, path, entry, event.type === 'resync' ? 'resync' : 'changed')
    } catch (error) {
      this.broadcast(entry, { error: `the live view of ${path} stopped: ${(error as Error).message}` })
      if (this.entries.get(path) === entry) this.close(path, entry)
    }
  }

  private async refresh(zk: ZooKeeperClient, path: string, entry: Entry, cause: LiveView['cause']): Promise<void> {
    if (entry.reading) {
      entry.dirty = entry.dirty === 'resync' ? 'resync' : cause
      return
    }
    entry.reading = true
    try {
      for (let next: LiveView['cause'] | undefined = cause; next !== undefined && !entry.abort.signal.aborted; ) {
        entry.dirty = undefined
        const view = await this.read(zk, path, next)
        entry.last = view
        this.broadcast(entry, { view })
        next = entry.dirty
      }
    } catch (error) {
      this.broadcast(entry, { error: `reading ${path} failed: ${(error as Error).message}` })
    } finally {
      entry.reading = false
    }
  }

  private async read(zk: ZooKeeperClient, path: string, cause: LiveView['cause']): Promise<LiveView> {
    const call: CallOptions = { timeoutMs: this.limits.timeoutMs }
    const absent: LiveView = { path, exists: false, stat: null, data: null, dataTruncated: false, children: [], numChildren: 0, cause }
    try {
      const [{ data, stat }, { children }] = await Promise.all([zk.getData(path, call), zk.getChildren(path, call)])
      const truncated = data.length > this.limits.maxDataBytes
      const names = children.sort().slice(0, this.limits.maxChildren)
      return {
        path,
        exists: true,
        stat: statView(stat),
        data: (truncated ? data.subarray(0, this.limits.maxDataBytes) : data).toString('base64'),
        dataTruncated: truncated,
        children: names,
        numChildren: children.length,
        cause,
      }
    } catch (error) {
      // Deleted (or not yet created): the watch tells us when that changes.
      if (isNoNode(error)) return absent
      throw error
    }
  }

  private broadcast(entry: Entry, update: Parameters<LiveListener>[0]): void {
    for (const listener of entry.listeners) listener(update)
  }
}
