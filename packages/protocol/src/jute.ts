// Jute, ZooKeeper's big-endian record encoding (protocol reference §1).
// The reader trusts nothing: every length is checked against the bytes left in the frame and the
// record-length cap before anything is allocated, so hostile input costs at most the frame it came in.
import { DEFAULT_MAX_FRAME_BYTES, NULL_LENGTH, RECORD_LENGTH_SLACK_BYTES } from './constants.js'
import { ProtocolError } from './errors.js'

const TWO_POW_32 = 4294967296
const DEFAULT_INITIAL_BYTES = 256
const FRAME_PREFIX_BYTES = 4

/** Stores the low 32 bits of n big-endian (typed-array stores wrap modulo 256). */
function putInt32(buf: Buffer, at: number, n: number): void {
  buf[at] = n >>> 24
  buf[at + 1] = n >>> 16
  buf[at + 2] = n >>> 8
  buf[at + 3] = n
}

function getInt32(buf: Buffer, at: number): number {
  return ((buf[at] as number) << 24) | ((buf[at + 1] as number) << 16) | ((buf[at + 2] as number) << 8) | (buf[at + 3] as number)
}

export type WriteItem<T> = (w: JuteWriter, item: T) => void
export type ReadItem<T> = (r: JuteReader) => T

/** A growable output buffer (capacity doubles), written with Buffer's big-endian methods. */
export class JuteWriter {
  private buf: Buffer
  private offset = 0

  constructor(initialBytes = DEFAULT_INITIAL_BYTES) {
    this.buf = Buffer.allocUnsafe(Math.max(16, initialBytes))
  }

  /** A writer whose first 4 bytes are reserved for the frame length; finish with `frame()`. */
  static framed(initialBytes = DEFAULT_INITIAL_BYTES): JuteWriter {
    const w = new JuteWriter(initialBytes)
    w.beginFrame()
    return w
  }

  /** Bytes written so far. */
  get length(): number {
    return this.offset
  }

  /** Reserves a 4-byte length prefix here; returns its position for `endFrame`. */
  beginFrame(): number {
    const start = this.offset
    this.reserve(FRAME_PREFIX_BYTES)
    this.offset += FRAME_PREFIX_BYTES
    return start
  }

  /** Fills in the length prefix reserved at `start` with the bytes written since. */
  endFrame(start: number): void {
    const bodyBytes = this.offset - start - FRAME_PREFIX_BYTES
    if (start < 0 || bodyBytes < 0) throw new RangeError(`no frame begun at ${start}`)
    this.buf.writeInt32BE(bodyBytes, start)
  }

  /** For a writer made by `framed()`: fills the length prefix and returns the whole frame. */
  frame(): Buffer {
    this.endFrame(0)
    return this.toBuffer()
  }

  /** The bytes written, as a view of the writer's memory (copy it if you keep it for long). */
  toBuffer(): Buffer {
    return this.buf.subarray(0, this.offset)
  }

  /** Makes room for `bytes` more bytes. */
  reserve(bytes: number): void {
    const needed = this.offset + bytes
    if (needed <= this.buf.length) return
    let capacity = this.buf.length * 2
    while (capacity < needed) capacity *= 2
    const next = Buffer.allocUnsafe(capacity)
    this.buf.copy(next, 0, 0, this.offset)
    this.buf = next
  }

  int(n: number): void {
    if (n !== (n | 0)) throw new RangeError(`int out of range: ${n}`)
    this.reserve(4)
    putInt32(this.buf, this.offset, n)
    this.offset += 4
  }

  long(v: bigint): void {
    this.reserve(8)
    const n = Number(v)
    if (n <= Number.MAX_SAFE_INTEGER && n >= -Number.MAX_SAFE_INTEGER) {
      // Exact in a double: Number arithmetic avoids writeBigInt64BE's BigInt allocations.
      const hi = Math.floor(n / TWO_POW_32)
      putInt32(this.buf, this.offset, hi)
      putInt32(this.buf, this.offset + 4, n - hi * TWO_POW_32)
      this.offset += 8
    } else {
      this.offset = this.buf.writeBigInt64BE(v, this.offset)
    }
  }

  bool(b: boolean): void {
    this.reserve(1)
    this.buf[this.offset++] = b ? 1 : 0
  }

  buffer(b: Uint8Array | null): void {
    if (b === null) return this.int(NULL_LENGTH)
    this.reserve(4 + b.length)
    putInt32(this.buf, this.offset, b.length)
    this.offset += 4
    this.buf.set(b, this.offset)
    this.offset += b.length
  }

  ustring(s: string | null): void {
    if (s === null) return this.int(NULL_LENGTH)
    // UTF-8 needs at most 3 bytes per UTF-16 unit; reserve that, then write and backfill the length.
    this.reserve(4 + s.length * 3)
    const bytes = this.buf.write(s, this.offset + 4, 'utf8')
    putInt32(this.buf, this.offset, bytes)
    this.offset += 4 + bytes
  }

  vector<T>(items: readonly T[] | null, writeItem: WriteItem<T>): void {
    if (items === null) return this.int(NULL_LENGTH)
    this.int(items.length)
    for (let i = 0; i < items.length; i++) writeItem(this, items[i] as T)
  }

  /** Raw bytes, no length prefix. */
  raw(b: Uint8Array): void {
    this.reserve(b.length)
    this.buf.set(b, this.offset)
    this.offset += b.length
  }
}

export interface JuteReaderOptions {
  /** Cap on a buffer/ustring length inside a record (Apache: jute.maxbuffer + 1 KiB slack). */
  maxLengthBytes?: number
  /** Copy buffers out of the frame (default) instead of returning views that pin the frame's memory. */
  copyBuffers?: boolean
}

const DEFAULT_MAX_LENGTH_BYTES = DEFAULT_MAX_FRAME_BYTES + RECORD_LENGTH_SLACK_BYTES

/** Reads jute values from one frame body; malformed input raises ProtocolError, never anything else. */
export class JuteReader {
  readonly buf: Buffer
  offset: number
  readonly end: number
  readonly maxLengthBytes: number
  readonly copyBuffers: boolean

  constructor(buf: Buffer, options?: JuteReaderOptions, start = 0, end = buf.length) {
    if (start < 0 || end > buf.length || start > end) throw new RangeError(`bad reader window ${start}..${end}`)
    this.buf = buf
    this.offset = start
    this.end = end
    this.maxLengthBytes = options?.maxLengthBytes ?? DEFAULT_MAX_LENGTH_BYTES
    this.copyBuffers = options?.copyBuffers ?? true
  }

  get remaining(): number {
    return this.end - this.offset
  }

  get atEnd(): boolean {
    return this.offset === this.end
  }

  /** Asserts the record consumed the whole frame. */
  done(): void {
    if (this.offset !== this.end) {
      throw new ProtocolError('trailing-bytes', `${this.end - this.offset} bytes after the record`, { offset: this.offset })
    }
  }

  private need(bytes: number, what: string): void {
    if (this.end - this.offset < bytes) {
      throw new ProtocolError('truncated', `${what} needs ${bytes} bytes, ${this.end - this.offset} left`, { offset: this.offset })
    }
  }

  int(): number {
    this.need(4, 'int')
    const v = getInt32(this.buf, this.offset)
    this.offset += 4
    return v
  }

  long(): bigint {
    this.need(8, 'long')
    const hi = getInt32(this.buf, this.offset)
    const lo = getInt32(this.buf, this.offset + 4) >>> 0
    this.offset += 8
    // |hi| < 2^21 keeps hi * 2^32 + lo exact in a double: one BigInt conversion instead of three.
    if (hi < 0x200000 && hi >= -0x200000) return BigInt(hi * TWO_POW_32 + lo)
    return (BigInt(hi) << 32n) | BigInt(lo)
  }

  /** Any non-zero byte is true, as Java's DataInput.readBoolean. */
  bool(): boolean {
    this.need(1, 'boolean')
    return this.buf[this.offset++] !== 0
  }

  /** Reads a length; -1 is null; anything else must be >= 0, under the cap, and inside the frame. */
  private length(what: string): number {
    const at = this.offset
    const len = this.int()
    if (len === NULL_LENGTH) return len
    if (len < 0 || len > this.maxLengthBytes) {
      throw new ProtocolError('bad-length', `${what} length ${len}`, { offset: at })
    }
    if (len > this.end - this.offset) {
      throw new ProtocolError('truncated', `${what} length ${len} past the frame (${this.end - this.offset} left)`, { offset: at })
    }
    return len
  }

  buffer(): Buffer | null {
    const len = this.length('buffer')
    if (len === NULL_LENGTH) return null
    const start = this.offset
    this.offset += len
    if (!this.copyBuffers) return this.buf.subarray(start, this.offset)
    const out = Buffer.allocUnsafe(len)
    this.buf.copy(out, 0, start, this.offset)
    return out
  }

  ustring(): string | null {
    const len = this.length('ustring')
    if (len === NULL_LENGTH) return null
    const start = this.offset
    this.offset += len
    return this.buf.toString('utf8', start, this.offset)
  }

  /** A ustring that the record requires (a path, a name): null is malformed. */
  string(): string {
    const at = this.offset
    const s = this.ustring()
    if (s === null) throw new ProtocolError('malformed', 'null where a string is required', { offset: at })
    return s
  }

  /**
   * `minItemBytes` is the smallest encoding of one item, so a count the frame cannot hold fails
   * before anything is allocated.
   */
  vector<T>(readItem: ReadItem<T>, minItemBytes = 1): T[] | null {
    const at = this.offset
    const count = this.int()
    if (count === NULL_LENGTH) return null
    if (count < 0) throw new ProtocolError('bad-length', `vector count ${count}`, { offset: at })
    if (count * minItemBytes > this.end - this.offset) {
      throw new ProtocolError('truncated', `vector of ${count} past the frame`, { offset: at })
    }
    const items: T[] = []
    for (let i = 0; i < count; i++) items.push(readItem(this))
    return items
  }

  /** A vector that the record requires: null is malformed. */
  list<T>(readItem: ReadItem<T>, minItemBytes = 1): T[] {
    const at = this.offset
    const items = this.vector(readItem, minItemBytes)
    if (items === null) throw new ProtocolError('malformed', 'null where a vector is required', { offset: at })
    return items
  }
}

/** Item readers/writers for vector<ustring>, shared so no closure is made per call. */
export const writeStringItem: WriteItem<string> = (w, s) => w.ustring(s)
export const readStringItem: ReadItem<string> = (r) => r.string()
/** A ustring is at least its 4-byte length. */
export const MIN_STRING_BYTES = 4
