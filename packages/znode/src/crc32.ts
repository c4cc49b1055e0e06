// CRC-32 (IEEE, the one zlib computes) for the tree digest's small inputs, in JS. Internal to
// the package (not exported from the index).
import { crc32 } from 'node:zlib'

/**
 * Why not zlib.crc32: it pays a native call and argument checks per call, ~45 ns for a short
 * path and ~1.2 ns per byte of 100 here. Every write hashes its path and data and a 60-byte Stat,
 * twice on the leader (prepare, apply) and once on each follower; slice-by-8 in JS is 2-3x faster
 * at these sizes. Larger inputs still go to zlib.
 */
const CRC_TABLES = makeCrcTables()
const SMALL_CRC_BYTES = 512

function makeCrcTables(): Int32Array {
  const t = new Int32Array(256 * 8)
  for (let n = 0; n < 256; n++) {
    let c = n
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1
    t[n] = c
  }
  for (let n = 0; n < 256; n++) {
    let c = t[n] as number
    for (let k = 1; k < 8; k++) {
      c = (t[c & 0xff] as number) ^ (c >>> 8)
      t[k * 256 + n] = c
    }
  }
  return t
}

/** zlib.crc32(bytes, crc). */
export function crc32Bytes(bytes: Uint8Array, crc = 0): number {
  const n = bytes.length
  if (n > SMALL_CRC_BYTES) return crc32(bytes, crc)
  const t = CRC_TABLES
  let c = ~crc
  let i = 0
  for (const end8 = n - (n & 7); i < end8; i += 8) {
    const a = ((bytes[i] as number) | ((bytes[i + 1] as number) << 8) | ((bytes[i + 2] as number) << 16) | ((bytes[i + 3] as number) << 24)) ^ c
    const b = (bytes[i + 4] as number) | ((bytes[i + 5] as number) << 8) | ((bytes[i + 6] as number) << 16) | ((bytes[i + 7] as number) << 24)
    c =
      (t[1792 + (a & 0xff)] as number) ^ (t[1536 + ((a >>> 8) & 0xff)] as number) ^ (t[1280 + ((a >>> 16) & 0xff)] as number) ^ (t[1024 + (a >>> 24)] as number) ^
      (t[768 + (b & 0xff)] as number) ^ (t[512 + ((b >>> 8) & 0xff)] as number) ^ (t[256 + ((b >>> 16) & 0xff)] as number) ^ (t[b >>> 24] as number)
  }
  for (; i < n; i++) c = (t[(c ^ (bytes[i] as number)) & 0xff] as number) ^ (c >>> 8)
  return ~c >>> 0
}

/** zlib.crc32(text) (CRC of its UTF-8 bytes): ASCII here, anything else through zlib. */
export function crc32Text(text: string): number {
  if (text.length > SMALL_CRC_BYTES) return crc32(text)
  const t = CRC_TABLES
  let c = ~0
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i)
    if (unit > 0x7f) return crc32(text)
    c = (t[(c ^ unit) & 0xff] as number) ^ (c >>> 8)
  }
  return ~c >>> 0
}
