/**
 * A bounded FIFO on a growable ring buffer: O(1) push and shift without Array#shift's copying,
 * which matters with tens of thousands of pipelined requests in flight.
 */
export class BoundedQueue<T> {
  private items: (T | undefined)[]
  private head = 0
  private count = 0

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new RangeError(`capacity must be a positive integer, got ${capacity}`)
    this.items = new Array(Math.min(capacity, 16))
  }

  get length(): number {
    return this.count
  }

  get full(): boolean {
    return this.count >= this.capacity
  }

  /** Returns false (and keeps nothing) when the queue is at capacity. */
  push(item: T): boolean {
    if (this.count >= this.capacity) return false
    if (this.count === this.items.length) this.grow()
    this.items[(this.head + this.count) % this.items.length] = item
    this.count++
    return true
  }

  peek(): T | undefined {
    return this.count === 0 ? undefined : this.items[this.head]
  }

  shift(): T | undefined {
    if (this.count === 0) return undefined
    const item = this.items[this.head]
    this.items[this.head] = undefined
    this.head = (this.head + 1) % this.items.length
    this.count--
    return item
  }

  /** Removes and returns everything, oldest first. */
  drain(): T[] {
    const out: T[] = []
    while (this.count > 0) out.push(this.shift() as T)
    return out
  }

  *[Symbol.iterator](): IterableIterator<T> {
    for (let i = 0; i < this.count; i++) yield this.items[(this.head + i) % this.items.length] as T
  }

  private grow(): void {
    const next = new Array<T | undefined>(Math.min(this.capacity, this.items.length * 2))
    for (let i = 0; i < this.count; i++) next[i] = this.items[(this.head + i) % this.items.length]
    this.items = next
    this.head = 0
  }
}
