// The simulator's agenda: events ordered by time, ties broken by scheduling order, so a run is
// a pure function of its seed.

interface Scheduled {
  readonly at: number
  readonly seq: number
  readonly fire: () => void
}

export class EventQueue {
  private heap: Scheduled[] = []
  private seq = 0
  now = 0

  get size(): number {
    return this.heap.length
  }

  at(timeMs: number, fire: () => void): void {
    if (timeMs < this.now) throw new RangeError(`event in the past: ${timeMs} < ${this.now}`)
    this.heap.push({ at: timeMs, seq: this.seq++, fire })
    this.up(this.heap.length - 1)
  }

  after(delayMs: number, fire: () => void): void {
    this.at(this.now + delayMs, fire)
  }

  /** Runs the next event; false when none is left. */
  step(): boolean {
    const top = this.heap[0]
    if (top === undefined) return false
    const last = this.heap.pop()!
    if (this.heap.length > 0) {
      this.heap[0] = last
      this.down(0)
    }
    this.now = top.at
    top.fire()
    return true
  }

  peekTime(): number | undefined {
    return this.heap[0]?.at
  }

  private less(a: Scheduled, b: Scheduled): boolean {
    return a.at < b.at || (a.at === b.at && a.seq < b.seq)
  }

  private up(i: number): void {
    const h = this.heap
    while (i > 0) {
      const parent = (i - 1) >> 1
      if (!this.less(h[i]!, h[parent]!)) break
      ;[h[i], h[parent]] = [h[parent]!, h[i]!]
      i = parent
    }
  }

  private down(i: number): void {
    const h = this.heap
    for (;;) {
      const l = 2 * i + 1
      const r = l + 1
      let m = i
      if (l < h.length && this.less(h[l]!, h[m]!)) m = l
      if (r < h.length && this.less(h[r]!, h[m]!)) m = r
      if (m === i) return
      ;[h[i], h[m]] = [h[m]!, h[i]!]
      i = m
    }
  }
}
