/**
 * The re-read loop behind a watch (membership's group, config-watcher's node). Every sign of
 * change asks for a read: of some entries by name, or of everything. Requests during a pass are
 * gathered and served by one more pass after it, so a burst of N events costs at most two
 * passes, and the last pass always starts after the last event: the last read happens after
 * every change it must show. A failed pass keeps its work and is retried as the policy says.
 */
import { sleep } from './signals.js'

export interface ReadWork {
  /** read everything (first read, after a reconnect, or when names overflowed) */
  full: boolean
  /** entries (e.g. member node names) to read again */
  names: ReadonlySet<string>
}

/** Given a failed pass and how many failed in a row (from 0): the delay before the next, or undefined to stop. */
export type RetryPolicy = (error: unknown, attempt: number) => number | undefined

export class Rereader {
  private full = false
  private names = new Set<string>()
  private running = false
  private readonly stopper = new AbortController()
  /** passes completed (for tests and benchmarks) */
  passes = 0

  constructor(
    private readonly pass: (work: ReadWork) => Promise<void>,
    private readonly retry: RetryPolicy,
    /** beyond this many pending names, one full read is cheaper and bounds the set */
    private readonly maxNames = 4_096,
  ) {
    if (!(Number.isInteger(maxNames) && maxNames > 0)) throw new RangeError(`maxNames must be a positive integer, not ${maxNames}`)
  }

  get stopped(): boolean {
    return this.stopper.signal.aborted
  }

  requestFull(): void {
    this.full = true
    this.names.clear()
    this.kick()
  }

  request(name: string): void {
    if (this.full) return this.kick()
    this.names.add(name)
    if (this.names.size > this.maxNames) this.requestFull()
    else this.kick()
  }

  stop(): void {
    this.stopper.abort()
  }

  private kick(): void {
    if (!this.running && !this.stopped) void this.run()
  }

  private take(): ReadWork | undefined {
    if (!this.full && this.names.size === 0) return undefined
    const work = { full: this.full, names: this.names }
    this.full = false
    this.names = new Set()
    return work
  }

  private putBack(work: ReadWork): void {
    if (work.full) return this.requestFullQuietly()
    for (const name of work.names) this.names.add(name)
    if (this.names.size > this.maxNames) this.requestFullQuietly()
  }

  private requestFullQuietly(): void {
    this.full = true
    this.names.clear()
  }

  private async run(): Promise<void> {
    this.running = true
    let attempt = 0
    try {
      for (let work = this.take(); work && !this.stopped; work = this.take()) {
        try {
          await this.pass(work)
          this.passes++
          attempt = 0
        } catch (error) {
          if (this.stopped) return
          this.putBack(work)
          const delayMs = this.retry(error, attempt++)
          if (delayMs === undefined) return this.stop()
          await sleep(delayMs, this.stopper.signal).catch(() => undefined)
        }
      }
    } finally {
      this.running = false
    }
  }
}

/**
 * Retry delay after `attempt` failures in a row (from 0): a ceiling doubling from `initialMs` up
 * to `maxMs`, and a delay drawn from its upper half (jitter, so retrying clients spread out).
 */
export function jitteredBackoffMs(attempt: number, initialMs: number, maxMs: number, random: () => number = Math.random): number {
  const ceilingMs = Math.min(maxMs, initialMs * 2 ** Math.min(attempt, 30))
  return Math.round(ceilingMs / 2 + (random() * ceilingMs) / 2)
}
