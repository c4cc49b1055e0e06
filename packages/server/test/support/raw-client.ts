// A bare TCP client for tests: sends bytes, reads whole frames, notices the close.
import { connect } from 'node:net'
import type { Socket } from 'node:net'
import { encodeConnectRequest, decodeConnectResponse, FrameDecoder } from '@zoo/protocol'
import type { ConnectResponse } from '@zoo/protocol'

export class RawClient {
  private readonly decoder = new FrameDecoder({ maxFrameBytes: 1 << 24 })
  private readonly frames: Buffer[] = []
  private waiters: (() => void)[] = []
  closed = false
  raw = Buffer.alloc(0)

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.raw = Buffer.concat([this.raw, chunk])
      try {
        this.frames.push(...this.decoder.push(chunk))
      } catch {
        // Not framed (a four-letter-word answer): the test reads `raw`.
      }
      this.wake()
    })
    socket.on('close', () => {
      this.closed = true
      this.wake()
    })
    socket.on('error', () => {})
  }

  static async connect(port: number): Promise<RawClient> {
    const socket = connect({ port, host: '127.0.0.1' })
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve)
      socket.once('error', reject)
    })
    return new RawClient(socket)
  }

  /** Connects and completes the handshake. */
  static async session(port: number, timeOut = 30_000): Promise<{ client: RawClient; response: ConnectResponse }> {
    const client = await RawClient.connect(port)
    client.send(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOut, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false }))
    const response = decodeConnectResponse(await client.frame())
    return { client, response }
  }

  send(bytes: Buffer): void {
    this.socket.write(bytes)
  }

  private wake(): void {
    const waiters = this.waiters
    this.waiters = []
    for (const w of waiters) w()
  }

  private async until(ready: () => boolean, timeoutMs: number, what: string): Promise<void> {
    const deadline = Date.now() + timeoutMs
    while (!ready()) {
      const left = deadline - Date.now()
      if (left <= 0) throw new Error(`timed out waiting for ${what}`)
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left)
        this.waiters.push(() => {
          clearTimeout(timer)
          resolve()
        })
      })
    }
  }

  async frame(timeoutMs = 5_000): Promise<Buffer> {
    await this.until(() => this.frames.length > 0 || this.closed, timeoutMs, 'a frame')
    const frame = this.frames.shift()
    if (frame === undefined) throw new Error('connection closed before a frame arrived')
    return frame
  }

  async waitClosed(timeoutMs = 5_000): Promise<void> {
    await this.until(() => this.closed, timeoutMs, 'the connection to close')
  }

  /** Nothing more arrives within `ms` (and the connection stays open). */
  async quiet(ms: number): Promise<boolean> {
    await new Promise((resolve) => setTimeout(resolve, ms))
    return this.frames.length === 0 && !this.closed
  }

  destroy(): void {
    this.socket.destroy()
  }
}
