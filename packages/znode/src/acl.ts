// ACL schemes and checks as Apache ZooKeeper 3.8 (ZooKeeperServer.checkACL, PrepRequestProcessor.fixupACL,
// the digest and ip authentication providers), with the 3.8.4+ rules the errata asks for
// (exists needs READ, watch events only to readers, digests hidden from non-admins).
import { createHash } from 'node:crypto'
import { ErrorCode, KeeperError, Perms } from '@zoo/protocol'
import type { ACL, Id } from '@zoo/protocol'

/** The identities a session has authenticated as (Apache's authInfo): every ACL check reads them. */
export type AuthInfo = readonly Id[]

export const WORLD_ANYONE: Readonly<Id> = Object.freeze({ scheme: 'world', id: 'anyone' })
/** world:anyone with every permission (ZooDefs.Ids.OPEN_ACL_UNSAFE). */
export const OPEN_ACL_UNSAFE: readonly ACL[] = Object.freeze([Object.freeze({ perms: Perms.ALL, id: WORLD_ANYONE })])
/** world:anyone, READ only (ZooDefs.Ids.READ_ACL_UNSAFE): the ACL of /zookeeper/config. */
export const READ_ACL_UNSAFE: readonly ACL[] = Object.freeze([Object.freeze({ perms: Perms.READ, id: WORLD_ANYONE })])
/** Every permission for whoever creates the node (ZooDefs.Ids.CREATOR_ALL_ACL). */
export const CREATOR_ALL_ACL: readonly ACL[] = Object.freeze([Object.freeze({ perms: Perms.ALL, id: Object.freeze({ scheme: 'auth', id: '' }) })])

/** The identity that bypasses every ACL check (added by addAuth with the super user's password). */
export const SUPER_ID: Readonly<Id> = Object.freeze({ scheme: 'super', id: '' })

// ---------------------------------------------------------------- digest scheme

/** `user:BASE64(SHA1("user:password"))`, the id a digest ACL names (DigestAuthenticationProvider.generateDigest). */
export function digestId(userAndPassword: string): string {
  const colon = userAndPassword.indexOf(':')
  const user = colon === -1 ? userAndPassword : userAndPassword.slice(0, colon)
  const hash = createHash('sha1').update(userAndPassword, 'utf8').digest('base64')
  return `${user}:${hash}`
}

/** Java's `s.split(sep)`: trailing empty strings are dropped. */
function javaSplit(s: string, sep: string): string[] {
  const parts = s.split(sep)
  while (parts.length > 0 && parts[parts.length - 1] === '') parts.pop()
  return parts
}

function isValidDigestId(id: string): boolean {
  return javaSplit(id, ':').length === 2
}

// ---------------------------------------------------------------- ip scheme (IPv4 only, as 3.8)

const JAVA_INT = /^[+-]?\d+$/

/** Integer.parseInt for ASCII digits, or undefined where Java throws NumberFormatException. */
function parseJavaInt(s: string): number | undefined {
  if (!JAVA_INT.test(s)) return undefined
  const n = Number(s)
  return n >= -0x80000000 && n <= 0x7fffffff ? n : undefined
}

function ipv4Bytes(addr: string): number[] | undefined {
  const parts = addr.split('.')
  if (parts.length !== 4) return undefined
  const bytes: number[] = []
  for (const part of parts) {
    const v = parseJavaInt(part)
    if (v === undefined || v < 0 || v > 255) return undefined
    bytes.push(v)
  }
  return bytes
}

/** An ip ACL expression `a.b.c.d` or `a.b.c.d/bits`, parsed; undefined when Apache calls it invalid. */
function parseIpExpr(expr: string): { bytes: number[]; bits: number } | undefined {
  const slash = expr.indexOf('/')
  const bytes = ipv4Bytes(slash === -1 ? expr : expr.slice(0, slash))
  if (bytes === undefined) return undefined
  if (slash === -1) return { bytes, bits: 32 }
  const bits = parseJavaInt(expr.slice(slash + 1))
  if (bits === undefined || bits < 0 || bits > 32) return undefined
  return { bytes, bits }
}

function maskBytes(bytes: number[], bits: number): number[] {
  return bytes.map((b, i) => {
    const keep = Math.min(8, Math.max(0, bits - i * 8))
    return b & ((0xff << (8 - keep)) & 0xff)
  })
}

/** Whether the address `id` lies in the ip ACL expression `expr` (IPAuthenticationProvider.matches). */
export function ipMatches(id: string, expr: string): boolean {
  const acl = parseIpExpr(expr)
  const remote = ipv4Bytes(id)
  if (acl === undefined || remote === undefined) return false
  const a = maskBytes(acl.bytes, acl.bits)
  const r = maskBytes(remote, acl.bits)
  return a.every((b, i) => b === r[i])
}

// ---------------------------------------------------------------- providers

interface SchemeProvider {
  /** Whether an ACL may name this id. */
  isValid(id: string): boolean
  /** Whether a session's id `authId` satisfies the ACL id `aclId`. */
  matches(authId: string, aclId: string): boolean
  /** Whether the `auth` pseudo-scheme expands to ids of this scheme (ip: no). */
  isAuthenticated: boolean
}

// ---------------------------------------------------------------- x509 scheme

const DN_TYPE = String.raw`(?:[A-Za-z][A-Za-z0-9-]*|\d+(?:\.\d+)+)`
// Values may hold spaces, so no \s* around them: each input splits one way only (no backtracking blow-up).
const DN_VALUE = String.raw`(?:"(?:[^"\\]|\\.)*" *|(?:[^,;+"\\<>]|\\[0-9A-Fa-f]{2}|\\[^0-9A-Fa-f])*)`
const DN_AVA = String.raw`\s*${DN_TYPE}\s*=${DN_VALUE}`
const MAX_X509_ID_CHARS = 64 * 1024
const DN = new RegExp(String.raw`^(?:${DN_AVA}(?:\+${DN_AVA})*(?:[,;]${DN_AVA}(?:\+${DN_AVA})*)*)?$`)

/**
 * Whether an x509 ACL id reads as a distinguished name (Apache: `new X500Principal(id)` does not
 * throw; RFC 1779/2253 syntax, the empty name included). Matching is exact string equality with
 * the subject as the server prints it (RFC 2253), as Apache's X509AuthenticationProvider.
 */
export function isValidX509Id(id: string): boolean {
  return id.length <= MAX_X509_ID_CHARS && DN.test(id)
}

const providers: ReadonlyMap<string, SchemeProvider> = new Map([
  ['digest', { isValid: isValidDigestId, matches: (a: string, b: string) => a === b, isAuthenticated: true }],
  ['ip', { isValid: (id: string) => parseIpExpr(id) !== undefined, matches: ipMatches, isAuthenticated: false }],
  ['x509', { isValid: isValidX509Id, matches: (a: string, b: string) => a === b, isAuthenticated: true }],
])

/** The schemes addAuth accepts (the rest get AUTHFAILED). */
export function isKnownAuthScheme(scheme: string): boolean {
  return providers.has(scheme)
}

// ---------------------------------------------------------------- checks

/** Whether `authInfo` grants `perm` (any bit of it) on a node with `acl` (ZooKeeperServer.checkACL). */
export function hasPermission(acl: readonly ACL[], perm: number, authInfo: AuthInfo): boolean {
  if (acl.length === 0) return true
  for (const id of authInfo) if (id.scheme === SUPER_ID.scheme) return true
  for (const entry of acl) {
    if ((entry.perms & perm) === 0) continue
    const { scheme, id } = entry.id
    if (scheme === 'world' && id === 'anyone') return true
    const provider = providers.get(scheme)
    if (provider === undefined) continue
    for (const authId of authInfo) {
      if (authId.scheme === scheme && provider.matches(authId.id, id)) return true
    }
  }
  return false
}

/** Throws NOAUTH (with the path) unless `authInfo` grants `perm` on `acl`. */
export function requirePermission(acl: readonly ACL[], perm: number, authInfo: AuthInfo, path: string): void {
  if (!hasPermission(acl, perm, authInfo)) throw new KeeperError(ErrorCode.NOAUTH, path)
}

function sameACL(a: ACL, b: ACL): boolean {
  return a.perms === b.perms && a.id.scheme === b.id.scheme && a.id.id === b.id.id
}

export interface AclSchemes {
  /**
   * Whether the x509 scheme exists: Apache registers its provider only on a server with TLS
   * (secureClientPort or sslQuorum); elsewhere an x509 ACL is INVALIDACL. Default off.
   */
  x509?: boolean
}

/**
 * The ACL a create or setACL stores (PrepRequestProcessor.fixupACL): duplicates dropped, `auth`
 * entries expanded to the session's authenticated ids, every id checked. INVALIDACL otherwise.
 */
export function fixupACL(path: string, authInfo: AuthInfo, acl: readonly ACL[], schemes: AclSchemes = {}): ACL[] {
  const provider = (scheme: string) => (scheme === 'x509' && schemes.x509 !== true ? undefined : providers.get(scheme))
  const unique: ACL[] = []
  for (const entry of acl) if (!unique.some((u) => sameACL(u, entry))) unique.push(entry)
  if (unique.length === 0) throw new KeeperError(ErrorCode.INVALIDACL, path)
  const fixed: ACL[] = []
  for (const entry of unique) {
    const { scheme, id } = entry.id
    if (scheme === 'world' && id === 'anyone') {
      fixed.push(entry)
    } else if (scheme === 'auth') {
      const expanded = authInfo.filter((authId) => provider(authId.scheme)?.isAuthenticated === true)
      if (expanded.length === 0) throw new KeeperError(ErrorCode.INVALIDACL, path)
      for (const authId of expanded) fixed.push({ perms: entry.perms, id: { scheme: authId.scheme, id: authId.id } })
    } else {
      if (provider(scheme)?.isValid(id) !== true) throw new KeeperError(ErrorCode.INVALIDACL, path)
      fixed.push(entry)
    }
  }
  return fixed
}

/** What getACL shows a caller without ADMIN: digest ids as `user:x` (ZOOKEEPER-1392). */
export function redactDigests(acl: readonly ACL[]): ACL[] {
  return acl.map((entry) => {
    if (entry.id.scheme !== 'digest') return entry
    const colon = entry.id.id.indexOf(':')
    const user = colon === -1 ? entry.id.id : entry.id.id.slice(0, colon)
    return { perms: entry.perms, id: { scheme: 'digest', id: colon === -1 ? user : `${user}:x` } }
  })
}

// ---------------------------------------------------------------- addAuth

export interface AuthOptions {
  /** `super:<base64 sha1>` as digestId('super:<password>'): addAuth with that password makes the session super. */
  superDigest?: string
  /** The client's address: addAuth "ip" adds it again, as Apache (every session has it already). */
  remoteAddress?: string
  /** The connection's x509 ids (from its TLS client certificate): addAuth "x509" adds them again, or fails without one. */
  certificateIds?: readonly Id[]
}

/**
 * The ids an AuthPacket adds to a session (a digest id, plus `super` for the super user's password;
 * for "ip" the connection's address), or undefined for what Apache answers with AUTHFAILED.
 */
export function authenticate(scheme: string, auth: Uint8Array | null, options: AuthOptions = {}): Id[] | undefined {
  if (scheme === 'ip') return options.remoteAddress === undefined ? undefined : [{ scheme: 'ip', id: options.remoteAddress }]
  if (scheme === 'x509') {
    const ids = (options.certificateIds ?? []).filter((id) => id.scheme === 'x509')
    return ids.length === 0 ? undefined : ids.map((id) => ({ ...id }))
  }
  if (scheme !== 'digest') return undefined
  const userAndPassword = Buffer.from(auth ?? new Uint8Array(0)).toString('utf8')
  const id = digestId(userAndPassword)
  const ids: Id[] = []
  if (options.superDigest !== undefined && id === options.superDigest) ids.push({ ...SUPER_ID })
  ids.push({ scheme: 'digest', id })
  return ids
}

/** Canonical text of an ACL list: equal lists give equal keys (for interning). */
export function aclKey(acl: readonly ACL[]): string {
  let key = ''
  for (const entry of acl) key += `${entry.perms}\u0000${entry.id.scheme}\u0000${entry.id.id}\u0001`
  return key
}
