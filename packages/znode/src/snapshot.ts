// Snapshots: the whole tree and the session table in a compact binary form with a CRC32 trailer.
// Layout (big-endian, jute encodings):
//   "ZOOSNAP" + format byte, long lastZxid, long treeDigest,
//   int sessions  { long id, int timeoutMs, buffer passwd }
//   int acls      { vector<ACL> }            (numbered in order of first use by a node)
//   int quotas    { ustring path }
//   int nodes     { int sharedPrefix, ustring pathSuffix, buffer data, int aclIndex, StatPersisted }
//                 (a parent before its children; the path shares `sharedPrefix` UTF-16 units
//                  with the previous one)
//   uint32 CRC32 of everything before it
// Nodes are written in the tree's own order, so two trees that applied the same txns write the
// same bytes, and a loaded tree writes again exactly what it was loaded from.
import { crc32 } from 'node:zlib'
import { ACL, JuteReader, ProtocolError, StatPersisted, encodeRecord } from '@zoo/protocol'
import type { ACL as AclRecord, Codec } from '@zoo/protocol'
import { DataTree } from './tree.js'

const MAGIC = Buffer.from('ZOOSNAP\u0001', 'latin1')
const STAT_PERSISTED_BYTES = 60

/** The few records the snapshot writes with jute codecs (sessions' passwords, ACL lists). */
const PasswdRecord: Codec<{ passwd: Buffer }> = {
  encode: (w, v) => w.buffer(v.passwd),
  decode: (r) => ({ passwd: r.buffer() ?? Buffer.alloc(0) }),
}
const AclList: Codec<{ acl: readonly AclRecord[] }> = {
  encode: (w, v) => w.vector(v.acl, ACL.encode),
  decode: (r) => ({ acl: r.list(ACL.decode, ACL_MIN_BYTES) }),
}
const CRC_BYTES = 4
const CHUNK_BYTES = 1 << 20
const ACL_MIN_BYTES = 12
const SESSION_MIN_BYTES = 16
const NODE_MIN_BYTES = 4 + 4 + 4 + 4 + 5 * 8 + 3 * 4 + 8

export type SnapshotErrorReason = 'truncated' | 'bad-magic' | 'checksum' | 'malformed' | 'digest'

/** A snapshot that cannot be loaded; nothing of it is used. */
export class SnapshotError extends Error {
  override readonly name = 'SnapshotError'
  readonly reason: SnapshotErrorReason

  constructor(reason: SnapshotErrorReason, message: string, options?: ErrorOptions) {
    super(`snapshot refused (${reason}): ${message}`, options)
    this.reason = reason
  }
}

/**
 * Writes a snapshot into chunks of about CHUNK_BYTES (a big tree is never one huge buffer),
 * keeping the running CRC. Node records are written field by field into the chunk: a million of
 * them should not cost a million small buffers.
 */
class SnapshotWriter {
  readonly chunks: Buffer[] = []
  private buf = Buffer.allocUnsafe(CHUNK_BYTES)
  private offset = 0
  private crc = 0

  private room(bytes: number): void {
    if (this.offset + bytes <= this.buf.length) return
    this.flush()
    if (bytes > this.buf.length) this.buf = Buffer.allocUnsafe(bytes)
  }

  flush(): void {
    if (this.offset === 0) return
    const chunk = this.buf.subarray(0, this.offset)
    this.crc = crc32(chunk, this.crc)
    this.chunks.push(chunk)
    this.buf = Buffer.allocUnsafe(CHUNK_BYTES)
    this.offset = 0
  }

  int(n: number): void {
    this.room(4)
    this.offset = this.buf.writeInt32BE(n, this.offset)
  }

  long(n: bigint): void {
    this.room(8)
    this.offset = this.buf.writeBigInt64BE(n, this.offset)
  }

  raw(bytes: Uint8Array): void {
    this.room(bytes.length)
    this.buf.set(bytes, this.offset)
    this.offset += bytes.length
  }

  /** A jute ustring. */
  ustring(s: string): void {
    const length = Buffer.byteLength(s, 'utf8')
    this.room(4 + length)
    this.offset = this.buf.writeInt32BE(length, this.offset)
    this.offset += this.buf.write(s, this.offset, length, 'utf8')
  }

  /** A jute buffer holding the bytes of a latin1-stored string (the tree's data), or null. */
  latin1Buffer(s: string | null): void {
    if (s === null) return this.int(-1)
    this.room(4 + s.length)
    this.offset = this.buf.writeInt32BE(s.length, this.offset)
    this.offset += this.buf.write(s, this.offset, s.length, 'latin1')
  }

  stat(nodes: DataTree['nodes'], slot: number): void {
    this.room(STAT_PERSISTED_BYTES)
    nodes.writeStatPersisted(slot, this.buf, this.offset)
    this.offset += STAT_PERSISTED_BYTES
  }

  /** Ends the snapshot with its CRC32 and returns the chunks. */
  finish(): Buffer[] {
    this.flush()
    const trailer = Buffer.alloc(CRC_BYTES)
    trailer.writeUInt32BE(this.crc, 0)
    this.chunks.push(trailer)
    return this.chunks
  }
}

function sharedPrefix(a: string, b: string): number {
  const max = Math.min(a.length, b.length)
  let i = 0
  while (i < max && a.charCodeAt(i) === b.charCodeAt(i)) i++
  // Never split a surrogate pair: each side must stay valid UTF-16 to round-trip through UTF-8.
  if (i > 0 && i < b.length && (b.charCodeAt(i - 1) & 0xfc00) === 0xd800) i--
  return i
}

/** The snapshot of `tree` as a list of chunks (concatenated, they are the snapshot). */
export function writeSnapshot(tree: DataTree): Buffer[] {
  const out = new SnapshotWriter()
  const { nodes, acls } = tree
  out.raw(MAGIC)
  out.long(tree.lastProcessedZxid)
  out.long(tree.digest)
  out.int(tree.sessions.size)
  for (const [id, session] of tree.sessions) {
    out.long(id)
    out.int(session.timeoutMs)
    out.raw(encodeRecord(PasswdRecord, { passwd: session.passwd }))
  }
  const aclIndex = new Map<number, number>()
  const aclLists: (readonly AclRecord[])[] = []
  for (const [, slot] of nodes.entries()) {
    const id = nodes.aclId(slot)
    if (!aclIndex.has(id)) {
      aclIndex.set(id, aclLists.length)
      aclLists.push(acls.get(id))
    }
  }
  out.int(aclLists.length)
  for (const acl of aclLists) out.raw(encodeRecord(AclList, { acl }))
  const quotas = tree.quotas.list()
  out.int(quotas.length)
  for (const path of quotas) out.ustring(path)
  out.int(nodes.size)
  let previous = ''
  for (const [path, slot] of nodes.entries()) {
    const shared = sharedPrefix(previous, path)
    out.int(shared)
    out.ustring(path.slice(shared))
    out.latin1Buffer(nodes.dataString(slot))
    out.int(aclIndex.get(nodes.aclId(slot)) as number)
    out.stat(nodes, slot)
    previous = path
  }
  return out.finish()
}

/** The snapshot as one buffer. */
export function snapshotBytes(tree: DataTree): Buffer {
  return Buffer.concat(writeSnapshot(tree))
}

/** A count the remaining bytes can hold, each item taking at least `minBytes`. */
function readCount(r: JuteReader, minBytes: number, what: string): number {
  const count = r.int()
  if (count < 0 || count * minBytes > r.remaining) throw new SnapshotError('malformed', `${what} count ${count}`)
  return count
}

/** Checks the envelope (length, magic, CRC) before reading anything else. */
function checkEnvelope(bytes: Buffer): void {
  if (bytes.length < MAGIC.length + CRC_BYTES) throw new SnapshotError('truncated', `${bytes.length} bytes`)
  if (!bytes.subarray(0, MAGIC.length).equals(MAGIC)) throw new SnapshotError('bad-magic', 'not a zoo snapshot (or another format version)')
  const body = bytes.subarray(0, bytes.length - CRC_BYTES)
  const expected = bytes.readUInt32BE(bytes.length - CRC_BYTES)
  const actual = crc32(body)
  if (actual !== expected) throw new SnapshotError('checksum', `CRC32 0x${actual.toString(16)}, trailer says 0x${expected.toString(16)}`)
}

/**
 * Loads a snapshot into a new tree. Anything wrong (truncated, another format, a CRC mismatch,
 * a structure that does not hold together, a digest that does not match the nodes) is refused
 * with a SnapshotError.
 */
export function readSnapshot(snapshot: Buffer | readonly Buffer[]): DataTree {
  const bytes = Buffer.isBuffer(snapshot) ? snapshot : Buffer.concat(snapshot)
  checkEnvelope(bytes)
  const r = new JuteReader(bytes, { maxLengthBytes: 0x7fffffff, copyBuffers: false }, MAGIC.length, bytes.length - CRC_BYTES)
  try {
    return readBody(r)
  } catch (e) {
    if (e instanceof SnapshotError) throw e
    if (e instanceof ProtocolError) throw new SnapshotError('malformed', e.message, { cause: e })
    if (e instanceof Error) throw new SnapshotError('malformed', e.message, { cause: e })
    throw e
  }
}

function readBody(r: JuteReader): DataTree {
  const tree = new DataTree('empty')
  const lastZxid = r.long()
  const digest = r.long()
  for (let n = readCount(r, SESSION_MIN_BYTES, 'session'); n > 0; n--) {
    const id = r.long()
    const timeoutMs = r.int()
    tree.sessions.set(id, { timeoutMs, passwd: Buffer.from(PasswdRecord.decode(r).passwd) })
  }
  const acls: AclRecord[][] = []
  for (let n = readCount(r, 4, 'ACL'); n > 0; n--) acls.push(AclList.decode(r).acl as AclRecord[])
  for (let n = readCount(r, 4, 'quota'); n > 0; n--) tree.quotas.add(r.string())
  readNodes(r, tree, acls)
  r.done()
  tree.restoreLastZxid(lastZxid)
  if (tree.digest !== digest) throw new SnapshotError('digest', `nodes hash to ${tree.digest}, header says ${digest}`)
  return tree
}

function readNodes(r: JuteReader, tree: DataTree, acls: readonly AclRecord[][]): void {
  let previous = ''
  const count = readCount(r, NODE_MIN_BYTES, 'node')
  for (let i = 0; i < count; i++) {
    const shared = r.int()
    if (shared < 0 || shared > previous.length) throw new SnapshotError('malformed', `node ${i} shares ${shared} chars of a ${previous.length}-char path`)
    const path = previous.slice(0, shared) + r.string()
    // A duplicate path fails in the node table's insert (caught as malformed below).
    if (i === 0 ? path !== '/' : !path.startsWith('/')) throw new SnapshotError('malformed', `node ${i} has path ${JSON.stringify(path)}`)
    const data = r.buffer()
    const acl = acls[r.int()]
    if (acl === undefined) throw new SnapshotError('malformed', `node ${path} names an ACL the snapshot does not have`)
    tree.restoreNode(path, data, acl, StatPersisted.decode(r))
    previous = path
  }
  if (count === 0) throw new SnapshotError('malformed', 'no root node')
}
