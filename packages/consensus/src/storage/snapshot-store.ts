import { crc32c } from '@node-rs/crc32'
import { mkdir, readdir, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { stderrLogger, type StorageLogger } from './errors.js'
import { fsyncDir, writeFileAtomic } from './fs-util.js'

// Snapshot file `snapshot.<zxid hex>`: 'ZSNP' | u32 version | u64 zxid | data |
// u64 data length | u32 crc32c of everything before it. The trailer comes last so that data
// can be streamed in chunks of unknown total size.
const SNAPSHOT_MAGIC = 0x5a534e50
const SNAPSHOT_VERSION = 1
const HEADER_BYTES = 16
const TRAILER_BYTES = 12
const SNAPSHOT_PREFIX = 'snapshot.'

export interface Snapshot {
  zxid: bigint
  data: Uint8Array
}

export type SnapshotData = Uint8Array | Iterable<Uint8Array> | AsyncIterable<Uint8Array>

/** CRC-checked snapshots named by the zxid they include, written atomically. */
export class SnapshotStore {
  private constructor(
    readonly dir: string,
    private readonly logger: StorageLogger,
  ) {}

  static async open(dir: string, options: { logger?: StorageLogger } = {}): Promise<SnapshotStore> {
    await mkdir(dir, { recursive: true })
    // A crash during save leaves only a temporary file; the previous snapshots are intact.
    for (const name of await readdir(dir)) {
      if (name.startsWith(SNAPSHOT_PREFIX) && name.endsWith('.tmp')) await unlink(join(dir, name))
    }
    return new SnapshotStore(dir, options.logger ?? stderrLogger)
  }

  /** Writes the snapshot that includes every txn up to `zxid`; durable when this resolves. */
  async save(zxid: bigint, data: SnapshotData): Promise<void> {
    if (zxid < 0n || zxid >= 1n << 64n) throw new RangeError(`zxid ${zxid} is not a u64`)
    await writeFileAtomic(this.dir, snapshotName(zxid), framed(zxid, data))
  }

  /** Zxids of the snapshot files present, newest first (not yet checked). */
  async list(): Promise<bigint[]> {
    const zxids: bigint[] = []
    for (const name of await readdir(this.dir)) {
      const match = /^snapshot\.([0-9a-f]{16})$/.exec(name)
      if (match !== null) zxids.push(BigInt(`0x${match[1]}`))
    }
    return zxids.sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))
  }

  /** The newest snapshot whose CRC checks; corrupt newer ones are logged and passed over. */
  async latest(): Promise<Snapshot | undefined> {
    for (const zxid of await this.list()) {
      const bytes = await readFile(join(this.dir, snapshotName(zxid)))
      const problem = snapshotProblem(bytes, zxid)
      if (problem === undefined) return { zxid, data: new Uint8Array(bytes.subarray(HEADER_BYTES, bytes.length - TRAILER_BYTES)) }
      this.logger('snapshot: skipping an invalid snapshot', { file: snapshotName(zxid), problem })
    }
    return undefined
  }

  /**
   * The snapshot this store just saved at `zxid`, read back for the in-memory copy. The framing
   * and length are checked; the CRC is left to start-up (latest), which reads it from the disk
   * anew: checking a few hundred MB here would hold the event loop for tens of milliseconds.
   */
  async read(zxid: bigint): Promise<Snapshot> {
    const bytes = await readFile(join(this.dir, snapshotName(zxid)))
    const problem = framingProblem(bytes, zxid)
    if (problem !== undefined) throw new Error(`snapshot ${snapshotName(zxid)} just written reads back wrong: ${problem}`)
    return { zxid, data: new Uint8Array(bytes.buffer, bytes.byteOffset + HEADER_BYTES, bytes.length - HEADER_BYTES - TRAILER_BYTES) }
  }

  /**
   * Deletes all but the newest `keepNewest` snapshots and returns the zxid of the oldest one
   * kept: the txn log must keep every record after it (pass it to TxnLog.purgeThrough).
   */
  async purge(keepNewest: number): Promise<bigint | undefined> {
    if (!Number.isInteger(keepNewest) || keepNewest < 1) throw new RangeError(`keepNewest must be >= 1, got ${keepNewest}`)
    const zxids = await this.list()
    const doomed = zxids.slice(keepNewest)
    for (const zxid of doomed) await unlink(join(this.dir, snapshotName(zxid)))
    if (doomed.length > 0) await fsyncDir(this.dir)
    return zxids.slice(0, keepNewest).at(-1)
  }
}

function snapshotName(zxid: bigint): string {
  return `${SNAPSHOT_PREFIX}${zxid.toString(16).padStart(16, '0')}`
}

async function* framed(zxid: bigint, data: SnapshotData): AsyncGenerator<Uint8Array> {
  const header = Buffer.alloc(HEADER_BYTES)
  header.writeUInt32BE(SNAPSHOT_MAGIC, 0)
  header.writeUInt32BE(SNAPSHOT_VERSION, 4)
  header.writeBigUInt64BE(zxid, 8)
  let crc = crc32c(header)
  yield header
  let length = 0n
  const chunks = data instanceof Uint8Array ? [data] : data
  for await (const chunk of chunks) {
    crc = crc32c(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength), crc)
    length += BigInt(chunk.byteLength)
    yield chunk
  }
  const trailer = Buffer.alloc(TRAILER_BYTES)
  trailer.writeBigUInt64BE(length, 0)
  trailer.writeUInt32BE(crc32c(trailer.subarray(0, 8), crc), 8)
  yield trailer
}

function snapshotProblem(bytes: Buffer, zxid: bigint): string | undefined {
  const problem = framingProblem(bytes, zxid)
  if (problem !== undefined) return problem
  const trailerAt = bytes.length - TRAILER_BYTES
  if (crc32c(bytes.subarray(0, trailerAt + 8)) !== bytes.readUInt32BE(trailerAt + 8)) return 'CRC mismatch'
  return undefined
}

function framingProblem(bytes: Buffer, zxid: bigint): string | undefined {
  if (bytes.length < HEADER_BYTES + TRAILER_BYTES) return 'too short'
  if (bytes.readUInt32BE(0) !== SNAPSHOT_MAGIC) return 'bad magic'
  if (bytes.readUInt32BE(4) !== SNAPSHOT_VERSION) return `unknown version ${bytes.readUInt32BE(4)}`
  if (bytes.readBigUInt64BE(8) !== zxid) return 'zxid in the header differs from the file name'
  const trailerAt = bytes.length - TRAILER_BYTES
  if (bytes.readBigUInt64BE(trailerAt) !== BigInt(trailerAt - HEADER_BYTES)) return 'length mismatch (truncated?)'
  return undefined
}
