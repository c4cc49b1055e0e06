import * as z from 'zod'
import { validatePath, type ZooKeeperClient } from '@zoo/client'
import { ConfigCell } from '../cell.js'
import { ConfigUnavailableError, type InvalidConfigError } from '../errors.js'
import type { ConfigVersion } from '../version.js'
import { assertSchema, commonOptionsSchema, decoderFor, parseOptions } from '../options.js'
import type { Parser } from '../parser.js'
import { startWatcher, type ConfigWatcher } from '../watcher.js'
import { ZooKeeperSource, type WatchMode } from './source.js'

export interface WatchConfigOptions<Input> {
  /** the value until the node holds a valid one (checked against the schema at once) */
  default?: Input
  /** bytes <-> value; JSON by default */
  parser?: Parser
  /** read the node's children as the config's keys (each child's data parsed on its own) */
  subtree?: boolean
  /** 'auto' (default): a persistent watch, or one-shot watches on a server without addWatch */
  watchMode?: WatchMode
  /** without a default: how long to wait for a first valid value (default 10 s) */
  initialTimeoutMs?: number
  /** aborts waiting for the first value */
  signal?: AbortSignal
}

const zkOptionsSchema = commonOptionsSchema.extend({
  default: z.unknown().optional(),
  subtree: z.boolean().default(false),
  watchMode: z.enum(['auto', 'persistent', 'oneShot']).default('auto'),
})

/**
 * Watches the config at `path`: resolves with a watcher whose `current` is always a value that
 * passed `schema`, updated whenever the node (or, in subtree mode, any child) changes.
 */
export function watchConfig<S extends z.ZodType>(
  zk: ZooKeeperClient,
  path: string,
  schema: S,
  options: WatchConfigOptions<z.input<S>> = {},
): Promise<ConfigWatcher<z.output<S>>> {
  validatePath(path)
  assertSchema(schema)
  const resolved = parseOptions(zkOptionsSchema, options, 'watchConfig options')
  const cell = new ConfigCell<z.output<S>>({
    path,
    schema: schema as z.ZodType<z.output<S>>,
    decode: decoderFor(resolved.parser, resolved.subtree),
    initial: 'default' in options && options.default !== undefined ? { value: options.default } : undefined,
  })
  const source = new ZooKeeperSource(zk, path, { subtree: resolved.subtree, watchMode: resolved.watchMode })
  return startWatcher(path, cell, source, resolved)
}

export interface ReadConfigOptions {
  parser?: Parser
  subtree?: boolean
}

const readOptionsSchema = commonOptionsSchema.pick({ parser: true }).extend({ subtree: z.boolean().default(false) })
/** Reads that found the node changing under them, before giving up. */
const MAX_READ_ATTEMPTS = 5

/**
 * Reads the config once, without watching: the value and its version, or throws
 * ConfigUnavailableError (no such node) or InvalidConfigError (what is stored is not valid).
 */
export async function readConfig<S extends z.ZodType>(zk: ZooKeeperClient, path: string, schema: S, options: ReadConfigOptions = {}): Promise<{ value: z.output<S>; version: ConfigVersion }> {
  validatePath(path)
  assertSchema(schema)
  const resolved = parseOptions(readOptionsSchema, options, 'readConfig options')
  const cell = new ConfigCell<z.output<S>>({ path, schema: schema as z.ZodType<z.output<S>>, decode: decoderFor(resolved.parser, resolved.subtree) })
  const source = new ZooKeeperSource(zk, path, { subtree: resolved.subtree, watchMode: 'persistent' })
  for (let attempt = 1; attempt <= MAX_READ_ATTEMPTS; attempt++) {
    const observation = await source.read()
    if (observation === undefined) continue
    if (observation.kind === 'absent') throw new ConfigUnavailableError(path, 'the node does not exist')
    const checked = cell.check(observation.raw)
    if (!checked.ok) throw checked.error satisfies InvalidConfigError
    return { value: checked.value, version: observation.version }
  }
  throw new ConfigUnavailableError(path, `the node kept changing during ${MAX_READ_ATTEMPTS} reads`)
}
