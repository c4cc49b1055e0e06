/**
 * The disk fault: a member's newest txn-log record cut mid-record, as a crash during the write
 * would leave it. Parsing is pure (bytes in, record boundaries out); the file adapter below picks
 * the newest log file that holds a record and truncates it.
 *
 * Formats (framing facts only):
 * - Apache ZooKeeper 3.8 (`version-2/log.<zxid hex>`): a 16-byte header ("ZKLG", version 2,
 *   dbid), then per txn: 8-byte checksum, 4-byte length, the serialized TxnHeader+txn (whose
 *   zxid sits 12 bytes in), and the end-of-record byte 'B'. Files are preallocated with zeros;
 *   a zero length ends the log.
 * - zoo (`log.<zxid hex>`): an 8-byte header ("ZTXL", version), then per record: 4-byte CRC,
 *   4-byte flags+length (top bit marks a batch start), 8-byte zxid, payload.
 */
import { readdir, readFile, stat, truncate } from 'node:fs/promises'
import { join } from 'node:path'
import type { DiskDamage } from '../targets/target.js'

export interface LogRecord {
  start: number
  end: number
  zxid: bigint
}

export interface LogFormat {
  name: string
  /** file names that are txn logs */
  matches: (fileName: string) => boolean
  records: (bytes: Buffer) => LogRecord[]
}

const APACHE_MAGIC = 0x5a4b4c47 // "ZKLG"
const APACHE_HEADER_BYTES = 16
const EOR = 0x42

export const apacheLogFormat: LogFormat = {
  name: 'Apache ZooKeeper txn log',
  matches: (name) => /^log\.[0-9a-f]+$/.test(name),
  records(bytes) {
    if (bytes.length < APACHE_HEADER_BYTES || bytes.readUInt32BE(0) !== APACHE_MAGIC) return []
    const records: LogRecord[] = []
    let offset = APACHE_HEADER_BYTES
    while (offset + 12 <= bytes.length) {
      const length = bytes.readInt32BE(offset + 8)
      if (length <= 0) break
      const end = offset + 12 + length + 1
      if (end > bytes.length || bytes[end - 1] !== EOR || length < 20) break
      records.push({ start: offset, end, zxid: bytes.readBigInt64BE(offset + 12 + 12) })
      offset = end
    }
    return records
  },
}

const ZOO_MAGIC = 0x5a54584c // "ZTXL"
const ZOO_HEADER_BYTES = 8
const ZOO_RECORD_HEADER_BYTES = 16

export const zooLogFormat: LogFormat = {
  name: 'zoo txn log',
  matches: (name) => /^log\.[0-9a-f]+$/.test(name),
  records(bytes) {
    if (bytes.length < ZOO_HEADER_BYTES || bytes.readUInt32BE(0) !== ZOO_MAGIC) return []
    const records: LogRecord[] = []
    let offset = ZOO_HEADER_BYTES
    while (offset + ZOO_RECORD_HEADER_BYTES <= bytes.length) {
      const length = bytes.readUInt32BE(offset + 4) & 0x7fff_ffff
      const end = offset + ZOO_RECORD_HEADER_BYTES + length
      if (end > bytes.length) break
      records.push({ start: offset, end, zxid: bytes.readBigUInt64BE(offset + 8) })
      offset = end
    }
    return records
  },
}

/** Where to cut a record so that at least one byte of it stays and at least one goes. */
export function cutPoint(record: LogRecord, random: () => number): number {
  const size = record.end - record.start
  if (size < 2) throw new RangeError('a record of fewer than 2 bytes cannot be cut mid-record')
  return record.start + 1 + Math.floor(random() * (size - 1))
}

async function logFiles(dir: string, format: LogFormat): Promise<string[]> {
  const found: string[] = []
  const walk = async (path: string, depth: number): Promise<void> => {
    if (depth > 3) return
    for (const entry of await readdir(path, { withFileTypes: true })) {
      if (entry.isDirectory()) await walk(join(path, entry.name), depth + 1)
      else if (format.matches(entry.name)) found.push(join(path, entry.name))
    }
  }
  await walk(dir, 0)
  return found
}

/** Cuts the newest record of the newest non-empty log file under `dataDir` mid-record. */
export async function damageLogTail(dataDir: string, format: LogFormat, random: () => number): Promise<DiskDamage> {
  const files = await logFiles(dataDir, format)
  let newest: { file: string; record: LogRecord; size: number } | undefined
  for (const file of files) {
    const records = format.records(await readFile(file))
    const last = records.at(-1)
    if (last !== undefined && (newest === undefined || last.zxid > newest.record.zxid)) newest = { file, record: last, size: (await stat(file)).size }
  }
  if (newest === undefined) throw new Error(`no ${format.name} record under ${dataDir} to damage`)
  const at = cutPoint(newest.record, random)
  await truncate(newest.file, at)
  return {
    file: newest.file,
    fromBytes: newest.size,
    toBytes: at,
    cutZxid: newest.record.zxid,
    keptBytesOfRecord: at - newest.record.start,
    recordBytes: newest.record.end - newest.record.start,
  }
}
