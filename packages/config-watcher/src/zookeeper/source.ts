/**
 * The ZooKeeper backend's reader. It never trusts an event's content, only its occurrence: any
 * sign of change (a watch event, a `resync` marker, a reconnect, a new session) marks the
 * config dirty, and one read loop re-reads until nothing happened during the last read. So a
 * burst of N updates costs at most a few reads, and the last read always comes after the last
 * event: the watcher converges to the final value.
 *
 * Watches: a persistent watch (addWatch, ZooKeeper 3.6+; recursive in subtree mode) where the
 * server supports it, else one-shot watches re-armed by every read. Reads after a reconnect or
 * a new session go after a `sync`, so the member we landed on has caught up with the leader.
 */
import { ErrorCode, isKeeperError, isNoNode, type PersistentWatchEvent, type Stat, type WatchEvent, type ZooKeeperClient } from '@zoo/client'
import type { ClientState } from '@zoo/client'
import type { Observation } from '../cell.js'
import { ReadLoop } from '../read-loop.js'
import { nodeKey } from '../version.js'
import type { ConfigSink, ConfigSource } from '../watcher.js'

export type WatchMode = 'auto' | 'persistent' | 'oneShot'

export interface ZooKeeperSourceOptions {
  subtree: boolean
  watchMode: WatchMode
}

/** Errors a later attempt can get past by itself (the client reconnects or renews the session). */
const TRANSIENT = new Set<number>([ErrorCode.CONNECTIONLOSS, ErrorCode.SESSIONEXPIRED, ErrorCode.OPERATIONTIMEOUT, ErrorCode.REQUESTTIMEOUT, ErrorCode.THROTTLEDOP, ErrorCode.SESSIONMOVED, ErrorCode.NOTREADONLY])
/** SESSIONEXPIRED this many times in a row while the client stays expired: it will not renew. */
const TERMINAL_EXPIRY_STREAK = 3

export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`
}

export class ZooKeeperSource implements ConfigSource {
  private sink: ConfigSink | undefined
  private closed = false
  private syncFirst = false
  /** a read found the tree moving under it: read once more after this pass */
  private readAgain = false
  private expiredStreak = 0
  private readonly loop = new ReadLoop(() => this.pass(), (error, attempt) => this.onReadError(error, attempt))
  private oneShot: boolean
  private stream: AsyncIterableIterator<PersistentWatchEvent> | undefined
  /** paths that may hold our one-shot watch, to drop locally on close */
  private readonly armed = new Set<string>()
  private readonly onWatch = (event: WatchEvent) => this.onOneShot(event)
  private readonly onState = (state: ClientState) => this.onClientState(state)

  constructor(
    private readonly zk: ZooKeeperClient,
    private readonly path: string,
    private readonly options: ZooKeeperSourceOptions,
  ) {
    this.oneShot = options.watchMode === 'oneShot'
  }

  start(sink: ConfigSink): void {
    if (this.sink) throw new Error('assertion failed: ZooKeeperSource started twice')
    this.sink = sink
    this.zk.on('state', this.onState)
    // The persistent watch goes out before the first read: replies are FIFO, so the read sees
    // every change the watch does not report.
    if (!this.oneShot) this.openPersistent()
    this.requestRead(false)
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.loop.stop()
    this.zk.off('state', this.onState)
    await this.stream?.return?.()
    for (const path of this.armed) {
      // Local only: another watcher on this client may share the server's watch on the path.
      await this.zk.removeWatches(path, { watch: this.onWatch, local: true }).catch((error: unknown) => {
        if (!isKeeperError(error, ErrorCode.NOWATCHER)) throw error
      })
    }
    this.armed.clear()
  }

  private openPersistent(): void {
    const stream = this.zk.watch(this.path, { recursive: this.options.subtree })
    this.stream = stream
    void this.consume(stream)
  }

  private async consume(stream: AsyncIterableIterator<PersistentWatchEvent>): Promise<void> {
    try {
      for await (const event of stream) this.requestRead(event.type === 'resync')
    } catch (error) {
      if (this.closed) return
      if (this.options.watchMode === 'auto' && isKeeperError(error, ErrorCode.UNIMPLEMENTED)) {
        // A server older than 3.6 has no addWatch: one-shot watches, re-armed by every read.
        this.oneShot = true
        this.stream = undefined
        return this.requestRead(false)
      }
      this.sink!.error(error, true)
    }
  }

  private onOneShot(event: WatchEvent): void {
    if (this.closed) return
    // 'sessionExpired': the next read waits for the new session and re-arms the watch there.
    this.requestRead(event.type === 'sessionExpired')
  }

  private onClientState(state: ClientState): void {
    if (state === 'reconnected' || state === 'connected' || state === 'readOnly') this.requestRead(true)
  }

  private requestRead(syncFirst: boolean): void {
    if (this.closed) return
    this.syncFirst ||= syncFirst
    this.loop.request()
  }

  private async pass(): Promise<void> {
    const syncFirst = this.syncFirst
    this.syncFirst = false
    let observation: Observation | undefined
    try {
      observation = await this.readOnce(syncFirst)
    } catch (error) {
      this.syncFirst ||= syncFirst
      throw error
    }
    this.expiredStreak = 0
    if (observation && !this.closed) this.sink!.observe(observation)
    if (this.readAgain) {
      this.readAgain = false
      this.loop.request()
    }
  }

  /**
   * One read without starting the watcher (readConfig, the CLI's `get`). Undefined when the
   * node moved under the read (created or a child deleted meanwhile): read again.
   */
  async read(): Promise<Observation | undefined> {
    this.readAgain = false
    const observation = await this.readOnce(false)
    return this.readAgain ? undefined : observation
  }

  /** Retry transient errors quietly, report others (once a streak) and retry, stop when the client is gone. */
  private onReadError(error: unknown, attempt: number): boolean {
    this.expiredStreak = isKeeperError(error, ErrorCode.SESSIONEXPIRED) && this.zk.state === 'expired' ? this.expiredStreak + 1 : 0
    const state = this.zk.state
    const fatal = state === 'closed' || state === 'authFailed' || this.expiredStreak >= TERMINAL_EXPIRY_STREAK
    if (fatal) this.sink!.error(error, true)
    else if (!isTransient(error) && attempt === 0) this.sink!.error(error, false)
    return !fatal
  }

  private async readOnce(syncFirst: boolean): Promise<Observation | undefined> {
    // A read-only member (cut off from its quorum) cannot sync: read what it has.
    if (syncFirst && this.zk.state !== 'readOnly') await this.zk.sync(this.path).catch((error: unknown) => (isNoNode(error) ? undefined : Promise.reject(error)))
    return this.options.subtree ? this.readTree() : this.readNode()
  }

  private get watch(): ((event: WatchEvent) => void) | undefined {
    return this.oneShot ? this.onWatch : undefined
  }

  private arm(path: string): void {
    if (this.oneShot) this.armed.add(path)
  }

  private async readNode(): Promise<Observation | undefined> {
    this.arm(this.path)
    try {
      const { data, stat } = await this.zk.getData(this.path, { watch: this.watch })
      return { kind: 'value', raw: data, key: nodeKey(stat), version: versionOf(stat) }
    } catch (error) {
      if (!isNoNode(error)) throw error
    }
    return this.readAbsent()
  }

  /** getData said NONODE: watch for its creation (exists), unless it came back meanwhile. */
  private async readAbsent(): Promise<Observation | undefined> {
    const stat = await this.zk.exists(this.path, { watch: this.watch })
    if (stat === null) return { kind: 'absent' }
    this.readAgain = true
    return undefined
  }

  private async readTree(): Promise<Observation | undefined> {
    this.arm(this.path)
    let listing: { children: string[]; stat: Stat }
    try {
      listing = await this.zk.getChildren(this.path, { watch: this.watch })
    } catch (error) {
      if (!isNoNode(error)) throw error
      return this.readAbsent()
    }
    const names = [...listing.children].sort()
    const reads = await Promise.all(names.map((name) => this.readChild(name)))
    const raw: Record<string, Uint8Array> = {}
    let newestZxid = listing.stat.pzxid > listing.stat.mzxid ? listing.stat.pzxid : listing.stat.mzxid
    for (const [i, read] of reads.entries()) {
      // Deleted between the listing and the read: its event is on the way; read again then.
      if (read === undefined) {
        this.readAgain = true
        continue
      }
      raw[names[i]!] = read.data
      if (read.stat.mzxid > newestZxid) newestZxid = read.stat.mzxid
    }
    const { czxid, version } = listing.stat
    return { kind: 'value', raw, key: [czxid, newestZxid], version: { version, czxid, mzxid: newestZxid } }
  }

  private async readChild(name: string): Promise<{ data: Buffer; stat: Stat } | undefined> {
    const path = childPath(this.path, name)
    this.arm(path)
    try {
      return await this.zk.getData(path, { watch: this.watch })
    } catch (error) {
      if (isNoNode(error)) return undefined
      throw error
    }
  }
}

function versionOf(stat: Stat): { version: number; czxid: bigint; mzxid: bigint } {
  return { version: stat.version, czxid: stat.czxid, mzxid: stat.mzxid }
}

function isTransient(error: unknown): boolean {
  return isKeeperError(error) && TRANSIENT.has(error.code)
}
