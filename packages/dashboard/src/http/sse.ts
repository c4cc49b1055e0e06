/**
 * Server-sent events to one page, bounded: a page that does not read (its buffer past
 * `maxBufferedBytes`) is cut off rather than letting the server's memory grow; the browser's
 * EventSource reconnects by itself.
 */
import type { ServerResponse } from 'node:http'

export class EventStream {
  private closed = false
  private readonly heartbeat: NodeJS.Timeout
  private readonly closeListeners: (() => void)[] = []

  constructor(
    private readonly response: ServerResponse,
    private readonly maxBufferedBytes: number,
    heartbeatMs = 15_000,
  ) {
    response.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    response.write('retry: 1000\n\n')
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), heartbeatMs)
    this.heartbeat.unref()
    response.once('close', () => this.close())
  }

  get isClosed(): boolean {
    return this.closed
  }

  onClose(listener: () => void): void {
    if (this.closed) listener()
    else this.closeListeners.push(listener)
  }

  send(event: string, data: unknown): void {
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`)
  }

  close(): void {
    if (this.closed) return
    this.closed = true
    clearInterval(this.heartbeat)
    this.response.end()
    for (const listener of this.closeListeners.splice(0)) listener()
  }

  private write(text: string): void {
    if (this.closed) return
    if (this.response.writableLength > this.maxBufferedBytes) return this.close()
    this.response.write(text)
  }
}
