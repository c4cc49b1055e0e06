/**
 * The Redis backend's reader: re-reads the hash on every notification newer than what it has
 * read, on every (re)subscription (messages sent while disconnected are gone), and every
 * `resyncIntervalMs` as a safety net for anything else that was lost.
 */
import type { Redis } from 'ioredis'
import type { Observation } from '../cell.js'
import { ReadLoop } from '../read-loop.js'
import { compareKeys, type OrderKey } from '../version.js'
import type { ConfigSink, ConfigSource } from '../watcher.js'
import { FIELDS, parseNotice } from './layout.js'

export interface RedisSourceOptions {
  channel: string
  resyncIntervalMs: number
  /** also re-read on keyspace notifications for the key (writes by other tools) */
  keyspaceNotifications: boolean
  /** close the subscriber connection with the watcher (we made it) */
  ownSubscriber: boolean
}

export class RedisSource implements ConfigSource {
  private sink: ConfigSink | undefined
  private closed = false
  private lastRead: OrderKey | undefined
  private timer: NodeJS.Timeout | undefined
  private readonly loop = new ReadLoop(() => this.pass(), (error, attempt) => this.onReadError(error, attempt))
  private readonly channels: string[]
  private readonly onMessage = (channel: string, message: string) => this.onNotice(channel, message)
  private readonly onReady = () => this.loop.request()

  constructor(
    private readonly redis: Redis,
    private readonly subscriber: Redis,
    private readonly key: string,
    private readonly options: RedisSourceOptions,
  ) {
    if (redis === subscriber) throw new TypeError('the subscriber must be its own connection (a subscribed connection cannot read)')
    const keyspace = `__keyspace@${redis.options.db ?? 0}__:${key}`
    this.channels = options.keyspaceNotifications ? [options.channel, keyspace] : [options.channel]
  }

  start(sink: ConfigSink): void {
    if (this.sink) throw new Error('assertion failed: RedisSource started twice')
    this.sink = sink
    this.subscriber.on('message', this.onMessage)
    // ioredis re-subscribes after a reconnect and then says 'ready': read what we missed.
    this.subscriber.on('ready', this.onReady)
    this.timer = setInterval(() => this.loop.request(), this.options.resyncIntervalMs)
    this.timer.unref()
    // Subscribe before the first read: a publish between the two is then seen by one of them.
    this.subscriber.subscribe(...this.channels).then(
      () => this.loop.request(),
      (error: unknown) => {
        this.sink?.error(error, false)
        this.loop.request()
      },
    )
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    this.loop.stop()
    clearInterval(this.timer)
    this.subscriber.off('message', this.onMessage)
    this.subscriber.off('ready', this.onReady)
    if (this.options.ownSubscriber) this.subscriber.disconnect()
    else await this.subscriber.unsubscribe(...this.channels).catch(() => {})
  }

  private onNotice(channel: string, message: string): void {
    if (this.closed || !this.channels.includes(channel)) return
    const key = channel === this.options.channel ? parseNotice(message) : undefined
    // Only a hint: skip it when we already read that version or a newer one.
    if (key && this.lastRead && compareKeys(key, this.lastRead) <= 0) return
    this.loop.request()
  }

  private async pass(): Promise<void> {
    const [epoch, version, mtime, value] = await this.redis.hmgetBuffer(this.key, ...FIELDS)
    if (this.closed) return
    const observation = toObservation(epoch, version, mtime, value, this.key)
    if (observation.kind === 'value' && (!this.lastRead || compareKeys(observation.key, this.lastRead) > 0)) this.lastRead = observation.key
    this.sink!.observe(observation)
  }

  private onReadError(error: unknown, attempt: number): boolean {
    // Connection trouble is ioredis' to fix (it reconnects): say so once, keep trying.
    if (attempt === 0) this.sink!.error(error, false)
    return !this.closed
  }
}

export function toObservation(epoch: Buffer | null, version: Buffer | null, mtime: Buffer | null, value: Buffer | null, key: string): Observation {
  if (epoch === null) return { kind: 'absent' }
  if (version === null || value === null || !/^\d+$/.test(epoch.toString()) || !/^\d+$/.test(version.toString())) {
    throw new Error(`${key}: not a config hash written by publishConfig (fields ${FIELDS.join(', ')})`)
  }
  const epochId = BigInt(epoch.toString())
  const versionNumber = Number(version.toString())
  return {
    kind: 'value',
    raw: value,
    key: [epochId, BigInt(versionNumber)],
    version: { version: versionNumber, czxid: epochId, mzxid: mtime === null ? 0n : BigInt(mtime.toString()) },
  }
}
