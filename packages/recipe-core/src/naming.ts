/**
 * Contender node names. Three schemes share one shape: a protected id (so a client can find its
 * own node after a connection loss during create), a kind token (which role the node plays:
 * lock, read, write, lease, latch ...), and the 10-digit sequence suffix the server appends.
 *
 *   kazoo:   <32 hex><token><seq>          e.g. 0000018f2a6b0001a3f9c0de12345678__lock__0000000007
 *   curator: _c_<uuid>-<token><seq>        e.g. _c_8d3e...-lock-0000000007
 *   zoo:     z_<32 hex>-<token>-<seq>      e.g. z_0000018f2a6b0001a3f9c0de12345678-lock-0000000007
 *
 * kazoo and Curator sort by the sequence only (kazoo: the digits after its tokens; Curator: the
 * text after the last occurrence of the lock name), so a node we create with their scheme sorts
 * among theirs exactly as one of their own.
 */
import { randomBytes, randomUUID } from 'node:crypto'

export type NamingStyle = 'zoo' | 'kazoo' | 'curator'

/** What a child name says about its contender. */
export interface ParsedName<K extends string = string> {
  name: string
  kind: K
  /** the server's sequence number, an int32 (it wraps to negative after 2^31 - 1 creates) */
  sequence: number
  /** the unique id written before the kind token, if the node has one */
  protectedId: string | undefined
}

export interface NamingScheme<K extends string = string> {
  readonly style: NamingStyle
  /** kind -> the token written into the name */
  readonly tokens: Readonly<Record<K, string>>
  /** A fresh protected id: unique per join, and carrying the session id where the format allows. */
  newProtectedId(sessionId: bigint): string
  /** The name to create (the server appends the sequence). */
  prefix(kind: K, protectedId: string): string
  /** The contender a child name stands for, or undefined for a name this scheme does not own. */
  parse(name: string): ParsedName<K> | undefined
}

const SEQUENCE = '(-?\\d{10})'
const INT32_MIN = -(2 ** 31)
const INT32_MAX = 2 ** 31 - 1

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
}

function checkTokens(tokens: Record<string, string>): void {
  const values = Object.values(tokens)
  if (values.length === 0) throw new TypeError('a naming scheme needs at least one kind token')
  for (const token of values) {
    if (token.length === 0 || token.includes('/')) throw new TypeError(`bad kind token ${JSON.stringify(token)}`)
  }
  if (new Set(values).size !== values.length) throw new TypeError(`kind tokens must differ: ${values.join(', ')}`)
}

function parseSequence(digits: string): number | undefined {
  const value = Number(digits)
  return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX ? value : undefined
}

/** 16 hex digits of the session id then 16 random hex digits: the shape of kazoo's uuid4().hex. */
function sessionKeyedHex(sessionId: bigint): string {
  return BigInt.asUintN(64, sessionId).toString(16).padStart(16, '0') + randomBytes(8).toString('hex')
}

function byKind<K extends string>(tokens: Record<K, string>): Map<string, K> {
  return new Map(Object.entries<string>(tokens).map(([kind, token]) => [token, kind as K]))
}

/**
 * kazoo's Lock family (`Lock`: `__lock__`, `ReadLock`: `__rlock__`, leader `Election` uses a
 * Lock). The prefix is 32 hex digits like kazoo's `uuid4().hex`; ours start with the session id.
 */
export function kazooNaming<K extends string = 'lock' | 'read'>(tokens?: Record<K, string>): NamingScheme<K> {
  const map = (tokens ?? { lock: '__lock__', read: '__rlock__' }) as Record<K, string>
  checkTokens(map)
  const kinds = byKind(map)
  const pattern = new RegExp(`^(.*?)(${[...kinds.keys()].map(escape).join('|')})${SEQUENCE}$`)
  return {
    style: 'kazoo',
    tokens: map,
    newProtectedId: sessionKeyedHex,
    prefix: (kind, id) => id + map[kind],
    parse(name) {
      const match = pattern.exec(name)
      const sequence = match ? parseSequence(match[3]!) : undefined
      if (!match || sequence === undefined) return undefined
      return { name, kind: kinds.get(match[2]!)!, sequence, protectedId: match[1] === '' ? undefined : match[1] }
    },
  }
}

const CURATOR_PROTECTED = /^_c_([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})-/

/**
 * Apache Curator's names: `InterProcessMutex` `lock-`, `InterProcessReadWriteLock` `__READ__` /
 * `__WRIT__`, `InterProcessSemaphoreV2` leases `lease-`, `LeaderLatch` `latch-`; protected
 * (`withProtection()`) as `_c_<uuid>-`. Curator keys a protected node by its ephemeral owner (the
 * session), which the finder here checks too.
 */
export function curatorNaming<K extends string = 'lock'>(tokens?: Record<K, string>): NamingScheme<K> {
  const map = (tokens ?? { lock: 'lock-' }) as Record<K, string>
  checkTokens(map)
  const kinds = byKind(map)
  const pattern = new RegExp(`(${[...kinds.keys()].map(escape).join('|')})${SEQUENCE}$`)
  return {
    style: 'curator',
    tokens: map,
    newProtectedId: () => randomUUID(),
    prefix: (kind, id) => `_c_${id}-${map[kind]}`,
    parse(name) {
      const match = pattern.exec(name)
      const sequence = match ? parseSequence(match[2]!) : undefined
      if (!match || sequence === undefined) return undefined
      return { name, kind: kinds.get(match[1]!)!, sequence, protectedId: CURATOR_PROTECTED.exec(name)?.[1] }
    },
  }
}

/** zoo's own scheme: the protected id (session id + random) first, then `-<token>-<seq>`. */
export function zooNaming<K extends string = 'lock'>(tokens?: Record<K, string>): NamingScheme<K> {
  const map = (tokens ?? { lock: 'lock' }) as Record<K, string>
  checkTokens(map)
  const kinds = byKind(map)
  const pattern = new RegExp(`^z_([0-9a-f]{32})-(${[...kinds.keys()].map(escape).join('|')})-${SEQUENCE}$`)
  return {
    style: 'zoo',
    tokens: map,
    newProtectedId: sessionKeyedHex,
    prefix: (kind, id) => `z_${id}-${map[kind]}-`,
    parse(name) {
      const match = pattern.exec(name)
      const sequence = match ? parseSequence(match[3]!) : undefined
      if (!match || sequence === undefined) return undefined
      return { name, kind: kinds.get(match[2]!)!, sequence, protectedId: match[1] }
    },
  }
}

/**
 * Orders two sequence numbers of one parent, wrap aware: the server's counter is an int32 that
 * goes from 2147483647 to -2147483648, so "a before b" is the sign of the 32-bit difference
 * (serial-number arithmetic). Valid while the live contenders span fewer than 2^31 creates.
 */
export function compareSequence(a: number, b: number): number {
  return (a - b) | 0
}

/** Parses and orders the children a scheme owns; foreign names are left out. */
export function orderContenders<K extends string>(scheme: NamingScheme<K>, children: readonly string[]): ParsedName<K>[] {
  const parsed: ParsedName<K>[] = []
  for (const child of children) {
    const entry = scheme.parse(child)
    if (entry) parsed.push(entry)
  }
  return parsed.sort((a, b) => compareSequence(a.sequence, b.sequence) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
}
