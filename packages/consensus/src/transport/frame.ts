import { TransportError } from './errors.js'

// Between members every frame is `u32 length (big-endian) | length bytes`.
export const FRAME_HEADER_BYTES = 4

export function checkFrameBytes(payload: Uint8Array, maxFrameBytes: number): void {
  if (payload.length > maxFrameBytes) {
    throw new TransportError('FRAME_TOO_LARGE', `frame of ${payload.length} bytes exceeds maxFrameBytes ${maxFrameBytes}`)
  }
}

export function encodeFrame(payload: Uint8Array, maxFrameBytes: number): Buffer {
  checkFrameBytes(payload, maxFrameBytes)
  const frame = Buffer.allocUnsafe(FRAME_HEADER_BYTES + payload.length)
  frame.writeUInt32BE(payload.length, 0)
  frame.set(payload, FRAME_HEADER_BYTES)
  return frame
}

/** The frames of `payloads` (each already checked against maxFrameBytes), back to back in one buffer. */
export function framePayloads(payloads: readonly Uint8Array[]): Buffer {
  let total = 0
  for (const p of payloads) total += FRAME_HEADER_BYTES + p.length
  const out = Buffer.allocUnsafe(total)
  let at = 0
  for (const p of payloads) {
    out.writeUInt32BE(p.length, at)
    out.set(p, at + FRAME_HEADER_BYTES)
    at += FRAME_HEADER_BYTES + p.length
  }
  return out
}

/**
 * Splits a byte stream into frames. A frame's length is checked against `maxFrameBytes` before
 * its payload is buffered, so a peer announcing a huge frame costs us only its 4 header bytes.
 * The limit may change between frames (a handshake frame is smaller than the rest).
 */
export class FrameDecoder {
  private chunks: Buffer[] = []
  private bufferedBytes = 0

  constructor(public maxFrameBytes: number) {}

  append(chunk: Buffer): void {
    this.chunks.push(chunk)
    this.bufferedBytes += chunk.length
  }

  /** The next whole frame's payload, or undefined; throws FRAME_TOO_LARGE (stream unusable). */
  next(): Buffer | undefined {
    if (this.bufferedBytes < FRAME_HEADER_BYTES) return undefined
    const length = this.peekLength()
    if (length > this.maxFrameBytes) {
      throw new TransportError('FRAME_TOO_LARGE', `peer sent a frame of ${length} bytes, above maxFrameBytes ${this.maxFrameBytes}`)
    }
    if (this.bufferedBytes < FRAME_HEADER_BYTES + length) return undefined
    return this.take(FRAME_HEADER_BYTES + length).subarray(FRAME_HEADER_BYTES)
  }

  get pendingBytes(): number {
    return this.bufferedBytes
  }

  private peekLength(): number {
    if (this.chunks[0]!.length < FRAME_HEADER_BYTES) this.chunks = [Buffer.concat(this.chunks)]
    return this.chunks[0]!.readUInt32BE(0)
  }

  private take(bytes: number): Buffer {
    const first = this.chunks[0]!
    let taken: Buffer
    if (first.length >= bytes) {
      taken = first.subarray(0, bytes)
      if (first.length === bytes) this.chunks.shift()
      else this.chunks[0] = first.subarray(bytes)
    } else {
      const joined = Buffer.concat(this.chunks)
      taken = joined.subarray(0, bytes)
      this.chunks = joined.length > bytes ? [joined.subarray(bytes)] : []
    }
    this.bufferedBytes -= bytes
    return taken
  }
}
