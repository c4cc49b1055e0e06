// The simulated network between members: per-message delay, loss, duplication and reordering
// (a message may overtake earlier ones on the same path), one-way cuts and healing. A message
// in flight when its path is cut is dropped on arrival, as a broken TCP connection would lose it.
import type { EventQueue } from './queue.js'
import type { Prng } from './prng.js'

export interface NetConditions {
  readonly minDelayMs: number
  readonly maxDelayMs: number
  readonly lossRate: number
  readonly duplicateRate: number
  /** Chance that a message ignores FIFO order on its path. */
  readonly reorderRate: number
  /** Chance of an extra delay of up to spikeMs (a stalled connection). */
  readonly spikeRate: number
  readonly spikeMs: number
  /** A duplicate may arrive up to this much later: a stale packet from a long-gone connection. */
  readonly staleDuplicateMs: number
}

export const STABLE_NET: NetConditions = { minDelayMs: 1, maxDelayMs: 5, lossRate: 0, duplicateRate: 0, reorderRate: 0, spikeRate: 0, spikeMs: 0, staleDuplicateMs: 0 }

export type DropReason = 'loss' | 'cut' | 'cut in flight'

export interface NetworkHooks {
  deliver(from: number, fromIncarnation: number, to: number, bytes: Uint8Array): void
  dropped(from: number, to: number, bytes: Uint8Array, reason: DropReason): void
  duplicated(from: number, to: number, bytes: Uint8Array): void
}

const key = (from: number, to: number) => from * 65_536 + to

export class SimNetwork {
  conditions: NetConditions = STABLE_NET
  private readonly cuts = new Set<number>()
  private readonly lastArrival = new Map<number, number>()
  sent = 0

  constructor(
    private readonly q: EventQueue,
    private readonly rng: Prng,
    private readonly hooks: NetworkHooks,
  ) {}

  send(from: number, fromIncarnation: number, to: number, bytes: Uint8Array): void {
    this.sent++
    const c = this.conditions
    if (this.cuts.has(key(from, to))) return this.hooks.dropped(from, to, bytes, 'cut')
    if (this.rng.chance(c.lossRate)) return this.hooks.dropped(from, to, bytes, 'loss')
    const copies = this.rng.chance(c.duplicateRate) ? 2 : 1
    if (copies === 2) this.hooks.duplicated(from, to, bytes)
    for (let i = 0; i < copies; i++) {
      let arrival = this.q.now + this.rng.int(c.minDelayMs, c.maxDelayMs)
      if (this.rng.chance(c.spikeRate)) arrival += this.rng.int(0, c.spikeMs)
      const path = key(from, to)
      if (i === 1) {
        // The extra copy travels on its own and holds up nothing behind it.
        arrival += this.rng.int(0, c.staleDuplicateMs)
      } else {
        if (!this.rng.chance(c.reorderRate)) arrival = Math.max(arrival, this.lastArrival.get(path) ?? 0)
        this.lastArrival.set(path, Math.max(arrival, this.lastArrival.get(path) ?? 0))
      }
      this.q.at(arrival, () => {
        if (this.cuts.has(path)) this.hooks.dropped(from, to, bytes, 'cut in flight')
        else this.hooks.deliver(from, fromIncarnation, to, bytes)
      })
    }
  }

  cut(from: number, to: number): void {
    this.cuts.add(key(from, to))
  }

  isCut(from: number, to: number): boolean {
    return this.cuts.has(key(from, to))
  }

  healAll(): void {
    this.cuts.clear()
  }
}
