/**
 * One re-read loop per watcher, shared by the backends. Any sign of change calls `request()`;
 * a request during a pass makes one more pass afterwards, so a burst of N signals costs at
 * most two passes and the last pass always starts after the last signal. A pass that throws
 * is retried with backoff while `onError` says so.
 */
import { retryDelayMs, sleep } from './backoff.js'

export class ReadLoop {
  private dirty = false
  private running = false
  private stopped = false

  constructor(
    private readonly pass: () => Promise<void>,
    /** `attempt` counts failures in a row from 0; returns false to stop (reported as fatal) */
    private readonly onError: (error: unknown, attempt: number) => boolean,
  ) {}

  request(): void {
    if (this.stopped) return
    this.dirty = true
    if (!this.running) void this.run()
  }

  stop(): void {
    this.stopped = true
  }

  private async run(): Promise<void> {
    this.running = true
    let attempt = 0
    try {
      while (this.dirty && !this.stopped) {
        this.dirty = false
        try {
          await this.pass()
          attempt = 0
        } catch (error) {
          if (this.stopped) return
          this.dirty = true
          if (!this.onError(error, attempt)) return this.stop()
          await sleep(retryDelayMs(attempt++))
        }
      }
    } finally {
      this.running = false
    }
  }
}
