/**
 * The consumer's side of a watch: an async iterator of updates, each a snapshot and the events
 * since the snapshot delivered before it. Reads publish snapshots at their own pace; only the
 * newest is kept (one slot: memory stays bounded however slow the consumer), and its events are
 * computed against what the consumer last saw, so a coalesced update is still a correct step.
 */
import { diffSnapshots, type GroupSnapshot, type MembershipEvent } from './snapshot.js'

export interface GroupUpdate<T> {
  snapshot: GroupSnapshot<T>
  /** from the previous update's snapshot to this one (for the first: a join per member) */
  events: MembershipEvent<T>[]
  /** the first update of this watch */
  initial: boolean
  /** how many reads this update folds together (1 unless the consumer was slower than the changes) */
  reads: number
}

const MAX_TRACKED_CHANGES = 100_000

export class UpdateStream<T> implements AsyncIterableIterator<GroupUpdate<T>> {
  private latest: GroupSnapshot<T> | undefined
  private delivered: GroupSnapshot<T> | undefined
  private reads = 0
  /** ids that may differ between `delivered` and `latest`; undefined: any may */
  private changed: Set<string> | undefined = new Set()
  private waiter: { resolve: (result: IteratorResult<GroupUpdate<T>>) => void; reject: (error: unknown) => void } | undefined
  private ended = false
  private failure: { error: unknown } | undefined

  constructor(private readonly onClose: () => void) {}

  get closed(): boolean {
    return this.ended || this.failure !== undefined
  }

  /** the newest snapshot read, delivered or not */
  get current(): GroupSnapshot<T> | undefined {
    return this.latest
  }

  /** A new snapshot; `changed`: the ids that may differ from the one published before (default: any). */
  publish(snapshot: GroupSnapshot<T>, changed?: Iterable<string>): void {
    if (this.closed) return
    this.latest = snapshot
    this.reads++
    if (changed === undefined) this.changed = undefined
    else if (this.changed) {
      for (const id of changed) this.changed.add(id)
      // Bounded: past this, comparing everything is as cheap as tracking.
      if (this.changed.size > MAX_TRACKED_CHANGES) this.changed = undefined
    }
    if (!this.waiter) return
    const update = this.take()
    if (!update) return
    const { resolve } = this.waiter
    this.waiter = undefined
    resolve({ value: update, done: false })
  }

  end(): void {
    if (this.closed) return
    this.ended = true
    this.settleWaiter()
    this.onClose()
  }

  fail(error: unknown): void {
    if (this.closed) return
    this.failure = { error }
    this.settleWaiter()
    this.onClose()
  }

  next(): Promise<IteratorResult<GroupUpdate<T>>> {
    const update = this.take()
    if (update) return Promise.resolve({ value: update, done: false })
    if (this.failure) {
      const { error } = this.failure
      this.failure = undefined
      this.ended = true
      return Promise.reject(error)
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true })
    if (this.waiter) return Promise.reject(new Error('watch: next() called again before the previous call settled'))
    return new Promise((resolve, reject) => (this.waiter = { resolve, reject }))
  }

  return(): Promise<IteratorResult<GroupUpdate<T>>> {
    this.latest = this.delivered
    if (!this.closed) {
      this.ended = true
      this.settleWaiter()
      this.onClose()
    }
    return Promise.resolve({ value: undefined, done: true })
  }

  [Symbol.asyncIterator](): this {
    return this
  }

  /** The update from what was delivered to the newest snapshot, if it changes anything. */
  private take(): GroupUpdate<T> | undefined {
    const latest = this.latest
    if (latest === undefined || latest === this.delivered) return undefined
    const initial = this.delivered === undefined
    const events = diffSnapshots(this.delivered, latest, initial ? undefined : this.changed)
    const reads = this.reads
    this.delivered = latest
    this.reads = 0
    this.changed = new Set()
    if (!initial && events.length === 0) return undefined
    return { snapshot: latest, events, initial, reads }
  }

  private settleWaiter(): void {
    const waiter = this.waiter
    if (!waiter) return
    this.waiter = undefined
    if (this.failure) {
      const { error } = this.failure
      this.failure = undefined
      this.ended = true
      waiter.reject(error)
    } else waiter.resolve({ value: undefined, done: true })
  }
}
