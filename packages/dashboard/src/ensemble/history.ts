/**
 * Chart data: one sample per member per poll in a ring of fixed size, so memory is bounded
 * however long the dashboard runs. Request rates come from counter deltas. Pure.
 */
import type { Sample } from '../shared/api.js'
import type { MemberMetrics, RequestCounter } from './member.js'

export class Ring<T> {
  private readonly items: T[] = []
  private start = 0

  constructor(readonly capacity: number) {
    if (!(Number.isInteger(capacity) && capacity > 0)) throw new RangeError(`ring capacity must be a positive integer, not ${capacity}`)
  }

  push(item: T): void {
    if (this.items.length < this.capacity) {
      this.items.push(item)
      return
    }
    this.items[this.start] = item
    this.start = (this.start + 1) % this.capacity
  }

  get size(): number {
    return this.items.length
  }

  /** Oldest first. */
  toArray(): T[] {
    return [...this.items.slice(this.start), ...this.items.slice(0, this.start)]
  }
}

export interface CounterReading {
  atMs: number
  total: number
  counter: RequestCounter
}

/**
 * Requests per second between two readings of the same counter; null when there is no earlier
 * reading, the counter changed kind, time did not advance, or it went backwards (a restart).
 */
export function requestRate(previous: CounterReading | undefined, current: CounterReading): number | null {
  if (previous === undefined || previous.counter !== current.counter) return null
  const elapsedMs = current.atMs - previous.atMs
  const delta = current.total - previous.total
  if (elapsedMs <= 0 || delta < 0) return null
  return (delta * 1000) / elapsedMs
}

const orNull = (value: number | undefined): number | null => (value === undefined ? null : value)

export class History {
  private readonly rings = new Map<string, Ring<Sample>>()
  private readonly lastReading = new Map<string, CounterReading>()

  constructor(readonly capacity: number) {}

  /** Records one poll of a member and returns its sample (nulls when it gave no figures). */
  record(key: string, atMs: number, metrics: MemberMetrics | undefined): Sample {
    let rate: number | null = null
    if (metrics?.requestsTotal !== undefined && metrics.requestCounter !== undefined) {
      const reading = { atMs, total: metrics.requestsTotal, counter: metrics.requestCounter }
      rate = requestRate(this.lastReading.get(key), reading)
      this.lastReading.set(key, reading)
    } else {
      this.lastReading.delete(key)
    }
    const sample: Sample = {
      t: atMs,
      requestsPerSec: rate,
      readP50Ms: orNull(metrics?.readP50Ms),
      readP99Ms: orNull(metrics?.readP99Ms),
      writeP50Ms: orNull(metrics?.writeP50Ms),
      writeP99Ms: orNull(metrics?.writeP99Ms),
    }
    let ring = this.rings.get(key)
    if (!ring) this.rings.set(key, (ring = new Ring<Sample>(this.capacity)))
    ring.push(sample)
    return sample
  }

  /** Keeps only these members (a member gone from the config leaves the charts). */
  retain(keys: ReadonlySet<string>): void {
    for (const key of [...this.rings.keys()]) {
      if (keys.has(key)) continue
      this.rings.delete(key)
      this.lastReading.delete(key)
    }
  }

  snapshot(): Record<string, Sample[]> {
    return Object.fromEntries([...this.rings].map(([key, ring]) => [key, ring.toArray()]))
  }
}
