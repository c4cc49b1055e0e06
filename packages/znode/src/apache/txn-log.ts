// Apache ZooKeeper's txn log file (FileTxnLog, version 2), read from its bytes:
//   FileHeader { int magic "ZKLG", int version 2, long dbId }
//   records { long Adler-32 of the txn bytes, int length, txn bytes (TxnHeader, record,
//             optional TxnDigest), byte 0x42 'B' end-of-record }
//   zero bytes to the end of the preallocated file
// Apache stops reading a file at the first record it cannot read whole (a zero length is the
// padding; a short read or a missing 'B' is a write torn by a crash) and goes on with the next
// file. A whole record whose checksum or contents are wrong stops Apache altogether.
import { JuteReader, JuteWriter, ProtocolError } from '@zoo/protocol'
import type { Txn } from '../txn.js'
import { adler32 } from './adler32.js'
import { decodeApacheTxn, encodeApacheTxn } from './txn.js'
import { APACHE_FORMAT_VERSION, APACHE_LOG_MAGIC, readFileHeader, writeFileHeader } from './snapshot.js'
import type { ApacheFileHeader } from './snapshot.js'

const FILE_HEADER_BYTES = 16
const RECORD_OVERHEAD_BYTES = 8 + 4 + 1
const END_OF_RECORD = 0x42

/** Why reading a log file stopped before its last byte. */
export interface LogTail {
  /** Offset of the first record not read. */
  offset: number
  /** torn: not written whole (a crash); corrupt: whole, but its checksum or contents are wrong. */
  kind: 'torn' | 'corrupt'
  reason: string
  /** Non-zero bytes from `offset` on: what the cut drops beyond the preallocated padding. */
  droppedBytes: number
}

export interface ApacheLogScan {
  header: ApacheFileHeader
  txns: Txn[]
  /** Set when the file holds bytes after its last readable record other than padding. */
  tail: LogTail | undefined
}

/** A log file Apache could not open at all. */
export class ApacheLogError extends Error {
  override readonly name = 'ApacheLogError'
}

function nonZeroBytes(bytes: Buffer, from: number): number {
  let count = 0
  for (let i = from; i < bytes.length; i++) if (bytes[i] !== 0) count++
  return count
}

/** Reads every whole record of one log file; where it stops and why is in `tail`. */
export function scanApacheTxnLog(bytes: Buffer): ApacheLogScan {
  if (bytes.length < FILE_HEADER_BYTES) throw new ApacheLogError(`${bytes.length} bytes: no complete file header`)
  const header = readFileHeader(new JuteReader(bytes, undefined, 0, FILE_HEADER_BYTES))
  if (header.magic !== APACHE_LOG_MAGIC) throw new ApacheLogError(`magic 0x${(header.magic >>> 0).toString(16)} is not "ZKLG"`)
  if (header.version !== APACHE_FORMAT_VERSION) throw new ApacheLogError(`format version ${header.version}, expected ${APACHE_FORMAT_VERSION}`)
  const txns: Txn[] = []
  let offset = FILE_HEADER_BYTES
  const stop = (kind: LogTail['kind'], reason: string): ApacheLogScan => {
    const droppedBytes = nonZeroBytes(bytes, offset)
    // Padding (or a record cut before any of its bytes reached the disk) is a clean end.
    const tail = kind === 'torn' && droppedBytes === 0 ? undefined : { offset, kind, reason, droppedBytes }
    return { header, txns, tail }
  }
  while (offset < bytes.length) {
    if (bytes.length - offset < 12) return stop('torn', 'a record header cut short')
    const stored = bytes.readBigInt64BE(offset)
    const length = bytes.readInt32BE(offset + 8)
    if (length === 0) return stop('torn', 'a zero-length record (the preallocated padding) followed by data')
    if (length < 0 || length > bytes.length - offset - RECORD_OVERHEAD_BYTES) return stop('torn', `a record of ${length} bytes runs past the end of the file`)
    const start = offset + 12
    const end = start + length
    if (bytes[end] !== END_OF_RECORD) return stop('torn', `no end-of-record byte after a ${length}-byte record`)
    const txnBytes = bytes.subarray(start, end)
    const sum = adler32(txnBytes)
    if (stored !== BigInt(sum)) return stop('corrupt', `Adler-32 0x${sum.toString(16)}, record says 0x${stored.toString(16)}`)
    let txn: Txn
    try {
      txn = decodeApacheTxn(Buffer.from(txnBytes))
    } catch (e) {
      if (e instanceof ProtocolError) return stop('corrupt', `undecodable txn: ${e.message}`)
      throw e
    }
    txns.push(txn)
    offset = end + 1
  }
  return { header, txns, tail: undefined }
}

/** A log file as FileTxnLog writes it: header, one record per txn, then `paddingBytes` of zeros. */
export function writeApacheTxnLog(txns: readonly Txn[], options: { dbId?: bigint; paddingBytes?: number } = {}): Buffer {
  const w = new JuteWriter()
  writeFileHeader(w, { magic: APACHE_LOG_MAGIC, version: APACHE_FORMAT_VERSION, dbId: options.dbId ?? 0n })
  for (const txn of txns) {
    const bytes = encodeApacheTxn(txn)
    w.long(BigInt(adler32(bytes)))
    w.buffer(bytes)
    w.raw(Buffer.from([END_OF_RECORD]))
  }
  return Buffer.concat([w.toBuffer(), Buffer.alloc(options.paddingBytes ?? 0)])
}
