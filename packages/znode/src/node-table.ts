// Storage of every znode, laid out for a million nodes in a few hundred MB: each node is a slot
// number into typed-array columns (the Stat's longs and ints, its ACL id, its cached digests)
// plus three plain arrays (data as a latin1 string, the children set, nothing else), and one Map
// from path to slot. A per-node object with bigint fields costs about twice as much heap.
// Children sets hold the children's full paths, which are the same strings as the Map's keys.
import assert from 'node:assert/strict'
import { endianness } from 'node:os'
import type { StatPersisted } from '@zoo/protocol'
import { STAT_DIGEST_BYTES } from './digest.js'

// statDigestBytes reads the 64-bit columns as pairs of 32-bit words, low word first.
if (endianness() !== 'LE') throw new Error('@zoo/znode needs a little-endian host')

const INITIAL_CAPACITY = 1024

/** Everything a new node needs besides its path. */
export interface NodeInit {
  data: string | null
  aclId: number
  stat: StatPersisted
  pathDataCrc: number
  digest: number
}

/** A node as it was when a snapshot began, kept because it changed before the snapshot wrote it. */
export interface PreservedNode {
  data: string | null
  /** The ACL id at the snapshot's start (resolve it with the ACL lists captured then). */
  aclId: number
  /** Its StatPersisted record (jute layout, STAT_PERSISTED_BYTES). */
  stat: Buffer
}

/** The StatPersisted record's size: 6 longs and 3 ints. */
export const STAT_PERSISTED_BYTES = 60

/**
 * Copy-on-write for a snapshot written over many event-loop turns: from `begin` on, the first
 * change to a node that existed then (czxid <= atZxid) keeps its old contents in `saved`.
 */
export interface PreservedNodes {
  readonly atZxid: bigint
  readonly saved: Map<string, PreservedNode>
}

export class NodeTable {
  private capacity = INITIAL_CAPACITY
  private readonly preservers = new Set<PreservedNodes>()
  private readonly slots = new Map<string, number>()
  private readonly freeSlots: number[] = []
  private nextSlot = 0
  private longs = new BigInt64Array(INITIAL_CAPACITY * 6)
  /** The same memory as `longs`, as 32-bit words: lets the digest read Stats without making BigInts. */
  private longWords = new Uint32Array(this.longs.buffer)
  private readonly digestBytes = new DataView(new ArrayBuffer(STAT_DIGEST_BYTES))
  private readonly digestBytesView = new Uint8Array(this.digestBytes.buffer)
  private ints = new Int32Array(INITIAL_CAPACITY * 4)
  private crcs = new Uint32Array(INITIAL_CAPACITY * 2)
  private readonly datas: (string | null)[] = []
  private readonly kids: (Set<string> | undefined)[] = []
  private readonly paths: (string | undefined)[] = []

  get size(): number {
    return this.slots.size
  }

  /** The slot of `path`, or -1. */
  slotOf(path: string): number {
    return this.slots.get(path) ?? -1
  }

  /** Paths in insertion order: a parent always comes before its children. */
  pathsInOrder(): IterableIterator<string> {
    return this.slots.keys()
  }

  entries(): IterableIterator<[string, number]> {
    return this.slots.entries()
  }

  /** Every path, in the order pathsInOrder gives them, as of now. */
  pathsNow(): string[] {
    return Array.from(this.slots.keys())
  }

  /**
   * Starts keeping the pre-change contents of every node that exists now (all created at or
   * before `atZxid`) until `endPreserving`. Costs one check per change while nothing is open.
   */
  beginPreserving(atZxid: bigint): PreservedNodes {
    const preserved: PreservedNodes = { atZxid, saved: new Map() }
    this.preservers.add(preserved)
    return preserved
  }

  endPreserving(preserved: PreservedNodes): void {
    this.preservers.delete(preserved)
  }

  /** Snapshots in progress that keep old contents. */
  get openPreservers(): number {
    return this.preservers.size
  }

  /** Keeps the node's contents for each open snapshot that has not kept them yet; call before a change. */
  private preserve(slot: number): void {
    if (this.preservers.size === 0) return
    const path = this.paths[slot] as string
    const czxid = this.longs[slot * 6] as bigint
    for (const p of this.preservers) {
      // A node created after the snapshot began is not in it (its path may be, as an older node kept already).
      if (czxid > p.atZxid || p.saved.has(path)) continue
      const stat = Buffer.allocUnsafe(STAT_PERSISTED_BYTES)
      this.writeStatPersisted(slot, stat, 0)
      p.saved.set(path, { data: this.datas[slot] as string | null, aclId: this.ints[slot * 4 + 3] as number, stat })
    }
  }

  insert(path: string, init: NodeInit): number {
    if (this.slots.has(path)) throw new Error(`node ${path} already stored`)
    const slot = this.freeSlots.pop() ?? this.nextSlot++
    if (slot >= this.capacity) this.grow()
    assert.ok(slot < this.capacity && this.paths[slot] === undefined, `slot ${slot} is not free`)
    this.slots.set(path, slot)
    this.paths[slot] = path
    this.datas[slot] = init.data
    this.kids[slot] = undefined
    this.writeStat(slot, init.stat)
    this.ints[slot * 4 + 3] = init.aclId
    this.crcs[slot * 2] = init.pathDataCrc
    this.crcs[slot * 2 + 1] = init.digest
    return slot
  }

  remove(path: string): void {
    const slot = this.slots.get(path)
    if (slot === undefined) throw new Error(`node ${path} not stored`)
    this.preserve(slot)
    this.slots.delete(path)
    this.paths[slot] = undefined
    this.datas[slot] = null
    this.kids[slot] = undefined
    this.freeSlots.push(slot)
  }

  private grow(): void {
    this.capacity *= 2
    const longs = new BigInt64Array(this.capacity * 6)
    longs.set(this.longs)
    this.longs = longs
    this.longWords = new Uint32Array(longs.buffer)
    const ints = new Int32Array(this.capacity * 4)
    ints.set(this.ints)
    this.ints = ints
    const crcs = new Uint32Array(this.capacity * 2)
    crcs.set(this.crcs)
    this.crcs = crcs
  }

  path(slot: number): string {
    const path = this.paths[slot]
    if (path === undefined) throw new Error(`slot ${slot} is free`)
    return path
  }

  // ---------------------------------------------------------------- stat columns

  setStat(slot: number, s: StatPersisted): void {
    this.preserve(slot)
    this.writeStat(slot, s)
  }

  private writeStat(slot: number, s: StatPersisted): void {
    const l = slot * 6
    this.longs[l] = s.czxid
    this.longs[l + 1] = s.mzxid
    this.longs[l + 2] = s.pzxid
    this.longs[l + 3] = s.ctime
    this.longs[l + 4] = s.mtime
    this.longs[l + 5] = s.ephemeralOwner
    const i = slot * 4
    this.ints[i] = s.version
    this.ints[i + 1] = s.cversion
    this.ints[i + 2] = s.aversion
  }

  stat(slot: number): StatPersisted {
    const l = slot * 6
    const i = slot * 4
    const longs = this.longs
    return {
      czxid: longs[l] as bigint,
      mzxid: longs[l + 1] as bigint,
      ctime: longs[l + 3] as bigint,
      mtime: longs[l + 4] as bigint,
      version: this.ints[i] as number,
      cversion: this.ints[i + 1] as number,
      aversion: this.ints[i + 2] as number,
      ephemeralOwner: longs[l + 5] as bigint,
      pzxid: longs[l + 2] as bigint,
    }
  }

  /**
   * The node's persisted Stat as the digest hashes it (czxid, mzxid, pzxid, ctime, mtime, version,
   * cversion, aversion, ephemeralOwner; big-endian), in a scratch buffer valid until the next call.
   */
  statDigestBytes(slot: number): Uint8Array {
    const out = this.digestBytes
    const words = this.longWords
    const w = slot * 12
    for (let k = 0; k < 5; k++) {
      out.setUint32(k * 8, words[w + 2 * k + 1] as number)
      out.setUint32(k * 8 + 4, words[w + 2 * k] as number)
    }
    const i = slot * 4
    out.setInt32(40, this.ints[i] as number)
    out.setInt32(44, this.ints[i + 1] as number)
    out.setInt32(48, this.ints[i + 2] as number)
    out.setUint32(52, words[w + 11] as number)
    out.setUint32(56, words[w + 10] as number)
    return this.digestBytesView
  }

  /** Writes the node's StatPersisted record (jute layout, 60 bytes) at `offset`, without making BigInts. */
  writeStatPersisted(slot: number, out: Buffer, offset: number): void {
    const words = this.longWords
    const w = slot * 12
    // StatPersisted order: czxid, mzxid, ctime, mtime, version, cversion, aversion, ephemeralOwner, pzxid.
    const long = (column: number, at: number) => {
      out.writeUInt32BE(words[w + 2 * column + 1] as number, at)
      out.writeUInt32BE(words[w + 2 * column] as number, at + 4)
    }
    long(0, offset)
    long(1, offset + 8)
    long(3, offset + 16)
    long(4, offset + 24)
    const i = slot * 4
    out.writeInt32BE(this.ints[i] as number, offset + 32)
    out.writeInt32BE(this.ints[i + 1] as number, offset + 36)
    out.writeInt32BE(this.ints[i + 2] as number, offset + 40)
    long(5, offset + 44)
    long(2, offset + 52)
  }

  mzxid(slot: number): bigint {
    return this.longs[slot * 6 + 1] as bigint
  }
  pzxid(slot: number): bigint {
    return this.longs[slot * 6 + 2] as bigint
  }
  mtime(slot: number): bigint {
    return this.longs[slot * 6 + 4] as bigint
  }
  owner(slot: number): bigint {
    return this.longs[slot * 6 + 5] as bigint
  }
  cversion(slot: number): number {
    return this.ints[slot * 4 + 1] as number
  }

  /** setData: data, version, mzxid and mtime change together. */
  setDataFields(slot: number, data: string | null, version: number, zxid: bigint, time: bigint): void {
    this.preserve(slot)
    this.datas[slot] = data
    this.ints[slot * 4] = version
    this.longs[slot * 6 + 1] = zxid
    this.longs[slot * 6 + 4] = time
  }
  setCversion(slot: number, cversion: number): void {
    this.preserve(slot)
    this.ints[slot * 4 + 1] = cversion
  }
  setAversion(slot: number, aversion: number): void {
    this.preserve(slot)
    this.ints[slot * 4 + 2] = aversion
  }
  setPzxid(slot: number, zxid: bigint): void {
    this.preserve(slot)
    this.longs[slot * 6 + 2] = zxid
  }

  // ---------------------------------------------------------------- acl, digests, data, children

  aclId(slot: number): number {
    return this.ints[slot * 4 + 3] as number
  }
  setAclId(slot: number, aclId: number): void {
    this.preserve(slot)
    this.ints[slot * 4 + 3] = aclId
  }

  pathDataCrc(slot: number): number {
    return this.crcs[slot * 2] as number
  }
  digest(slot: number): number {
    return this.crcs[slot * 2 + 1] as number
  }
  setDigests(slot: number, pathDataCrc: number, digest: number): void {
    this.crcs[slot * 2] = pathDataCrc
    this.crcs[slot * 2 + 1] = digest
  }

  /** The data as a latin1 string (one char per byte), or null. */
  dataString(slot: number): string | null {
    return this.datas[slot] as string | null
  }
  /** Quota stats change a node's data without a txn of their own (as Apache's updateQuotaStat). */
  replaceData(slot: number, data: string | null): void {
    this.preserve(slot)
    this.datas[slot] = data
  }
  dataLength(slot: number): number {
    return this.datas[slot]?.length ?? 0
  }

  /** Full paths of the children, in creation order; undefined for a leaf. */
  children(slot: number): ReadonlySet<string> | undefined {
    return this.kids[slot]
  }
  childCount(slot: number): number {
    return this.kids[slot]?.size ?? 0
  }
  addChild(slot: number, childPath: string): void {
    let set = this.kids[slot]
    if (set === undefined) {
      set = new Set()
      this.kids[slot] = set
    }
    set.add(childPath)
  }
  removeChild(slot: number, childPath: string): boolean {
    const set = this.kids[slot]
    if (set === undefined || !set.delete(childPath)) return false
    if (set.size === 0) this.kids[slot] = undefined
    return true
  }
}
