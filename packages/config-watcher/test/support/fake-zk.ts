/**
 * An in-memory stand-in for the few ZooKeeperClient calls the ZooKeeper source makes, for the
 * cases a real Apache 3.8 cannot show: a server without addWatch, errors on demand, a client
 * that stays expired or closes.
 */
import { EventEmitter } from 'node:events'
import { ErrorCode, KeeperError, type ClientState, type PersistentWatchEvent, type Stat, type WatchEvent, type ZooKeeperClient } from '@zoo/client'

type Callback = (event: WatchEvent) => void

export class FakeZk extends EventEmitter {
  state: ClientState = 'connected'
  supportsAddWatch = true
  private zxid = 100n
  private readonly nodes = new Map<string, { data: Buffer; stat: Stat }>()
  private readonly oneShot = new Map<string, Set<Callback>>()
  private readonly streams = new Set<{ path: string; push: (e: PersistentWatchEvent) => void }>()
  /** errors the next requests fail with, in order */
  readonly failures: ErrorCode[] = []
  requests = 0

  asClient(): ZooKeeperClient {
    return this as unknown as ZooKeeperClient
  }

  get oneShotWatchCount(): number {
    let n = 0
    for (const set of this.oneShot.values()) n += set.size
    return n
  }

  write(path: string, text: string): void {
    const zxid = ++this.zxid
    const existing = this.nodes.get(path)
    const stat = existing
      ? { ...existing.stat, version: existing.stat.version + 1, mzxid: zxid }
      : ({ czxid: zxid, mzxid: zxid, pzxid: zxid, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, dataLength: 0, numChildren: 0 } as Stat)
    this.nodes.set(path, { data: Buffer.from(text), stat })
    this.fire(path, existing ? 'dataChanged' : 'created')
  }

  /** The session ends; one-shot watches get sessionExpired; `renew` opens a new session. */
  expire(renew: boolean): void {
    this.state = 'expired'
    this.emit('state', 'expired')
    const callbacks = [...this.oneShot.entries()]
    this.oneShot.clear()
    for (const [path, set] of callbacks) for (const cb of set) cb({ type: 'sessionExpired', path })
    if (!renew) return
    this.state = 'connected'
    this.emit('state', 'connected')
    for (const s of this.streams) s.push({ type: 'resync', path: s.path, reason: 'newSession' })
  }

  private fire(path: string, type: 'dataChanged' | 'created'): void {
    const set = this.oneShot.get(path)
    this.oneShot.delete(path)
    for (const cb of set ?? []) cb({ type, path })
    for (const s of this.streams) if (s.path === path) s.push({ type, path })
  }

  private async request(): Promise<void> {
    this.requests++
    await Promise.resolve()
    const code = this.failures.shift()
    if (code !== undefined) throw new KeeperError(code)
    if (this.state === 'closed') throw new KeeperError(ErrorCode.SESSIONEXPIRED)
    if (this.state === 'expired') throw new KeeperError(ErrorCode.SESSIONEXPIRED)
  }

  private arm(path: string, watch: Callback | undefined): void {
    if (!watch) return
    const set = this.oneShot.get(path) ?? new Set()
    set.add(watch)
    this.oneShot.set(path, set)
  }

  async getData(path: string, options: { watch?: Callback } = {}): Promise<{ data: Buffer; stat: Stat }> {
    await this.request()
    const node = this.nodes.get(path)
    if (!node) throw new KeeperError(ErrorCode.NONODE, path)
    this.arm(path, options.watch)
    return node
  }

  async exists(path: string, options: { watch?: Callback } = {}): Promise<Stat | null> {
    await this.request()
    this.arm(path, options.watch)
    return this.nodes.get(path)?.stat ?? null
  }

  async sync(): Promise<void> {
    await this.request()
  }

  async removeWatches(path: string, options: { watch?: Callback; local?: boolean }): Promise<void> {
    const set = this.oneShot.get(path)
    if (!set || !options.watch || !set.delete(options.watch)) throw new KeeperError(ErrorCode.NOWATCHER, path)
  }

  watch(path: string): AsyncIterableIterator<PersistentWatchEvent> {
    const buffer: PersistentWatchEvent[] = []
    let wake: (() => void) | undefined
    let ended = false
    const entry = { path, push: (e: PersistentWatchEvent) => (buffer.push(e), wake?.()) }
    this.streams.add(entry)
    const unsupported = !this.supportsAddWatch
    const streams = this.streams
    return {
      async next(): Promise<IteratorResult<PersistentWatchEvent>> {
        if (unsupported) throw new KeeperError(ErrorCode.UNIMPLEMENTED, path)
        while (buffer.length === 0 && !ended) await new Promise<void>((r) => (wake = r))
        return buffer.length > 0 ? { value: buffer.shift()!, done: false } : { value: undefined, done: true }
      },
      async return(): Promise<IteratorResult<PersistentWatchEvent>> {
        ended = true
        streams.delete(entry)
        wake?.()
        return { value: undefined, done: true }
      },
      [Symbol.asyncIterator]() {
        return this
      },
    }
  }
}
