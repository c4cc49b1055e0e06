// Apache ZooKeeper's snapshot file (FileSnap, format version 2), read into and written from a
// DataTree. Layout (jute, big-endian):
//   FileHeader { int magic "ZKSN", int version 2, long dbId }
//   int sessionCount { long id, int timeoutMs }
//   ReferenceCountedACLCache: int count { long ref, vector<ACL> }
//   { ustring path, DataNode { buffer data, long aclRef, StatPersisted } } until the path "/"
//     (the root's path is ""; a parent comes before its children)
//   long Adler-32 of every byte before it, ustring "/"
//   (3.6+) ZxidDigest { long zxid, int digestVersion, long digest (a hex ustring if version < 2) },
//     long Adler-32 of every byte before it, ustring "/"
// A snapshot is fuzzy: taken while txns were being applied, it may hold changes of txns after the
// zxid in its file name; replaying the log from that zxid on makes it exact (see restore.ts).
import { ACL, JuteReader, JuteWriter, ProtocolError, StatPersisted } from '@zoo/protocol'
import type { ACL as AclRecord } from '@zoo/protocol'
import { OPEN_ACL_UNSAFE } from '../acl.js'
import { LIMITS_NODE } from '../quota.js'
import { QUOTA_PATH, ROOT_PATH, nameOf, parentOf } from '../paths.js'
import { SnapshotError } from '../snapshot.js'
import { DataTree } from '../tree.js'
import { adler32 } from './adler32.js'

/** FileSnap.SNAP_MAGIC, "ZKSN". */
export const APACHE_SNAP_MAGIC = 0x5a4b534e
/** FileTxnLog.TXNLOG_MAGIC, "ZKLG". */
export const APACHE_LOG_MAGIC = 0x5a4b4c47
/** The format version of both files since 3.0. */
export const APACHE_FORMAT_VERSION = 2
/** ReferenceCountedACLCache.OPEN_UNSAFE_ACL_ID: the ref that means world:anyone ALL without an entry. */
const OPEN_UNSAFE_ACL_REF = -1n
const SEAL_PATH = '/'
const ACL_MIN_BYTES = 12
/** ZxidDigest of a server with digests enabled but nothing digested yet. */
const EMPTY_DIGEST_ZXID = 0n

export interface ApacheFileHeader {
  magic: number
  version: number
  dbId: bigint
}

/** The tree digest at a zxid, as the snapshot records it (DataTree.ZxidDigest). */
export interface ZxidDigest {
  zxid: bigint
  digestVersion: number
  digest: bigint
}

export interface ApacheSnapshot {
  header: ApacheFileHeader
  /** The session table: id -> timeout in ms. */
  sessions: Map<bigint, number>
  /** The nodes, with lastProcessedZxid set to the zxid the file is named after. */
  tree: DataTree
  /** The digest the snapshot ends with (3.6+), unless absent or empty. */
  digest: ZxidDigest | undefined
}

export function readFileHeader(r: JuteReader): ApacheFileHeader {
  return { magic: r.int(), version: r.int(), dbId: r.long() }
}

export function writeFileHeader(w: JuteWriter, header: ApacheFileHeader): void {
  w.int(header.magic)
  w.int(header.version)
  w.long(header.dbId)
}

/** Apache's own pre-check (SnapStream.isValidCheckedStream): a complete file ends with the seal's "/". */
export function looksComplete(bytes: Buffer): boolean {
  return bytes.length >= 10 && bytes.readInt32BE(bytes.length - 5) === 1 && bytes[bytes.length - 1] === 0x2f
}

/** Reads the seal (checksum, "/") at the reader's position; the checksum covers bytes[0, position). */
function checkSeal(r: JuteReader, what: string): void {
  const expected = adler32(r.buf.subarray(0, r.offset))
  const stored = r.long()
  const marker = r.ustring()
  if (stored !== BigInt(expected)) throw new SnapshotError('checksum', `${what}: Adler-32 0x${expected.toString(16)}, file says 0x${stored.toString(16)}`)
  if (marker !== SEAL_PATH) throw new SnapshotError('malformed', `${what}: seal marker ${JSON.stringify(marker)} instead of "/"`)
}

/**
 * Loads an Apache snapshot named after `zxid` (every byte, uncompressed). Refuses with a
 * SnapshotError anything Apache would refuse (bad magic, checksum mismatch, a node whose parent
 * or ACL is missing, a truncated file).
 */
export function readApacheSnapshot(bytes: Buffer, zxid: bigint): ApacheSnapshot {
  const r = new JuteReader(bytes, { maxLengthBytes: 0x7fffffff, copyBuffers: false })
  try {
    const header = readFileHeader(r)
    if (header.magic !== APACHE_SNAP_MAGIC) throw new SnapshotError('bad-magic', `magic 0x${(header.magic >>> 0).toString(16)} is not "ZKSN"`)
    if (header.version !== APACHE_FORMAT_VERSION) throw new SnapshotError('malformed', `format version ${header.version}, expected ${APACHE_FORMAT_VERSION}`)
    const sessions = readSessions(r)
    const acls = readAclCache(r)
    const tree = readNodes(r, acls)
    checkSeal(r, 'tree')
    tree.restoreLastZxid(zxid)
    // Before 3.6 (or with digests off) the file ends here.
    const digest = r.atEnd ? undefined : readZxidDigest(r)
    if (!r.atEnd) checkSeal(r, 'digest')
    return { header, sessions, tree, digest: digest !== undefined && digest.zxid > EMPTY_DIGEST_ZXID ? digest : undefined }
  } catch (e) {
    if (e instanceof SnapshotError) throw e
    const reason = e instanceof ProtocolError && e.reason === 'truncated' ? 'truncated' : 'malformed'
    throw new SnapshotError(reason, (e as Error).message, { cause: e })
  }
}

function readCount(r: JuteReader, minBytes: number, what: string): number {
  const count = r.int()
  if (count < 0 || count * minBytes > r.remaining) throw new SnapshotError('malformed', `${what} count ${count}`)
  return count
}

function readSessions(r: JuteReader): Map<bigint, number> {
  const sessions = new Map<bigint, number>()
  for (let n = readCount(r, 12, 'session'); n > 0; n--) {
    const id = r.long()
    sessions.set(id, r.int())
  }
  return sessions
}

function readAclCache(r: JuteReader): Map<bigint, AclRecord[]> {
  const acls = new Map<bigint, AclRecord[]>()
  for (let n = readCount(r, 12, 'ACL cache'); n > 0; n--) {
    const ref = r.long()
    acls.set(ref, r.list(ACL.decode, ACL_MIN_BYTES))
  }
  return acls
}

function readNodes(r: JuteReader, acls: Map<bigint, AclRecord[]>): DataTree {
  const tree = new DataTree('empty')
  let path = r.string()
  if (path !== '') throw new SnapshotError('malformed', `the first node is ${JSON.stringify(path)}, not the root ""`)
  while (path !== SEAL_PATH) {
    const data = r.buffer()
    const ref = r.long()
    const acl = ref === OPEN_UNSAFE_ACL_REF ? OPEN_ACL_UNSAFE : acls.get(ref)
    if (acl === undefined) throw new SnapshotError('malformed', `node ${JSON.stringify(path)} names ACL ${ref}, which the snapshot does not hold`)
    const stat = StatPersisted.decode(r)
    const zooPath = path === '' ? ROOT_PATH : path
    if (zooPath !== ROOT_PATH && (!zooPath.startsWith('/') || zooPath.endsWith('/') || tree.has(zooPath))) {
      throw new SnapshotError('malformed', `bad or repeated node path ${JSON.stringify(path)}`)
    }
    if (zooPath !== ROOT_PATH && !tree.has(parentOf(zooPath))) {
      throw new SnapshotError('malformed', `node ${JSON.stringify(path)} comes before its parent`)
    }
    tree.restoreNode(zooPath, data, acl, stat)
    if (nameOf(zooPath) === LIMITS_NODE && zooPath.startsWith(`${QUOTA_PATH}/`)) tree.quotas.add(parentOf(zooPath).slice(QUOTA_PATH.length))
    path = r.string()
  }
  if (!tree.has(ROOT_PATH)) throw new SnapshotError('malformed', 'no root node')
  // A fuzzy snapshot's usage counts may lag its nodes: Apache recounts them on load.
  tree.recountQuotas()
  return tree
}

function readZxidDigest(r: JuteReader): ZxidDigest {
  const zxid = r.long()
  const digestVersion = r.int()
  if (digestVersion >= 2) return { zxid, digestVersion, digest: r.long() }
  // Older digests were written as hex text.
  const text = r.ustring()
  return { zxid, digestVersion, digest: text === null ? 0n : BigInt.asIntN(64, BigInt(`0x${text}`)) }
}

export interface ApacheSnapshotOptions {
  /** The dbId to write in the header (Apache writes 0 and never reads it back). */
  dbId?: bigint
  /** Sessions to write (id -> timeoutMs); default the tree's session table. */
  sessions?: ReadonlyMap<bigint, number>
}

/**
 * The tree as an Apache snapshot, named after tree.lastProcessedZxid, ending with the tree's
 * digest at that zxid (what Apache 3.6+ checks on load). Returned as chunks: concatenated, they
 * are the file.
 */
export function writeApacheSnapshot(tree: DataTree, options: ApacheSnapshotOptions = {}): Buffer[] {
  const w = new JuteWriter(1 << 20)
  writeFileHeader(w, { magic: APACHE_SNAP_MAGIC, version: APACHE_FORMAT_VERSION, dbId: options.dbId ?? 0n })
  const sessions = options.sessions ?? new Map([...tree.sessions].map(([id, s]) => [id, s.timeoutMs]))
  w.int(sessions.size)
  for (const [id, timeoutMs] of sessions) {
    w.long(id)
    w.int(timeoutMs)
  }
  const { nodes, acls } = tree
  // Refs as Apache's cache numbers them: from 1, in order of first use.
  const refOf = new Map<number, bigint>()
  for (const [, slot] of nodes.entries()) {
    const id = nodes.aclId(slot)
    if (!refOf.has(id)) refOf.set(id, BigInt(refOf.size + 1))
  }
  w.int(refOf.size)
  for (const [id, ref] of refOf) {
    w.long(ref)
    w.vector(acls.get(id), ACL.encode)
  }
  for (const [path, slot] of nodes.entries()) {
    w.ustring(path === ROOT_PATH ? '' : path)
    w.buffer(tree.data(path) ?? null)
    w.long(refOf.get(nodes.aclId(slot)) as bigint)
    StatPersisted.encode(w, nodes.stat(slot))
  }
  w.ustring(SEAL_PATH)
  const body = w.toBuffer()
  const bodySum = adler32(body)
  const digestPart = new JuteWriter(64)
  digestPart.long(BigInt(bodySum))
  digestPart.ustring(SEAL_PATH)
  digestPart.long(tree.lastProcessedZxid)
  digestPart.int(2)
  digestPart.long(tree.digest)
  const middle = digestPart.toBuffer()
  const seal = new JuteWriter(16)
  seal.long(BigInt(adler32(middle, bodySum)))
  seal.ustring(SEAL_PATH)
  return [body, middle, seal.toBuffer()]
}
