import { mkdir, open, readdir, readFile, truncate, unlink, type FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { StorageError, stderrLogger, type StorageLogger } from './errors.js'
import { fsyncDir, writeFully } from './fs-util.js'
import { decodeSegment, encodeBatch, encodeSegmentHeader, scanSegment, SEGMENT_HEADER_BYTES, type SegmentScan, type TxnRecord } from './record-codec.js'

export type { TxnRecord } from './record-codec.js'

export interface TxnLogOptions {
  /** A new segment is started once the active one reaches this size (a batch is never split). */
  segmentBytes?: number
  /** Larger lengths are treated as corruption; bounds what a bad length can make us allocate. */
  maxRecordBytes?: number
  logger?: StorageLogger
}

/** What open() cut off: a torn or corrupt tail, truncated at the last good record. */
export interface TruncatedTail {
  file: string
  offset: number
  droppedBytes: number
  reason: string
  lastGoodZxid: bigint
}

export interface TxnLogStats {
  /** append() calls resolved. */
  appends: number
  records: number
  bytes: number
  /** One per written batch: appends that arrive while a write is in flight share the next fsync. */
  fsyncs: number
}

interface Segment {
  name: string
  firstZxid: bigint
  lastZxid: bigint
  records: number
  sizeBytes: number
}

interface PendingAppend {
  records: readonly TxnRecord[]
  resolve: () => void
  reject: (error: unknown) => void
}

const SEGMENT_PREFIX = 'log.'
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024
export const DEFAULT_MAX_RECORD_BYTES = 16 * 1024 * 1024

/**
 * Append-only txn log in segment files named `log.<first zxid in hex>`. Each append is written
 * and fdatasync'ed before its promise resolves; appends that arrive during a write are merged
 * into the next one (group commit), so throughput is not one fsync per record.
 */
export class TxnLog {
  readonly stats: TxnLogStats = { appends: 0, records: 0, bytes: 0, fsyncs: 0 }
  private active: FileHandle | undefined
  private openGroup: PendingAppend[] | undefined
  private queue: Promise<unknown> = Promise.resolve()
  private lastQueuedZxid: bigint
  private failure: unknown
  private closed = false

  private constructor(
    readonly dir: string,
    private readonly segments: Segment[],
    private readonly segmentBytes: number,
    private readonly maxRecordBytes: number,
    /** Set when open() cut off a torn or corrupt tail. */
    readonly truncatedTail: TruncatedTail | undefined,
  ) {
    this.lastQueuedZxid = this.lastZxid
  }

  /**
   * Opens (creating if needed) the log in `dir`. A bad record at the end is cut off and logged;
   * a bad record with durable records after it throws CORRUPT_LOG: that is damage, not a crash.
   */
  static async open(dir: string, options: TxnLogOptions = {}): Promise<TxnLog> {
    const segmentBytes = options.segmentBytes ?? DEFAULT_SEGMENT_BYTES
    const maxRecordBytes = options.maxRecordBytes ?? DEFAULT_MAX_RECORD_BYTES
    if (!(segmentBytes > SEGMENT_HEADER_BYTES)) throw new RangeError(`segmentBytes must exceed ${SEGMENT_HEADER_BYTES}`)
    await mkdir(dir, { recursive: true })
    const { segments, truncatedTail } = await recoverSegments(dir, maxRecordBytes, options.logger ?? stderrLogger)
    const log = new TxnLog(dir, segments, segmentBytes, maxRecordBytes, truncatedTail)
    const last = segments.at(-1)
    if (last !== undefined) log.active = await open(join(dir, last.name), 'r+')
    return log
  }

  /** The zxid of the last durable record, 0n when the log is empty. */
  get lastZxid(): bigint {
    return this.segments.at(-1)?.lastZxid ?? 0n
  }

  /** The zxid of the oldest record still kept, undefined when the log is empty. */
  get firstZxid(): bigint | undefined {
    return this.segments[0]?.firstZxid
  }

  get segmentNames(): string[] {
    return this.segments.map((segment) => segment.name)
  }

  /** Records with zxid > afterZxid in zxid order, read one segment at a time. */
  async *records(afterZxid = -1n): AsyncGenerator<TxnRecord> {
    const chosen = this.segments.filter((segment) => segment.lastZxid > afterZxid).map((segment) => ({ ...segment }))
    for (const segment of chosen) {
      const bytes = await readFile(join(this.dir, segment.name))
      for (const { record } of decodeSegment(bytes, segment.sizeBytes, this.maxRecordBytes)) {
        if (record.zxid > afterZxid) yield record
      }
    }
  }

  async readAll(afterZxid = -1n): Promise<TxnRecord[]> {
    const out: TxnRecord[] = []
    for await (const record of this.records(afterZxid)) out.push(record)
    return out
  }

  /**
   * Appends records (strictly increasing zxids, above everything appended so far) and resolves
   * once they are on disk. Calls made while a write is in flight form one group, written and
   * fsynced together after it (group commit); groups, truncates and purges keep call order.
   */
  append(records: readonly TxnRecord[]): Promise<void> {
    const unusable = this.unusable()
    if (unusable !== undefined) return Promise.reject(unusable)
    let previous = this.lastQueuedZxid
    for (const record of records) {
      if (record.zxid <= previous) {
        return Promise.reject(new StorageError('LOG_ORDER', `append of zxid 0x${record.zxid.toString(16)} after 0x${previous.toString(16)}`))
      }
      previous = record.zxid
    }
    if (records.length === 0) return this.queue.then(() => undefined)
    this.lastQueuedZxid = previous
    return new Promise<void>((resolve, reject) => {
      if (this.openGroup === undefined) this.startGroup()
      this.openGroup!.push({ records, resolve, reject })
    })
  }

  private startGroup(): void {
    const group: PendingAppend[] = []
    this.openGroup = group
    const written = this.enqueue(async () => {
      // From here on, new appends form the next group, queued behind this write.
      if (this.openGroup === group) this.openGroup = undefined
      await this.writeBatch(group.flatMap((item) => item.records))
    })
    written.then(
      () => {
        this.stats.appends += group.length
        for (const item of group) item.resolve()
      },
      (error: unknown) => {
        for (const item of group) item.reject(error)
      },
    )
  }

  /** Cuts every record with zxid > `zxid` (Zab's TRUNC) and makes the cut durable. */
  truncateAfter(zxid: bigint): Promise<void> {
    const unusable = this.unusable()
    if (unusable !== undefined) return Promise.reject(unusable)
    this.openGroup = undefined
    this.lastQueuedZxid = zxid < this.lastQueuedZxid ? zxid : this.lastQueuedZxid
    return this.enqueue(() => this.doTruncateAfter(zxid))
  }

  /**
   * Deletes whole segments whose records all have zxid <= `zxid` (covered by a kept snapshot).
   * The active segment is never deleted. Returns the number of segments removed.
   */
  purgeThrough(zxid: bigint): Promise<number> {
    const unusable = this.unusable()
    if (unusable !== undefined) return Promise.reject(unusable)
    this.openGroup = undefined
    return this.enqueue(async () => {
      let removed = 0
      while (this.segments.length > 1 && this.segments[1]!.firstZxid <= zxid + 1n && this.segments[0]!.lastZxid <= zxid) {
        await unlink(join(this.dir, this.segments[0]!.name))
        this.segments.shift()
        removed += 1
      }
      if (removed > 0) await fsyncDir(this.dir)
      return removed
    })
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    await this.queue.catch(() => undefined)
    await this.active?.close()
    this.active = undefined
  }

  private unusable(): StorageError | undefined {
    if (this.closed) return new StorageError('CLOSED', 'txn log is closed')
    if (this.failure !== undefined) return failedError(this.failure)
    return undefined
  }

  /** Runs mutations one at a time; a failed write or fsync poisons the log (never retry fsync). */
  private enqueue<T>(operation: () => Promise<T>): Promise<T> {
    const run = this.queue.then(async () => {
      if (this.failure !== undefined) throw failedError(this.failure)
      try {
        return await operation()
      } catch (error) {
        this.failure ??= error
        throw error
      }
    })
    this.queue = run.catch(() => undefined)
    return run
  }

  private async writeBatch(records: TxnRecord[]): Promise<void> {
    const bytes = encodeBatch(records)
    let segment = this.segments.at(-1)
    if (this.active === undefined || segment === undefined || segment.sizeBytes >= this.segmentBytes) {
      segment = await this.startSegment(records[0]!.zxid)
    }
    await writeFully(this.active!, bytes, segment.sizeBytes)
    await this.active!.datasync()
    segment.sizeBytes += bytes.length
    segment.records += records.length
    segment.lastZxid = records.at(-1)!.zxid
    this.stats.records += records.length
    this.stats.bytes += bytes.length
    this.stats.fsyncs += 1
  }

  private async startSegment(firstZxid: bigint): Promise<Segment> {
    const name = segmentName(firstZxid)
    const handle = await open(join(this.dir, name), 'wx')
    await this.active?.close()
    this.active = handle
    await writeFully(handle, encodeSegmentHeader(), 0)
    await handle.datasync()
    // The directory entry must be durable before any record in it is acknowledged.
    await fsyncDir(this.dir)
    const segment: Segment = { name, firstZxid, lastZxid: 0n, records: 0, sizeBytes: SEGMENT_HEADER_BYTES }
    this.segments.push(segment)
    return segment
  }

  private async doTruncateAfter(zxid: bigint): Promise<void> {
    let removedFiles = false
    while (this.segments.length > 0 && this.segments.at(-1)!.firstZxid > zxid) {
      const doomed = this.segments.pop()!
      await this.active?.close()
      this.active = undefined
      await unlink(join(this.dir, doomed.name))
      removedFiles = true
    }
    const last = this.segments.at(-1)
    if (last !== undefined) {
      this.active ??= await open(join(this.dir, last.name), 'r+')
      if (last.lastZxid > zxid) await this.cutSegment(last, zxid)
    }
    if (removedFiles) await fsyncDir(this.dir)
  }

  private async cutSegment(segment: Segment, zxid: bigint): Promise<void> {
    const bytes = await readFile(join(this.dir, segment.name))
    let keepBytes = SEGMENT_HEADER_BYTES
    let kept = 0
    let lastKept = 0n
    for (const { record, end } of decodeSegment(bytes, segment.sizeBytes, this.maxRecordBytes)) {
      if (record.zxid > zxid) break
      keepBytes = end
      kept += 1
      lastKept = record.zxid
    }
    await this.active!.truncate(keepBytes)
    await this.active!.sync()
    Object.assign(segment, { sizeBytes: keepBytes, records: kept, lastZxid: lastKept })
  }
}

function failedError(cause: unknown): StorageError {
  return new StorageError('LOG_FAILED', 'an earlier write or fsync of the txn log failed; reopen the log to recover', { cause })
}

function segmentName(firstZxid: bigint): string {
  return `${SEGMENT_PREFIX}${firstZxid.toString(16).padStart(16, '0')}`
}

function segmentZxid(name: string): bigint | undefined {
  const match = /^log\.([0-9a-f]{1,16})$/.exec(name)
  return match === null ? undefined : BigInt(`0x${match[1]}`)
}

async function listSegments(dir: string): Promise<{ name: string; zxid: bigint }[]> {
  const found: { name: string; zxid: bigint }[] = []
  for (const name of await readdir(dir)) {
    const zxid = segmentZxid(name)
    if (zxid !== undefined) found.push({ name, zxid })
  }
  return found.sort((a, b) => (a.zxid < b.zxid ? -1 : a.zxid > b.zxid ? 1 : 0))
}

/**
 * Validates every segment. Only the last one may end badly (a crash mid-append); that tail is
 * cut at the last good record. Anything bad before durable data refuses to start.
 */
async function recoverSegments(dir: string, maxRecordBytes: number, logger: StorageLogger): Promise<{ segments: Segment[]; truncatedTail?: TruncatedTail }> {
  const listed = await listSegments(dir)
  const segments: Segment[] = []
  let truncatedTail: TruncatedTail | undefined
  let lastZxid = -1n
  for (const [index, { name, zxid: namedZxid }] of listed.entries()) {
    const bytes = await readFile(join(dir, name))
    const scan = scanSegment(bytes, lastZxid, maxRecordBytes)
    const isLast = index === listed.length - 1
    assertSegmentSound(name, namedZxid, scan, isLast)
    if (scan.bad !== undefined) {
      truncatedTail = { file: name, offset: scan.bad.offset, droppedBytes: bytes.length - scan.validBytes, reason: scan.bad.reason, lastGoodZxid: scan.lastZxid ?? (lastZxid < 0n ? 0n : lastZxid) }
      logger('txn log: truncated a torn or corrupt tail at the last good record', { dir, ...truncatedTail })
    }
    if (scan.records === 0) {
      // A segment created by a crashed append, before any record in it was complete.
      await unlink(join(dir, name))
      await fsyncDir(dir)
      continue
    }
    if (scan.bad !== undefined) await truncateDurably(join(dir, name), scan.validBytes)
    segments.push({ name, firstZxid: scan.firstZxid!, lastZxid: scan.lastZxid!, records: scan.records, sizeBytes: scan.validBytes })
    lastZxid = scan.lastZxid!
  }
  return { segments, truncatedTail }
}

function assertSegmentSound(name: string, namedZxid: bigint, scan: SegmentScan, isLast: boolean): void {
  const where = (offset: number) => `${name} at offset ${offset}`
  if (scan.firstZxid !== undefined && scan.firstZxid !== namedZxid) {
    throw new StorageError('CORRUPT_LOG', `${name} starts with zxid 0x${scan.firstZxid.toString(16)}, not the zxid in its name`)
  }
  if (scan.bad !== undefined && !isLast) {
    throw new StorageError('CORRUPT_LOG', `bad record in ${where(scan.bad.offset)} (${scan.bad.reason}) with later segments after it: refusing to start`)
  }
  if (scan.bad?.durableAfter !== undefined) {
    const after = scan.bad.durableAfter
    throw new StorageError(
      'CORRUPT_LOG',
      `bad record in ${where(scan.bad.offset)} (${scan.bad.reason}) followed by a later durable batch (zxid 0x${after.zxid.toString(16)} at offset ${after.offset}): refusing to start`,
    )
  }
  if (scan.records === 0 && scan.bad === undefined && !isLast) {
    throw new StorageError('CORRUPT_LOG', `${name} holds no records but later segments exist: refusing to start`)
  }
}

async function truncateDurably(path: string, lengthBytes: number): Promise<void> {
  await truncate(path, lengthBytes)
  const handle = await open(path, 'r+')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}
