/**
 * Frames (their payloads: the 4-byte header is added when they are written) waiting for one
 * peer's socket, bounded in count and in payload bytes: a slow or absent peer costs at most
 * maxBytes of memory, whatever the sender does.
 */
export class SendQueue {
  private frames: Uint8Array[] = []
  private head = 0
  private queuedBytes = 0

  constructor(
    readonly maxFrames: number,
    readonly maxBytes: number,
  ) {
    if (!(maxFrames >= 1) || !(maxBytes >= 1)) throw new RangeError('queue bounds must be positive')
  }

  get length(): number {
    return this.frames.length - this.head
  }

  get bytes(): number {
    return this.queuedBytes
  }

  /** False (and nothing queued) when the frame would pass either bound. */
  offer(frame: Uint8Array): boolean {
    if (this.length + 1 > this.maxFrames || this.queuedBytes + frame.length > this.maxBytes) return false
    this.frames.push(frame)
    this.queuedBytes += frame.length
    return true
  }

  /** Removes and returns frames from the front, up to about `maxBytes` (at least one). */
  takeUpTo(maxBytes: number): Uint8Array[] {
    const taken: Uint8Array[] = []
    let takenBytes = 0
    while (this.head < this.frames.length && (taken.length === 0 || takenBytes + this.frames[this.head]!.length <= maxBytes)) {
      const frame = this.frames[this.head]!
      this.frames[this.head] = undefined as unknown as Uint8Array // let it be collected
      this.head += 1
      taken.push(frame)
      takenBytes += frame.length
    }
    this.queuedBytes -= takenBytes
    if (this.head > 1024 && this.head * 2 > this.frames.length) {
      this.frames = this.frames.slice(this.head)
      this.head = 0
    }
    return taken
  }

  clear(): number {
    const dropped = this.length
    this.frames = []
    this.head = 0
    this.queuedBytes = 0
    return dropped
  }
}
