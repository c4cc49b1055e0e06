// Length-prefixed framing of the client port (protocol reference §1). The length is checked the
// moment its 4 bytes are in, exactly as Apache's NIOServerCnxn.readLength, before any body is buffered.
import { DEFAULT_MAX_FRAME_BYTES } from './constants.js'
import { ProtocolError } from './errors.js'

const LENGTH_BYTES = 4

export interface FrameDecoderOptions {
  /** Largest body accepted (Apache: jute.maxbuffer, 0xfffff). */
  maxFrameBytes?: number
}

/**
 * Splits a byte stream into frame bodies. Chunks may be split or coalesced anywhere. A body that
 * arrives whole inside one chunk is returned as a view of that chunk (no copy); a body spread over
 * chunks is copied once into a buffer of its exact size. After an error every push throws it again.
 */
export class FrameDecoder {
  readonly maxFrameBytes: number
  private readonly lengthBuf = Buffer.alloc(LENGTH_BYTES)
  private lengthBytes = 0
  private body: Buffer | null = null
  private bodyBytes = 0
  private failure: ProtocolError | null = null

  constructor(options: FrameDecoderOptions = {}) {
    const maxFrameBytes = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES
    if (!Number.isInteger(maxFrameBytes) || maxFrameBytes < 0 || maxFrameBytes > 0x7fffffff) {
      throw new RangeError(`maxFrameBytes ${maxFrameBytes}`)
    }
    this.maxFrameBytes = maxFrameBytes
  }

  /** Bytes held for an incomplete frame (at most maxFrameBytes + 4). */
  get bufferedBytes(): number {
    return this.lengthBytes + this.bodyBytes
  }

  /** Returns the bodies of the frames this chunk completes, in order. */
  push(chunk: Uint8Array): Buffer[] {
    if (this.failure !== null) throw this.failure
    const buf = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)
    const frames: Buffer[] = []
    let pos = 0
    while (pos < buf.length) {
      if (this.body !== null) {
        pos = this.fillBody(buf, pos, frames)
      } else if (this.lengthBytes === 0 && buf.length - pos >= LENGTH_BYTES) {
        // The common case: the length is whole in this chunk, and often the body too.
        const len = this.checkLength(buf.readInt32BE(pos))
        pos += LENGTH_BYTES
        if (buf.length - pos >= len) {
          frames.push(buf.subarray(pos, pos + len))
          pos += len
        } else {
          this.startBody(len)
        }
      } else {
        pos = this.fillLength(buf, pos, frames)
      }
    }
    return frames
  }

  private fillLength(buf: Buffer, pos: number, frames: Buffer[]): number {
    const take = Math.min(LENGTH_BYTES - this.lengthBytes, buf.length - pos)
    buf.copy(this.lengthBuf, this.lengthBytes, pos, pos + take)
    this.lengthBytes += take
    if (this.lengthBytes === LENGTH_BYTES) {
      this.lengthBytes = 0
      const len = this.checkLength(this.lengthBuf.readInt32BE(0))
      if (len === 0) frames.push(Buffer.alloc(0))
      else this.startBody(len)
    }
    return pos + take
  }

  private fillBody(buf: Buffer, pos: number, frames: Buffer[]): number {
    const body = this.body as Buffer
    const take = Math.min(body.length - this.bodyBytes, buf.length - pos)
    buf.copy(body, this.bodyBytes, pos, pos + take)
    this.bodyBytes += take
    if (this.bodyBytes === body.length) {
      frames.push(body)
      this.body = null
      this.bodyBytes = 0
    }
    return pos + take
  }

  private startBody(len: number): void {
    // Safe to allocate: checkLength bounded len by maxFrameBytes.
    this.body = Buffer.allocUnsafe(len)
    this.bodyBytes = 0
  }

  private checkLength(len: number): number {
    if (len < 0 || len > this.maxFrameBytes) {
      this.failure = new ProtocolError('frame-too-large', `frame length ${len} (max ${this.maxFrameBytes})`)
      throw this.failure
    }
    return len
  }
}

/** Prefixes a body with its length. */
export function encodeFrame(body: Uint8Array): Buffer {
  const frame = Buffer.allocUnsafe(LENGTH_BYTES + body.length)
  frame.writeInt32BE(body.length, 0)
  frame.set(body, LENGTH_BYTES)
  return frame
}

/** The four-letter words Apache 3.8 knows (server.command.FourLetterCommands). */
export const FOUR_LETTER_WORDS = [
  'conf', 'cons', 'crst', 'dirs', 'dump', 'envi', 'gtmk', 'hash', 'isro', 'mntr', 'ruok', 'srst', 'srvr', 'stat', 'stmk',
  'wchc', 'wchp', 'wchs',
] as const
export type FourLetterWord = (typeof FOUR_LETTER_WORDS)[number]
const fourLetterWords = new Set<string>(FOUR_LETTER_WORDS)

/**
 * Apache reads a connection's first 4 bytes as a frame length, but first checks whether they spell
 * a known four-letter word (NIOServerCnxn.checkFourLetterWord); as lengths they would all be far
 * over the frame limit. A server calls this on those bytes before feeding FrameDecoder.
 * (`stmk` is followed by an 8-byte trace mask.)
 */
export function fourLetterWordOf(firstBytes: Uint8Array): FourLetterWord | undefined {
  if (firstBytes.length < LENGTH_BYTES) return undefined
  const word = Buffer.from(firstBytes.buffer, firstBytes.byteOffset, LENGTH_BYTES).toString('latin1')
  return fourLetterWords.has(word) ? (word as FourLetterWord) : undefined
}
