/**
 * `@zoo/config-watcher/redis`: the same watcher and publisher over a Redis hash plus pub/sub.
 *
 * What it gives up against ZooKeeper: Redis replication is asynchronous, so after a failover a
 * replica may have lost the newest publishes; a watcher that already saw them keeps them
 * (it never goes backwards) and waits until a publish is newer than what it holds. Ordering
 * relies on Redis TIME for a key's incarnation (delete + publish again); the version within an
 * incarnation is exact.
 */
import * as z from 'zod'
import type { Redis } from 'ioredis'
import { ConfigCell } from '../cell.js'
import { serializeChecked } from '../check.js'
import { VersionConflictError } from '../errors.js'
import { assertSchema, commonOptionsSchema, decoderFor, parseOptions } from '../options.js'
import { jsonParser, type Parser } from '../parser.js'
import type { ConfigVersion } from '../version.js'
import { startWatcher, type ConfigWatcher } from '../watcher.js'
import { defaultChannel, PUBLISH } from './layout.js'
import { RedisSource, toObservation } from './source.js'
import { ConfigUnavailableError } from '../errors.js'
import { FIELDS } from './layout.js'

export { defaultChannel } from './layout.js'

export interface RedisWatchOptions<Input> {
  default?: Input
  parser?: Parser
  /** a connection for SUBSCRIBE (default: `redis.duplicate()`, closed with the watcher) */
  subscriber?: Redis
  /** notification channel (default `<key>:changes`); publishers must use the same */
  channel?: string
  /** safety-net re-read period (default 5 s) */
  resyncIntervalMs?: number
  /** also re-read on the key's keyspace notifications (needs notify-keyspace-events with K and h) */
  keyspaceNotifications?: boolean
  initialTimeoutMs?: number
  signal?: AbortSignal
}

export interface RedisPublishOptions {
  /** compare-and-set: a version, a ConfigVersion (its epoch, `czxid`, is checked too), or 'absent' */
  expectedVersion?: number | ConfigVersion | 'absent'
  parser?: Parser
  channel?: string
}

export const DEFAULT_RESYNC_INTERVAL_MS = 5_000

const watchOptionsSchema = commonOptionsSchema.extend({
  default: z.unknown().optional(),
  subscriber: z.custom<Redis>((r) => typeof (r as Redis | undefined)?.subscribe === 'function', { error: 'subscriber must be an ioredis connection' }).optional(),
  channel: z.string().min(1).optional(),
  resyncIntervalMs: z.number().int().min(10).max(2 ** 31 - 1).default(DEFAULT_RESYNC_INTERVAL_MS),
  keyspaceNotifications: z.boolean().default(false),
})

const publishOptionsSchema = z.object({
  expectedVersion: z
    .union([z.number().int().min(0), z.literal('absent'), z.object({ version: z.number().int().min(0), czxid: z.bigint(), mzxid: z.bigint() })])
    .optional(),
  parser: z.custom<Parser>((p) => typeof (p as Parser | undefined)?.serialize === 'function').default(jsonParser),
  channel: z.string().min(1).optional(),
})

/** Watches the config under `key`: the same ConfigWatcher as the ZooKeeper backend. */
export function watchConfig<S extends z.ZodType>(redis: Redis, key: string, schema: S, options: RedisWatchOptions<z.input<S>> = {}): Promise<ConfigWatcher<z.output<S>>> {
  assertSchema(schema)
  if (typeof key !== 'string' || key === '') throw new TypeError('key must be a non-empty string')
  const resolved = parseOptions(watchOptionsSchema, options, 'watchConfig options')
  const cell = new ConfigCell<z.output<S>>({
    path: key,
    schema: schema as z.ZodType<z.output<S>>,
    decode: decoderFor(resolved.parser, false),
    initial: options.default !== undefined ? { value: options.default } : undefined,
  })
  const subscriber = resolved.subscriber ?? redis.duplicate()
  const source = new RedisSource(redis, subscriber, key, {
    channel: resolved.channel ?? defaultChannel(key),
    resyncIntervalMs: resolved.resyncIntervalMs,
    keyspaceNotifications: resolved.keyspaceNotifications,
    ownSubscriber: resolved.subscriber === undefined,
  })
  return startWatcher(key, cell, source, resolved)
}

/** Validates `value` and publishes it atomically (one Lua script: check, write, notify). */
export async function publishConfig<S extends z.ZodType>(redis: Redis, key: string, schema: S, value: z.input<S>, options: RedisPublishOptions = {}): Promise<ConfigVersion> {
  assertSchema(schema)
  const resolved = parseOptions(publishOptionsSchema, options, 'publishConfig options')
  const bytes = serializeChecked(schema, resolved.parser, key, value)
  const expected = resolved.expectedVersion
  const mode = expected === undefined ? 'any' : expected === 'absent' ? 'absent' : 'version'
  const version = typeof expected === 'number' ? String(expected) : typeof expected === 'object' ? String(expected.version) : ''
  const epoch = typeof expected === 'object' ? expected.czxid.toString() : ''
  const reply = (await PUBLISH.run(redis, [key], [Buffer.from(bytes), mode, version, epoch, resolved.channel ?? defaultChannel(key)])) as string[]
  if (reply[0] === 'conflict') throw new VersionConflictError(key, expected!)
  if (reply[0] !== 'ok' || reply.length !== 4) throw new Error(`unexpected reply from the publish script: ${JSON.stringify(reply)}`)
  return { czxid: BigInt(reply[1]!), version: Number(reply[2]), mzxid: BigInt(reply[3]!) }
}

/** Reads the config once: its value and version, or ConfigUnavailableError / InvalidConfigError. */
export async function readConfig<S extends z.ZodType>(redis: Redis, key: string, schema: S, options: { parser?: Parser } = {}): Promise<{ value: z.output<S>; version: ConfigVersion }> {
  assertSchema(schema)
  const parser = options.parser ?? jsonParser
  const [epoch, version, mtime, value] = await redis.hmgetBuffer(key, ...FIELDS)
  const observation = toObservation(epoch ?? null, version ?? null, mtime ?? null, value ?? null, key)
  if (observation.kind === 'absent') throw new ConfigUnavailableError(key, 'the key does not exist')
  const cell = new ConfigCell<z.output<S>>({ path: key, schema: schema as z.ZodType<z.output<S>>, decode: decoderFor(parser, false) })
  const checked = cell.check(observation.raw)
  if (!checked.ok) throw checked.error
  return { value: checked.value, version: observation.version }
}

export { ConfigWatcher } from '../watcher.js'
export type { ConfigVersion } from '../version.js'
