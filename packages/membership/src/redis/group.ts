/**
 * A group on Redis (ioredis): the same API as the ZooKeeper Group, on keys with a TTL renewed by
 * a heartbeat, an index sorted by expiry, and pub/sub notices. Watchers re-read on every notice,
 * after every reconnect of their subscriber, at the next expiry the index predicts, and at least
 * every `pollIntervalMs` (a notice can be lost: pub/sub is fire-and-forget). What this gives up
 * against ZooKeeper is in the README.
 */
import type { Redis } from 'ioredis'
import * as z from 'zod'
import type { Codec } from '../codec.js'
import { parseOptions } from '@zoo/recipe-core'
import { zooLayout, type Layout } from '../layouts.js'
import { firstRegistration, reserveId } from '../membership-base.js'
import { Rereader, backoffMs } from '../reread.js'
import { GroupSnapshot, type InvalidMember, type Member } from '../snapshot.js'
import { UpdateStream, type GroupUpdate } from '../stream.js'
import { assertSchema, checkMember, checkOwnData } from '../validate.js'
import type { IdConflictPolicy } from '../zookeeper/membership.js'
import { RedisMembership } from './membership.js'
import { LIST, parseList, redisKeys, type RedisKeys } from './scripts.js'

const redisGroupOptionsSchema = z
  .strictObject({
    codec: z.union([z.enum(['json', 'text']), z.custom<Codec>((v) => typeof v === 'object' && v !== null && typeof (v as Codec).encode === 'function' && typeof (v as Codec).decode === 'function', 'a codec { encode, decode }')]).default('json'),
    /** a member whose heartbeat stops is dropped after this long */
    ttlMs: z.number().int().min(100).max(2 ** 31 - 1).default(10_000),
    /** renew this often (default ttlMs / 3: two more tries before the key runs out) */
    heartbeatIntervalMs: z.number().int().min(10).optional(),
    /** how much slower our clock may run than Redis' (0.01 = 1 %) */
    clockDriftRatio: z.number().min(0).max(0.5).default(0.01),
    keyPrefix: z.string().min(1).default('zoo:membership'),
    onIdConflict: z.enum(['fail', 'wait', 'replace']).default('fail'),
    /** watchers re-read at least this often, in case a notice was lost */
    pollIntervalMs: z.number().int().min(50).default(5_000),
  })
  .refine((o) => o.heartbeatIntervalMs === undefined || o.heartbeatIntervalMs < o.ttlMs / 2, {
    error: 'heartbeatIntervalMs must be under ttlMs / 2, or a member lapses between heartbeats',
  })

export type RedisGroupOptions<S extends z.ZodType> = z.input<typeof redisGroupOptionsSchema> & { schema: S }

export interface RedisJoinOptions {
  id?: string
  onIdConflict?: IdConflictPolicy
  signal?: AbortSignal
  timeoutMs?: number
}

export interface RedisWatchOptions {
  signal?: AbortSignal
  /** the connection to SUBSCRIBE on (default: redis.duplicate(), closed with the watch) */
  subscriber?: Redis
}

export interface RedisGroupWatch<T> extends AsyncIterableIterator<GroupUpdate<T>> {
  return(): Promise<IteratorResult<GroupUpdate<T>>>
  readonly rereader: Rereader
}

/** Wait at least this long between timer-driven re-reads, and this long past a predicted expiry. */
const MIN_TIMER_MS = 50
const EXPIRY_MARGIN_MS = 20

export class RedisGroup<S extends z.ZodType> {
  readonly schema: S
  readonly keys: RedisKeys
  private readonly options: z.output<typeof redisGroupOptionsSchema> & { heartbeatIntervalMs: number }
  private readonly layout: Layout

  constructor(
    readonly redis: Redis,
    readonly name: string,
    options: RedisGroupOptions<S>,
  ) {
    if (typeof name !== 'string' || name.length === 0 || /[{}\s]/.test(name)) throw new RangeError('a Redis group needs a name without braces or white space')
    const { schema, ...rest } = options ?? ({} as RedisGroupOptions<S>)
    assertSchema(schema)
    this.schema = schema
    const parsed = parseOptions(redisGroupOptionsSchema, rest, 'RedisGroup options')
    this.options = { ...parsed, heartbeatIntervalMs: parsed.heartbeatIntervalMs ?? Math.floor(parsed.ttlMs / 3) }
    this.layout = zooLayout(parsed.codec)
    this.keys = redisKeys(parsed.keyPrefix, name)
  }

  /** Registers a member; resolves once its key is written. */
  join(data: z.input<S>, options: RedisJoinOptions = {}): Promise<RedisMembership<z.input<S>>> {
    const id = options.id ?? this.layout.newId()
    if (id.length === 0 || id.length > 512 || /\s/.test(id)) return Promise.reject(new RangeError(`member id ${JSON.stringify(id)}: 1 to 512 characters, no white space`))
    try {
      checkOwnData(this.schema, id, data)
    } catch (error) {
      return Promise.reject(error)
    }
    const encode = (value: z.input<S>) => {
      const bytes = this.layout.encode(value, { id, groupName: this.name, joinedAtMs: 0, instance: undefined })
      if (!Buffer.from(bytes.toString('utf8'), 'utf8').equals(bytes)) throw new TypeError('the Redis backend stores member data as UTF-8 text: the codec made other bytes')
      return bytes
    }
    return firstRegistration(options, `joining ${this.name} as ${id}`, () => {
      const release = reserveId(this.redis, `${this.keys.memberPrefix}${id}`, id)
      return new RedisMembership<z.input<S>>({
        redis: this.redis,
        id,
        keys: this.keys,
        data,
        encode,
        check: (value) => checkOwnData(this.schema, id, value),
        ttlMs: this.options.ttlMs,
        heartbeatIntervalMs: this.options.heartbeatIntervalMs,
        clockDriftRatio: this.options.clockDriftRatio,
        onIdConflict: options.onIdConflict ?? this.options.onIdConflict,
        onEnd: release,
      })
    })
  }

  /** The members listed now (expired ones are dropped, and announced, by this read). */
  async members(options: { signal?: AbortSignal } = {}): Promise<GroupSnapshot<z.output<S>>> {
    options.signal?.throwIfAborted()
    return (await this.read()).snapshot
  }

  /** Snapshots as the group changes; the last one is always the truth as of the last read. */
  watch(options: RedisWatchOptions = {}): RedisGroupWatch<z.output<S>> {
    const own = options.subscriber === undefined
    const subscriber = options.subscriber ?? this.redis.duplicate()
    let timer: NodeJS.Timeout | undefined
    const onMessage = (channel: string) => {
      if (channel === this.keys.channel) rereader.requestFull()
    }
    // ioredis subscribes again after a reconnect and then says `ready`: notices may have been missed.
    const onReady = () => rereader.requestFull()
    const stream = new UpdateStream<z.output<S>>(() => {
      rereader.stop()
      clearTimeout(timer)
      subscriber.off('message', onMessage).off('ready', onReady)
      if (own) subscriber.disconnect()
      else void subscriber.unsubscribe(this.keys.channel).catch(() => undefined)
    })
    const rereader = new Rereader(
      async () => {
        const { snapshot, nextCheckMs } = await this.read()
        stream.publish(snapshot)
        clearTimeout(timer)
        timer = setTimeout(() => rereader.requestFull(), nextCheckMs)
      },
      (_, attempt) => (stream.closed ? undefined : backoffMs(attempt)),
    )
    subscriber.on('message', onMessage).on('ready', onReady)
    subscriber.subscribe(this.keys.channel).then(
      () => rereader.requestFull(),
      (error: unknown) => stream.fail(error),
    )
    const signal = options.signal
    if (signal?.aborted) stream.end()
    else signal?.addEventListener('abort', () => stream.end(), { once: true })
    return Object.assign(stream, { rereader })
  }

  private async read(): Promise<{ snapshot: GroupSnapshot<z.output<S>>; nextCheckMs: number }> {
    const { nowMs, entries } = parseList(await LIST.run(this.redis, [this.keys.index, this.keys.channel], [this.keys.memberPrefix]))
    const members: Member<z.output<S>>[] = []
    const invalid: InvalidMember[] = []
    let nextCheckMs = this.options.pollIntervalMs
    for (const entry of entries) {
      const raw = Buffer.from(entry.data, 'utf8')
      const meta = { id: entry.id, path: `${this.keys.memberPrefix}${entry.id}`, registration: entry.token, version: entry.version, registeredAtMs: entry.registeredAtMs, expiresAtMs: entry.expiresAtMs, raw }
      const checked = checkMember(this.schema as z.ZodType<z.output<S>>, meta, () => this.layout.decode(raw, entry.id))
      if (checked.ok) members.push(checked.member)
      else invalid.push(checked.invalid)
      // Look again just after the soonest a member can run out (unless renewed meanwhile).
      nextCheckMs = Math.min(nextCheckMs, entry.expiresAtMs - nowMs + EXPIRY_MARGIN_MS)
    }
    return { snapshot: new GroupSnapshot(members, invalid), nextCheckMs: Math.max(MIN_TIMER_MS, nextCheckMs) }
  }
}
