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
import { STAT_PERSISTED_BYTES } from './node-table.js'
import type { NodeTable, PreservedNode, PreservedNodes } from './node-table.js'
import { DataTree } from './tree.js'
import type { SessionRecord } from './tree.js'

const MAGIC = Buffer.from('ZOOSNAP\u0001', 'latin1')

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
  private chunks: Buffer[] = []
  private buf: Buffer
  private offset = 0
  private crc = 0

  constructor(private readonly chunkBytes = CHUNK_BYTES) {
    this.buf = Buffer.allocUnsafe(chunkBytes)
  }

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
    this.buf = Buffer.allocUnsafe(this.chunkBytes)
    this.offset = 0
  }

  /** Whether full chunks are waiting to be taken. */
  get hasChunks(): boolean {
    return this.chunks.length > 0
  }

  /** The full chunks written so far (each handed out once). */
  take(): Buffer[] {
    const chunks = this.chunks
    this.chunks = []
    return chunks
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

  stat(nodes: NodeTable, slot: number): void {
    this.room(STAT_PERSISTED_BYTES)
    nodes.writeStatPersisted(slot, this.buf, this.offset)
    this.offset += STAT_PERSISTED_BYTES
  }

  /** Ends the snapshot with its CRC32 and returns the chunks not taken yet. */
  finish(): Buffer[] {
    this.flush()
    const trailer = Buffer.alloc(CRC_BYTES)
    trailer.writeUInt32BE(this.crc, 0)
    this.chunks.push(trailer)
    return this.take()
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

/**
 * What a snapshot reads, fixed when it begins: the small tables copied, the node order as a list
 * of paths, and (for a snapshot written while txns apply) the nodes changed since, as they were.
 */
interface SnapshotView {
  zxid: bigint
  digest: bigint
  sessions: [bigint, SessionRecord][]
  quotas: string[]
  paths: readonly string[]
  aclLists: readonly (readonly AclRecord[] | undefined)[]
  nodes: NodeTable
  preserved: PreservedNodes | undefined
}

function beginView(tree: DataTree, preserved: PreservedNodes | undefined): SnapshotView {
  return {
    zxid: tree.lastProcessedZxid,
    digest: tree.digest,
    sessions: [...tree.sessions],
    quotas: tree.quotas.list(),
    paths: tree.nodes.pathsNow(),
    aclLists: tree.acls.listsNow(),
    nodes: tree.nodes,
    preserved,
  }
}

/** The node's contents at the view's start: kept ones if it changed since, else its live slot. */
function nodeAt(view: SnapshotView, path: string): { saved: PreservedNode; slot: -1 } | { saved: undefined; slot: number } {
  const saved = view.preserved !== undefined && view.preserved.saved.size > 0 ? view.preserved.saved.get(path) : undefined
  if (saved !== undefined) return { saved, slot: -1 }
  const slot = view.nodes.slotOf(path)
  // Every change to a node of the view keeps its old contents first, removal included.
  if (slot === -1) throw new Error(`snapshot at 0x${view.zxid.toString(16)}: ${path} is gone and was not kept`)
  return { saved: undefined, slot }
}

function aclListOf(view: SnapshotView, aclId: number, path: string): readonly AclRecord[] {
  const acl = view.aclLists[aclId]
  if (acl === undefined) throw new Error(`snapshot at 0x${view.zxid.toString(16)}: ${path} has ACL id ${aclId}, unknown when it began`)
  return acl
}

/**
 * The snapshot's chunks. With `pauseEveryNodes` finite, the ACL pass yields an empty chunk every
 * that many nodes (a pause point: the pass writes nothing), and the node pass yields each full
 * chunk as soon as it is written, so no step does more than a bounded slice of work.
 */
function* generateSnapshot(view: SnapshotView, pauseEveryNodes: number, chunkBytes = CHUNK_BYTES): Generator<Buffer, void, undefined> {
  const out = new SnapshotWriter(chunkBytes)
  out.raw(MAGIC)
  out.long(view.zxid)
  out.long(view.digest)
  out.int(view.sessions.length)
  for (const [id, session] of view.sessions) {
    out.long(id)
    out.int(session.timeoutMs)
    out.raw(encodeRecord(PasswdRecord, { passwd: session.passwd }))
  }
  const aclIndex = new Map<number, number>()
  const aclLists: (readonly AclRecord[])[] = []
  const { paths, nodes } = view
  for (let i = 0; i < paths.length; i++) {
    if (i % pauseEveryNodes === pauseEveryNodes - 1) yield PAUSE
    const path = paths[i] as string
    const node = nodeAt(view, path)
    const id = node.saved?.aclId ?? nodes.aclId(node.slot)
    if (!aclIndex.has(id)) {
      aclIndex.set(id, aclLists.length)
      aclLists.push(aclListOf(view, id, path))
    }
  }
  out.int(aclLists.length)
  for (const acl of aclLists) out.raw(encodeRecord(AclList, { acl }))
  out.int(view.quotas.length)
  for (const path of view.quotas) out.ustring(path)
  out.int(paths.length)
  let previous = ''
  for (const path of paths) {
    const node = nodeAt(view, path)
    const shared = sharedPrefix(previous, path)
    out.int(shared)
    out.ustring(path.slice(shared))
    if (node.saved !== undefined) {
      out.latin1Buffer(node.saved.data)
      out.int(aclIndex.get(node.saved.aclId) as number)
      out.raw(node.saved.stat)
    } else {
      out.latin1Buffer(nodes.dataString(node.slot))
      out.int(aclIndex.get(nodes.aclId(node.slot)) as number)
      out.stat(nodes, node.slot)
    }
    previous = path
    if (out.hasChunks) yield* out.take()
  }
  yield* out.finish()
}

const PAUSE = Buffer.alloc(0)

/** The snapshot of `tree` as a list of chunks (concatenated, they are the snapshot). */
export function writeSnapshot(tree: DataTree): Buffer[] {
  return [...generateSnapshot(beginView(tree, undefined), Infinity)]
}

/** The snapshot as one buffer. */
export function snapshotBytes(tree: DataTree): Buffer {
  return Buffer.concat(writeSnapshot(tree))
}

/** Nodes the stream's ACL pass reads between two pause points (a few milliseconds of work). */
const PAUSE_EVERY_NODES = 50_000

export interface SnapshotStreamOptions {
  /** Size of the chunks (default 1 MiB); a chunk ends after the node record that fills it. */
  chunkBytes?: number
  /** Nodes the ACL pass reads between two pause points (default 50,000). */
  pauseEveryNodes?: number
}

/**
 * A snapshot written a slice at a time while the tree keeps applying txns. See snapshotStream.
 */
export interface SnapshotStream extends IterableIterator<Buffer, undefined, undefined> {
  /** The zxid of the last txn the snapshot holds: the tree's when the stream began. */
  readonly zxid: bigint
  /** Ends the stream early: the tree stops keeping old contents for it. Idempotent. */
  close(): void
}

class TreeSnapshotStream implements SnapshotStream {
  readonly zxid: bigint
  private readonly preserved: PreservedNodes
  private readonly chunks: Generator<Buffer, void, undefined>
  private open = true

  constructor(
    private readonly tree: DataTree,
    options: SnapshotStreamOptions,
  ) {
    this.zxid = tree.lastProcessedZxid
    this.preserved = tree.nodes.beginPreserving(this.zxid)
    this.chunks = generateSnapshot(beginView(tree, this.preserved), options.pauseEveryNodes ?? PAUSE_EVERY_NODES, options.chunkBytes ?? CHUNK_BYTES)
  }

  [Symbol.iterator](): this {
    return this
  }

  next(): IteratorResult<Buffer, undefined> {
    if (!this.open) return { done: true, value: undefined }
    try {
      const step = this.chunks.next()
      if (step.done !== true) return step
    } catch (e) {
      this.close()
      throw e
    }
    this.close()
    return { done: true, value: undefined }
  }

  return(): IteratorResult<Buffer, undefined> {
    this.close()
    return { done: true, value: undefined }
  }

  close(): void {
    if (!this.open) return
    this.open = false
    this.tree.nodes.endPreserving(this.preserved)
    this.chunks.return(undefined)
  }

  /** Nodes whose old contents the stream is keeping (for tests and metrics). */
  get preservedNodes(): number {
    return this.preserved.saved.size
  }
}

/**
 * The snapshot of the tree as it is now, written a slice at a time: each `next()` does a bounded
 * amount of work (one chunk of about 1 MiB, or an ACL pass over 50,000 nodes, which yields an
 * empty chunk: a pause point) so the caller can let its event loop run in between. Txns may be
 * applied to the tree meanwhile: the first change to a node after the start keeps that node's
 * old contents for the stream (copy-on-write), so the chunks are byte for byte what
 * writeSnapshot gave at the start. Run it to the end or close() it: until then the tree keeps
 * the old contents of every node it changes.
 */
export function snapshotStream(tree: DataTree, options: SnapshotStreamOptions = {}): SnapshotStream & { readonly preservedNodes: number } {
  return new TreeSnapshotStream(tree, options)
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
  const reading = readSnapshotPaced(snapshot, { pauseEveryNodes: Number.POSITIVE_INFINITY })
  for (;;) {
    const step = reading.next()
    if (step.done === true) return step.value
  }
}

export interface ReadSnapshotOptions {
  /** Nodes read between two pause points (default 50,000). */
  pauseEveryNodes?: number
}

/**
 * readSnapshot a slice at a time: each `next()` reads at most `pauseEveryNodes` nodes (the
 * envelope check and CRC come first, in one step), and the last returns the tree. A member
 * loading a million znodes lets its event loop run in between (pings, ticks, four-letter words)
 * instead of holding it for seconds. Errors are readSnapshot's, thrown from the `next()` that
 * meets them.
 */
export function* readSnapshotPaced(snapshot: Buffer | readonly Buffer[], options: ReadSnapshotOptions = {}): Generator<void, DataTree, undefined> {
  const pauseEveryNodes = options.pauseEveryNodes ?? 50_000
  if (!(pauseEveryNodes >= 1)) throw new RangeError(`pauseEveryNodes ${pauseEveryNodes}`)
  const bytes = Buffer.isBuffer(snapshot) ? snapshot : Buffer.concat(snapshot)
  checkEnvelope(bytes)
  const r = new JuteReader(bytes, { maxLengthBytes: 0x7fffffff, copyBuffers: false }, MAGIC.length, bytes.length - CRC_BYTES)
  try {
    return yield* readBody(r, pauseEveryNodes)
  } catch (e) {
    if (e instanceof SnapshotError) throw e
    if (e instanceof ProtocolError) throw new SnapshotError('malformed', e.message, { cause: e })
    if (e instanceof Error) throw new SnapshotError('malformed', e.message, { cause: e })
    throw e
  }
}

function* readBody(r: JuteReader, pauseEveryNodes: number): Generator<void, DataTree, undefined> {
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
  yield* readNodes(r, tree, acls, pauseEveryNodes)
  r.done()
  tree.restoreLastZxid(lastZxid)
  if (tree.digest !== digest) throw new SnapshotError('digest', `nodes hash to ${tree.digest}, header says ${digest}`)
  return tree
}

function* readNodes(r: JuteReader, tree: DataTree, acls: readonly AclRecord[][], pauseEveryNodes: number): Generator<void, void, undefined> {
  let previous = ''
  const count = readCount(r, NODE_MIN_BYTES, 'node')
  for (let i = 0; i < count; i++) {
    if (i > 0 && i % pauseEveryNodes === 0) yield
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
