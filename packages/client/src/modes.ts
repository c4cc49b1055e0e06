/** Create modes by name, and the request fields a create needs (shared by create and multi). */
import { CreateMode, OpCode, type ACL } from '@zoo/protocol'
import { OPEN_ACL_UNSAFE } from './acl.js'
import type { CallOptions } from './core.js'
import { validatePath } from './paths.js'

export type CreateModeName =
  | 'persistent'
  | 'ephemeral'
  | 'persistent-sequential'
  | 'ephemeral-sequential'
  | 'container'
  | 'persistent-ttl'
  | 'persistent-sequential-ttl'

const FLAGS: Record<CreateModeName, number> = {
  persistent: CreateMode.PERSISTENT,
  ephemeral: CreateMode.EPHEMERAL,
  'persistent-sequential': CreateMode.PERSISTENT_SEQUENTIAL,
  'ephemeral-sequential': CreateMode.EPHEMERAL_SEQUENTIAL,
  container: CreateMode.CONTAINER,
  'persistent-ttl': CreateMode.PERSISTENT_WITH_TTL,
  'persistent-sequential-ttl': CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL,
}

/** Apache keeps a TTL in the low 40 bits of ephemeralOwner. */
export const MAX_TTL_MS = 2 ** 40 - 1

/** Node data as a caller may give it; strings are UTF-8. null/undefined send jute null. */
export type NodeData = Uint8Array | string | null | undefined

export function toBytes(data: Uint8Array | string): Buffer {
  if (typeof data === 'string') return Buffer.from(data, 'utf8')
  return Buffer.isBuffer(data) ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength)
}

export function toData(data: NodeData): Buffer | null {
  return data === undefined || data === null ? null : toBytes(data)
}

export interface CreateOptions extends CallOptions {
  mode?: CreateModeName
  acl?: readonly ACL[]
  /** for the -ttl modes: the node is deleted once it is this old and has no children */
  ttlMs?: number
}

export type CreateFields =
  | { type: typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer; data: Buffer | null; acl: ACL[]; flags: number }
  | { type: typeof OpCode.createTTL; data: Buffer | null; acl: ACL[]; flags: number; ttl: bigint }

/**
 * Validates a create and picks its opcode: createContainer and createTTL for those modes,
 * create2 when the caller wants the Stat, plain create otherwise (the smallest reply).
 */
export function createRequestFields(path: string, data: NodeData, options: { mode?: CreateModeName; acl?: readonly ACL[]; ttlMs?: number }, withStat = false): CreateFields {
  const mode = options.mode ?? 'persistent'
  const flags = FLAGS[mode]
  if (flags === undefined) throw new TypeError(`unknown create mode ${JSON.stringify(mode)}; one of ${Object.keys(FLAGS).join(', ')}`)
  validatePath(path, { sequential: mode.includes('sequential') })
  const acl = [...(options.acl ?? OPEN_ACL_UNSAFE)]
  const bytes = toData(data)
  const ttl = mode.endsWith('-ttl')
  if (ttl) {
    const ttlMs = options.ttlMs
    if (ttlMs === undefined || !Number.isInteger(ttlMs) || ttlMs < 1 || ttlMs > MAX_TTL_MS) throw new RangeError(`mode ${mode} needs ttlMs, an integer from 1 to ${MAX_TTL_MS}`)
    return { type: OpCode.createTTL, data: bytes, acl, flags, ttl: BigInt(ttlMs) }
  }
  if (options.ttlMs !== undefined) throw new TypeError(`ttlMs is only for the -ttl modes, not ${mode}`)
  const type = mode === 'container' ? OpCode.createContainer : withStat ? OpCode.create2 : OpCode.create
  return { type, data: bytes, acl, flags }
}
