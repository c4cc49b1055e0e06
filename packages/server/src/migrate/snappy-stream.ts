// snappy-java's stream format (SnappyOutputStream), which Apache writes for
// zookeeper.snapshot.compression.method=snappy: an 8-byte magic (0x82 "SNAPPY" 0x00), int version,
// int compatible version, then blocks of { int compressed length, raw snappy block }. The raw
// blocks are decoded by snappyjs.
import snappy from 'snappyjs'

const MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00])
const HEADER_BYTES = MAGIC.length + 8
/** snappy-java's blocks are 32 KiB by default; far larger ones mean a damaged length. */
const MAX_BLOCK_BYTES = 64 << 20

export function isSnappyStream(bytes: Buffer): boolean {
  return bytes.length >= HEADER_BYTES && bytes.subarray(0, MAGIC.length).equals(MAGIC)
}

/** The bytes a snappy-java stream holds; throws Error naming what is wrong. */
export function unsnappy(bytes: Buffer): Buffer {
  if (!isSnappyStream(bytes)) throw new Error('no snappy-java stream header')
  const blocks: Buffer[] = []
  let offset = HEADER_BYTES
  while (offset < bytes.length) {
    // A stream written in several sessions repeats its header.
    if (bytes.length - offset >= HEADER_BYTES && bytes.subarray(offset, offset + MAGIC.length).equals(MAGIC)) {
      offset += HEADER_BYTES
      continue
    }
    if (bytes.length - offset < 4) throw new Error(`a block length cut short at offset ${offset}`)
    const length = bytes.readInt32BE(offset)
    if (length < 0 || length > MAX_BLOCK_BYTES || offset + 4 + length > bytes.length) throw new Error(`a block of ${length} bytes at offset ${offset} does not fit the file`)
    blocks.push(Buffer.from(snappy.uncompress(bytes.subarray(offset + 4, offset + 4 + length), MAX_BLOCK_BYTES)))
    offset += 4 + length
  }
  return Buffer.concat(blocks)
}
