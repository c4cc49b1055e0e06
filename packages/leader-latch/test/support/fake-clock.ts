import type { Clock } from '@zoo/client'

/** A clock the test moves by hand; timers fire in deadline order as time passes. */
export class FakeClock implements Clock {
  private nowMs = 1_000
  private nextId = 1
  private readonly timers = new Map<number, { atMs: number; callback: () => void }>()

  now(): number {
    return this.nowMs
  }

  setTimeout(callback: () => void, delayMs: number): unknown {
    const id = this.nextId++
    this.timers.set(id, { atMs: this.nowMs + Math.max(0, delayMs), callback })
    return id
  }

  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number)
  }

  /** Moves time without running timers: what a SIGSTOPped process sees on resume. */
  jump(ms: number): void {
    this.nowMs += ms
  }

  /** Moves time forward, running each timer due on the way. */
  advance(ms: number): void {
    const endMs = this.nowMs + ms
    for (;;) {
      const due = [...this.timers.entries()].filter(([, t]) => t.atMs <= endMs).sort((a, b) => a[1].atMs - b[1].atMs)[0]
      if (!due) break
      this.timers.delete(due[0])
      this.nowMs = Math.max(this.nowMs, due[1].atMs)
      due[1].callback()
    }
    this.nowMs = endMs
  }

  get pending(): number {
    return this.timers.size
  }
}
