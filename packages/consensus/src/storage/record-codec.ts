import { crc32c } from '@node-rs/crc32'

// Segment file: an 8-byte header ('ZTXL', u32 version), then records back to back.
// Record: u32 crc32c | u32 flags+length | u64 zxid | payload, all big-endian. The CRC covers
// everything after itself (flags, length, zxid and payload), so a flipped length is caught too.
// The top bit of the second word marks the first record of an appended batch: the log writes
// batch k+1 only after batch k's fsync returned, so a valid batch start found after a bad record
// proves the bad record had been made durable (corruption, refuse) rather than torn by a crash.
export const SEGMENT_MAGIC = 0x5a54584c
export const SEGMENT_VERSION = 1
export const SEGMENT_HEADER_BYTES = 8
export const RECORD_HEADER_BYTES = 16
const BATCH_START_FLAG = 0x8000_0000
const LENGTH_MASK = 0x7fff_ffff
// Resync after a bad record only accepts candidates whose epoch is near the last good one;
// random bytes then pass the header checks about once in 2^24 positions before the CRC.
const RESYNC_EPOCH_WINDOW = 1n << 16n

export interface TxnRecord {
  zxid: bigint
  payload: Uint8Array
}

export function encodeSegmentHeader(): Buffer {
  const header = Buffer.alloc(SEGMENT_HEADER_BYTES)
  header.writeUInt32BE(SEGMENT_MAGIC, 0)
  header.writeUInt32BE(SEGMENT_VERSION, 4)
  return header
}

export function segmentHeaderProblem(bytes: Buffer): string | undefined {
  if (bytes.length < SEGMENT_HEADER_BYTES) return 'torn segment header'
  if (bytes.readUInt32BE(0) !== SEGMENT_MAGIC) return 'bad segment magic'
  if (bytes.readUInt32BE(4) !== SEGMENT_VERSION) return `unknown segment version ${bytes.readUInt32BE(4)}`
  return undefined
}

/** One appended batch as the bytes to write; the first record carries the batch-start flag. */
export function encodeBatch(records: readonly TxnRecord[]): Buffer {
  let total = 0
  for (const record of records) total += RECORD_HEADER_BYTES + record.payload.length
  const out = Buffer.allocUnsafe(total)
  let offset = 0
  records.forEach((record, index) => {
    const length = record.payload.length
    if (length > LENGTH_MASK) throw new RangeError(`payload of ${length} bytes is too large for a log record`)
    out.writeUInt32BE(((index === 0 ? BATCH_START_FLAG : 0) | length) >>> 0, offset + 4)
    out.writeBigUInt64BE(record.zxid, offset + 8)
    out.set(record.payload, offset + RECORD_HEADER_BYTES)
    const end = offset + RECORD_HEADER_BYTES + length
    out.writeUInt32BE(crc32c(out.subarray(offset + 4, end)), offset)
    offset = end
  })
  return out
}

export type RecordRead =
  | { ok: true; zxid: bigint; payloadStart: number; end: number; batchStart: boolean }
  | { ok: false; reason: string }

/** Parses and CRC-checks the record at `offset`; `afterZxid` is the zxid it must exceed. */
export function readRecordAt(bytes: Buffer, offset: number, afterZxid: bigint, maxRecordBytes: number): RecordRead {
  if (bytes.length - offset < RECORD_HEADER_BYTES) return { ok: false, reason: 'torn record header' }
  const word = bytes.readUInt32BE(offset + 4)
  const length = word & LENGTH_MASK
  if (length > maxRecordBytes) return { ok: false, reason: `record length ${length} exceeds maxRecordBytes ${maxRecordBytes}` }
  const end = offset + RECORD_HEADER_BYTES + length
  if (end > bytes.length) return { ok: false, reason: 'torn record payload' }
  const zxid = bytes.readBigUInt64BE(offset + 8)
  if (crc32c(bytes.subarray(offset + 4, end)) !== bytes.readUInt32BE(offset)) return { ok: false, reason: 'CRC mismatch' }
  if (zxid <= afterZxid) return { ok: false, reason: `zxid 0x${zxid.toString(16)} does not follow 0x${afterZxid.toString(16)}` }
  return { ok: true, zxid, payloadStart: offset + RECORD_HEADER_BYTES, end, batchStart: (word & BATCH_START_FLAG) !== 0 }
}

export interface SegmentScan {
  records: number
  firstZxid: bigint | undefined
  lastZxid: bigint | undefined
  /** Bytes from the start of the file up to the end of the last good record. */
  validBytes: number
  bad?: { offset: number; reason: string; durableAfter?: { offset: number; zxid: bigint } }
}

/** Validates a whole segment (header included); stops at the first bad record and looks past it. */
export function scanSegment(bytes: Buffer, afterZxid: bigint, maxRecordBytes: number): SegmentScan {
  const headerProblem = segmentHeaderProblem(bytes)
  if (headerProblem !== undefined) {
    return { records: 0, firstZxid: undefined, lastZxid: undefined, validBytes: 0, bad: { offset: 0, reason: headerProblem } }
  }
  const scan: SegmentScan = { records: 0, firstZxid: undefined, lastZxid: undefined, validBytes: SEGMENT_HEADER_BYTES }
  let offset = SEGMENT_HEADER_BYTES
  let last = afterZxid
  while (offset < bytes.length) {
    const read = readRecordAt(bytes, offset, last, maxRecordBytes)
    if (!read.ok) {
      scan.bad = { offset, reason: read.reason, durableAfter: findLaterBatchStart(bytes, offset + 1, last, maxRecordBytes) }
      return scan
    }
    scan.records += 1
    scan.firstZxid ??= read.zxid
    scan.lastZxid = read.zxid
    last = read.zxid
    offset = read.end
    scan.validBytes = offset
  }
  return scan
}

/**
 * After a bad record: the first valid record that starts a later batch, if any. Records of the
 * bad record's own batch may follow it (pages of one unfsynced write reach the disk in any
 * order); only a later batch proves the bad bytes had been fsynced.
 */
function findLaterBatchStart(bytes: Buffer, from: number, lastGoodZxid: bigint, maxRecordBytes: number): { offset: number; zxid: bigint } | undefined {
  const maxZxid = ((lastGoodZxid >> 32n) + RESYNC_EPOCH_WINDOW) << 32n
  for (let offset = from; offset + RECORD_HEADER_BYTES <= bytes.length; offset += 1) {
    const zxid = bytes.readBigUInt64BE(offset + 8)
    if (zxid <= lastGoodZxid || zxid >= maxZxid) continue
    let read = readRecordAt(bytes, offset, lastGoodZxid, maxRecordBytes)
    let at = offset
    // Follow the chain of valid records from this candidate: the batch start may come later.
    while (read.ok) {
      if (read.batchStart) return { offset: at, zxid: read.zxid }
      at = read.end
      read = readRecordAt(bytes, at, read.zxid, maxRecordBytes)
    }
    // Resume after the chain so a long run of same-batch records is walked once, not once per byte.
    offset = Math.max(offset, at)
  }
  return undefined
}

/** Decodes the records of an already validated segment, copying each payload out. */
export function* decodeSegment(bytes: Buffer, validBytes: number, maxRecordBytes: number): Generator<{ record: TxnRecord; end: number }> {
  let offset = SEGMENT_HEADER_BYTES
  let last = -1n
  while (offset < validBytes) {
    const read = readRecordAt(bytes, offset, last, maxRecordBytes)
    if (!read.ok) throw new Error(`segment changed after it was validated: ${read.reason} at offset ${offset}`)
    yield { record: { zxid: read.zxid, payload: new Uint8Array(bytes.subarray(read.payloadStart, read.end)) }, end: read.end }
    last = read.zxid
    offset = read.end
  }
}
