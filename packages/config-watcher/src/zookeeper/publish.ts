/**
 * Validated writes. Nothing reaches the store unless it passes the schema, after the same
 * serialize + parse round trip a watcher will do. `expectedVersion` makes the write a
 * compare-and-set; without it the write is unconditional (create or overwrite).
 */
import * as z from 'zod'
import { ErrorCode, isKeeperError, validatePath, type Stat, type ZooKeeperClient } from '@zoo/client'
import { validate } from '../cell.js'
import { serializeChecked } from '../check.js'
import { VersionConflictError } from '../errors.js'
import { assertSchema, parseOptions } from '../options.js'
import { jsonParser, type Parser } from '../parser.js'
import type { ConfigVersion } from '../version.js'
import { childPath } from './source.js'

export interface PublishOptions {
  /**
   * Compare-and-set: a version number (as `watcher.version.version`), a whole ConfigVersion
   * (its czxid is checked too, so a node deleted and created again is not mistaken for the
   * one you read), or 'absent' (create only). Omitted: write whatever is there.
   */
  expectedVersion?: number | ConfigVersion | 'absent'
  parser?: Parser
  /** write the value's keys as children of `path` (the layout watchConfig's subtree mode reads) */
  subtree?: boolean
  /** create missing ancestors of `path` (default true) */
  createParents?: boolean
}

const versionSchema = z.object({ version: z.number().int().min(0).max(0x7fffffff), czxid: z.bigint(), mzxid: z.bigint() })
const publishOptionsSchema = z.object({
  expectedVersion: z.union([z.number().int().min(0).max(0x7fffffff), z.literal('absent'), versionSchema]).optional(),
  parser: z.custom<Parser>((p) => typeof (p as Parser | undefined)?.serialize === 'function').default(jsonParser),
  subtree: z.boolean().default(false),
  createParents: z.boolean().default(true),
})
type ResolvedPublish = z.output<typeof publishOptionsSchema>

/** Attempts of an unconditional write that keeps losing races with creates/deletes. */
const MAX_ATTEMPTS = 10

/** Validates `value` against `schema` and writes it; returns the version written. */
export async function publishConfig<S extends z.ZodType>(zk: ZooKeeperClient, path: string, schema: S, value: z.input<S>, options: PublishOptions = {}): Promise<ConfigVersion> {
  validatePath(path)
  assertSchema(schema)
  const resolved = parseOptions(publishOptionsSchema, options, 'publishConfig options')
  if (resolved.subtree) return publishTree(zk, path, schema, value, resolved)
  const bytes = serializeChecked(schema, resolved.parser, path, value)
  const expected = resolved.expectedVersion
  if (expected === undefined) return upsert(zk, path, bytes, resolved.createParents)
  if (expected === 'absent') return createOnly(zk, path, bytes, resolved.createParents)
  return compareAndSet(zk, path, bytes, expected)
}

async function upsert(zk: ZooKeeperClient, path: string, bytes: Uint8Array, createParents: boolean): Promise<ConfigVersion> {
  for (let attempt = 1; ; attempt++) {
    try {
      return toVersion(await zk.setData(path, bytes))
    } catch (error) {
      if (!isKeeperError(error, ErrorCode.NONODE) || attempt >= MAX_ATTEMPTS) throw error
    }
    try {
      return await createOnly(zk, path, bytes, createParents)
    } catch (error) {
      // Created by someone else in between: overwrite it on the next round.
      if (!(error instanceof VersionConflictError) || attempt >= MAX_ATTEMPTS) throw error
    }
  }
}

async function createOnly(zk: ZooKeeperClient, path: string, bytes: Uint8Array, createParents: boolean): Promise<ConfigVersion> {
  const parent = path.slice(0, path.lastIndexOf('/')) || '/'
  if (createParents && parent !== '/') await zk.mkdirp(parent)
  try {
    return toVersion((await zk.createWithStat(path, bytes)).stat)
  } catch (error) {
    if (isKeeperError(error, ErrorCode.NODEEXISTS)) throw new VersionConflictError(path, 'absent', { cause: error })
    throw error
  }
}

async function compareAndSet(zk: ZooKeeperClient, path: string, bytes: Uint8Array, expected: number | ConfigVersion): Promise<ConfigVersion> {
  const version = typeof expected === 'number' ? expected : expected.version
  if (typeof expected !== 'number') {
    // ZooKeeper checks versions only. Checking the incarnation first leaves a window (a delete,
    // create and `version` writes between this read and the setData) that a version-only
    // compare-and-set leaves open always.
    const stat = await zk.exists(path)
    if (stat === null || stat.czxid !== expected.czxid) throw new VersionConflictError(path, expected)
  }
  try {
    return toVersion(await zk.setData(path, bytes, { version }))
  } catch (error) {
    if (isKeeperError(error, ErrorCode.BADVERSION) || isKeeperError(error, ErrorCode.NONODE)) throw new VersionConflictError(path, expected, { cause: error })
    throw error
  }
}

/**
 * Subtree layout: one child per key, written in one multi together with a setData on the
 * parent. The parent's version is the tree's version: every publish bumps it, and the multi
 * is conditional on it, so two publishers never interleave into a mix of both values.
 */
async function publishTree(zk: ZooKeeperClient, path: string, schema: z.ZodType, value: unknown, options: ResolvedPublish): Promise<ConfigVersion> {
  const entries = treeEntries(schema, options.parser, path, value)
  const expected = options.expectedVersion
  for (let attempt = 1; ; attempt++) {
    const current = await readTree(zk, path)
    const conflict = treeConflict(path, expected, current)
    if (conflict) throw conflict
    if (current === undefined && options.createParents) {
      const parent = path.slice(0, path.lastIndexOf('/')) || '/'
      if (parent !== '/') await zk.mkdirp(parent)
    }
    try {
      return await commitTree(zk, path, entries, current)
    } catch (error) {
      const raced = isKeeperError(error, ErrorCode.BADVERSION) || isKeeperError(error, ErrorCode.NODEEXISTS) || isKeeperError(error, ErrorCode.NONODE)
      if (!raced || attempt >= MAX_ATTEMPTS) throw error
      if (expected !== undefined) throw new VersionConflictError(path, expected, { cause: error })
    }
  }
}

function treeEntries(schema: z.ZodType, parser: Parser, path: string, value: unknown): Map<string, Uint8Array> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new TypeError(`${path}: subtree mode publishes an object (one child per key)`)
  const entries = new Map<string, Uint8Array>()
  for (const [key, item] of Object.entries(value)) {
    if (key === '' || key.includes('/') || key === '.' || key === '..' || key === 'zookeeper') throw new TypeError(`${path}: key ${JSON.stringify(key)} cannot be a znode name`)
    if (item !== undefined) entries.set(key, parser.serialize(item))
  }
  // The watcher sees the assembled object of parsed children: check exactly that.
  const assembled = Object.fromEntries([...entries].map(([k, bytes]) => [k, parser.parse(bytes)]))
  const checked = validate(schema, path, assembled)
  if (!checked.ok) throw checked.error
  return entries
}

interface TreeState {
  stat: Stat
  children: Map<string, Buffer>
}

async function readTree(zk: ZooKeeperClient, path: string): Promise<TreeState | undefined> {
  try {
    const { children, stat } = await zk.getChildren(path)
    const data = await Promise.all(children.map((name) => zk.getData(childPath(path, name)).then((r) => r.data, () => undefined)))
    return { stat, children: new Map(children.map((name, i) => [name, data[i] ?? Buffer.alloc(0)])) }
  } catch (error) {
    if (isKeeperError(error, ErrorCode.NONODE)) return undefined
    throw error
  }
}

function treeConflict(path: string, expected: ResolvedPublish['expectedVersion'], current: TreeState | undefined): VersionConflictError | undefined {
  if (expected === undefined) return undefined
  if (expected === 'absent') return current === undefined ? undefined : new VersionConflictError(path, expected)
  if (current === undefined) return new VersionConflictError(path, expected)
  const version = typeof expected === 'number' ? expected : expected.version
  const sameNode = typeof expected === 'number' || expected.czxid === current.stat.czxid
  return sameNode && current.stat.version === version ? undefined : new VersionConflictError(path, expected)
}

async function commitTree(zk: ZooKeeperClient, path: string, entries: Map<string, Uint8Array>, current: TreeState | undefined): Promise<ConfigVersion> {
  const tx = zk.transaction()
  if (current === undefined) tx.create(path, null)
  for (const [name, bytes] of entries) {
    const existing = current?.children.get(name)
    if (existing === undefined) tx.create(childPath(path, name), bytes)
    else if (Buffer.compare(existing, bytes) !== 0) tx.setData(childPath(path, name), bytes)
  }
  for (const name of current?.children.keys() ?? []) if (!entries.has(name)) tx.delete(childPath(path, name))
  tx.setData(path, null, current === undefined ? 0 : current.stat.version)
  const results = await tx.commit()
  const last = results.at(-1)
  if (last?.type !== 'setData') throw new Error('assertion failed: a tree publish ends with the parent setData')
  return toVersion(last.stat)
}

function toVersion(stat: Stat): ConfigVersion {
  return { version: stat.version, czxid: stat.czxid, mzxid: stat.mzxid }
}
