// The tree digest Apache 3.6+ keeps (DigestCalculator, AdHash): each node's digest is the CRC32 of
// its path, its data and 60 bytes of its persisted Stat; the tree's is their sum as a wrapping
// 64-bit integer, so it changes incrementally with every node added, removed or updated. Nodes
// under /zookeeper/ are left out, as Apache does (quota stats change there outside txns).
import type { StatPersisted } from '@zoo/protocol'
import { crc32Bytes, crc32Text } from './crc32.js'
import { ROOT_PATH, ZOOKEEPER_SUBTREE_PREFIX } from './paths.js'

/** TxnDigest.version of this algorithm (Apache's DIGEST_VERSION). */
export const DIGEST_VERSION = 2

/** The persisted Stat as the digest hashes it: 5 longs, 3 ints, 1 long, big-endian. */
export const STAT_DIGEST_BYTES = 60
const statScratch = new DataView(new ArrayBuffer(STAT_DIGEST_BYTES))
const statScratchBytes = new Uint8Array(statScratch.buffer)

export function isDigested(path: string): boolean {
  return !path.startsWith(ZOOKEEPER_SUBTREE_PREFIX)
}

/**
 * CRC32 of the path and data: the part of a node's digest that a Stat-only change keeps, so a
 * parent's digest after a child create costs 60 bytes of CRC, not its whole data again.
 */
export function pathDataCrc(path: string, data: Uint8Array | null): number {
  // Apache hashes the root under its alias "" (children are added to "", setData goes to "/").
  const crc = crc32Text(path === ROOT_PATH ? '' : path)
  return data === null || data.length === 0 ? crc : crc32Bytes(data, crc)
}

/**
 * The node digest from its path+data CRC and its persisted Stat (czxid, mzxid, pzxid, ctime, mtime,
 * version, cversion, aversion, ephemeralOwner, big-endian); 0 for nodes the digest leaves out.
 */
export function nodeDigest(path: string, pathAndDataCrc: number, stat: StatPersisted): number {
  if (!isDigested(path)) return 0
  const b = statScratch
  b.setBigInt64(0, stat.czxid)
  b.setBigInt64(8, stat.mzxid)
  b.setBigInt64(16, stat.pzxid)
  b.setBigInt64(24, stat.ctime)
  b.setBigInt64(32, stat.mtime)
  b.setInt32(40, stat.version)
  b.setInt32(44, stat.cversion)
  b.setInt32(48, stat.aversion)
  b.setBigInt64(52, stat.ephemeralOwner)
  return crc32Bytes(statScratchBytes, pathAndDataCrc)
}

/** nodeDigest for a Stat already laid out as STAT_DIGEST_BYTES bytes (the tree's fast path). */
export function nodeDigestOfBytes(path: string, pathAndDataCrc: number, statBytes: Uint8Array): number {
  return isDigested(path) ? crc32Bytes(statBytes, pathAndDataCrc) : 0
}

const TWO_POW_32 = 0x100000000
const sumScratch = new DataView(new ArrayBuffer(8))

/** A wrapping 64-bit sum of node digests (Apache's AdHash), kept as two 32-bit halves to stay exact. */
export class DigestSum {
  private hi = 0
  private lo = 0

  static of(value: bigint): DigestSum {
    const sum = new DigestSum()
    const unsigned = BigInt.asUintN(64, value)
    sum.hi = Number(unsigned >> 32n)
    sum.lo = Number(unsigned & 0xffffffffn)
    return sum
  }

  add(nodeDigest: number): void {
    this.lo += nodeDigest
    if (this.lo >= TWO_POW_32) {
      this.lo -= TWO_POW_32
      this.hi = (this.hi + 1) % TWO_POW_32
    }
  }

  remove(nodeDigest: number): void {
    this.lo -= nodeDigest
    if (this.lo < 0) {
      this.lo += TWO_POW_32
      this.hi = (this.hi + TWO_POW_32 - 1) % TWO_POW_32
    }
  }

  /** The digest as Apache's signed long. */
  get value(): bigint {
    // Through a scratch DataView: one BigInt made, not the four of shifting and masking (every
    // prepare and every apply asks for it).
    sumScratch.setUint32(0, this.hi)
    sumScratch.setUint32(4, this.lo)
    return sumScratch.getBigInt64(0)
  }

  /** Whether the digest is `value` (a signed long), without making a BigInt. */
  equals(value: bigint): boolean {
    sumScratch.setBigInt64(0, value)
    return sumScratch.getUint32(0) === this.hi && sumScratch.getUint32(4) === this.lo
  }

  clone(): DigestSum {
    const copy = new DigestSum()
    copy.hi = this.hi
    copy.lo = this.lo
    return copy
  }
}
