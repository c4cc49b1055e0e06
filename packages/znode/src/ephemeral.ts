// What a node's persisted ephemeralOwner means (Apache's EphemeralType, with extended types on):
// 0 is a plain persistent node, Long.MIN_VALUE a container, a 0xFF high byte a TTL node carrying
// its TTL in the low 40 bits, anything else the session that owns an ephemeral node.

export type NodeKind = 'persistent' | 'ephemeral' | 'container' | 'ttl'

export const CONTAINER_OWNER = -0x8000000000000000n
const EXTENDED_MASK = -0x100000000000000n // 0xff00000000000000 as a signed long
const RESERVED_BITS_MASK = 0x00ffff0000000000n
const TTL_VALUE_MASK = 0x000000ffffffffffn
/** The largest TTL Apache accepts, in ms (about 34 years). */
export const MAX_TTL_MS = TTL_VALUE_MASK

export function kindOfOwner(owner: bigint): NodeKind {
  if (owner === 0n) return 'persistent'
  if (owner === CONTAINER_OWNER) return 'container'
  if ((owner & EXTENDED_MASK) === EXTENDED_MASK) {
    // Apache throws on other extended feature bits; a session id with a 0xFF high byte is a server
    // id of 255, which Apache forbids when extended types are on. Neither can reach a valid tree.
    if ((owner & RESERVED_BITS_MASK) !== 0n) throw new RangeError(`invalid ephemeralOwner 0x${BigInt.asUintN(64, owner).toString(16)}`)
    return 'ttl'
  }
  return 'ephemeral'
}

export function isValidTtl(ttlMs: bigint): boolean {
  return ttlMs > 0n && ttlMs <= MAX_TTL_MS
}

/** The persisted owner of a TTL node (EphemeralType.TTL.toEphemeralOwner). */
export function ttlOwner(ttlMs: bigint): bigint {
  if (!isValidTtl(ttlMs)) throw new RangeError(`ttl must be in 1..${MAX_TTL_MS}, got ${ttlMs}`)
  return EXTENDED_MASK | ttlMs
}

export function ttlOfOwner(owner: bigint): bigint {
  return owner & TTL_VALUE_MASK
}

/** The ephemeralOwner a client sees in a Stat: 0 for containers and TTL nodes (DataNode.copyStat). */
export function visibleOwner(owner: bigint): bigint {
  return kindOfOwner(owner) === 'ephemeral' ? owner : 0n
}

/** Session ids must not look like a container or TTL owner (Apache: server ids 0..254). */
export function isValidSessionId(sessionId: bigint): boolean {
  return sessionId !== 0n && sessionId !== CONTAINER_OWNER && (sessionId & EXTENDED_MASK) !== EXTENDED_MASK
}
