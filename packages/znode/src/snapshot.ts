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
import { ACL, JuteReader, JuteWriter, ProtocolError, StatPersisted } from '@zoo/protocol'
import type { ACL as AclRecord } from '@zoo/protocol'
import { DataTree } from './tree.js'

const MAGIC = Buffer.from('ZOOSNAP\u0001', 'latin1')
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

/** Collects written bytes into chunks of about CHUNK_BYTES, so a big tree is not one huge buffer. */
class ChunkedWriter {
  readonly chunks: Buffer[] = []
  w = new JuteWriter(CHUNK_BYTES + 4096)
  crc = 0

  maybeFlush(): void {
    if (this.w.length >= CHUNK_BYTES) this.flush()
  }

  flush(): void {
    if (this.w.length === 0) return
    const chunk = Buffer.from(this.w.toBuffer())
    this.crc = crc32(chunk, this.crc)
    this.chunks.push(chunk)
    this.w = new JuteWriter(CHUNK_BYTES + 4096)
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
  const out = new ChunkedWriter()
  const { nodes, acls } = tree
  out.w.raw(MAGIC)
  out.w.long(tree.lastProcessedZxid)
  out.w.long(tree.digest)
  out.w.int(tree.sessions.size)
  for (const [id, session] of tree.sessions) {
    out.w.long(id)
    out.w.int(session.timeoutMs)
    out.w.buffer(session.passwd)
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
  out.w.int(aclLists.length)
  for (const acl of aclLists) out.w.vector(acl, ACL.encode)
  const quotas = tree.quotas.list()
  out.w.int(quotas.length)
  for (const path of quotas) out.w.ustring(path)
  out.w.int(nodes.size)
  let previous = ''
  for (const [path, slot] of nodes.entries()) {
    const shared = sharedPrefix(previous, path)
    out.w.int(shared)
    out.w.ustring(path.slice(shared))
    const data = nodes.dataString(slot)
    out.w.buffer(data === null ? null : Buffer.from(data, 'latin1'))
    out.w.int(aclIndex.get(nodes.aclId(slot)) as number)
    StatPersisted.encode(out.w, nodes.stat(slot))
    previous = path
    out.maybeFlush()
  }
  out.flush()
  const trailer = Buffer.alloc(CRC_BYTES)
  trailer.writeUInt32BE(out.crc, 0)
  out.chunks.push(trailer)
  return out.chunks
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
    tree.sessions.set(id, { timeoutMs, passwd: Buffer.from(r.buffer() ?? Buffer.alloc(0)) })
  }
  const acls: AclRecord[][] = []
  for (let n = readCount(r, 4, 'ACL'); n > 0; n--) acls.push(r.list(ACL.decode, ACL_MIN_BYTES))
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
    if (i === 0 ? path !== '/' : !path.startsWith('/') || tree.has(path)) throw new SnapshotError('malformed', `node ${i} has path ${JSON.stringify(path)}`)
    const data = r.buffer()
    const acl = acls[r.int()]
    if (acl === undefined) throw new SnapshotError('malformed', `node ${path} names an ACL the snapshot does not have`)
    tree.restoreNode(path, data === null ? null : data.toString('latin1'), acl, StatPersisted.decode(r))
    previous = path
  }
  if (count === 0) throw new SnapshotError('malformed', 'no root node')
}
