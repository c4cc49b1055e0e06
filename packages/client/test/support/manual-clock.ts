import type { Clock, TimerHandle } from '../../src/clock.js'

/** A hand-driven clock for tests: `advance(ms)` runs the timers that fall due, in order. */
export class ManualClock implements Clock {
  private nowMs: number
  private nextId = 1
  private readonly timers = new Map<number, { dueMs: number; callback: () => void }>()

  constructor(startMs = 0) {
    this.nowMs = startMs
  }

  now(): number {
    return this.nowMs
  }

  setTimeout(callback: () => void, delayMs: number): TimerHandle {
    const id = this.nextId++
    this.timers.set(id, { dueMs: this.nowMs + Math.max(0, delayMs), callback })
    return id
  }

  clearTimeout(handle: TimerHandle): void {
    this.timers.delete(handle as number)
  }

  /** Moves time forward, firing due timers one by one (a timer may schedule another). */
  advance(ms: number): void {
    const targetMs = this.nowMs + ms
    for (;;) {
      let nextId: number | undefined
      let nextDue = Infinity
      for (const [id, timer] of this.timers) {
        if (timer.dueMs <= targetMs && timer.dueMs < nextDue) {
          nextDue = timer.dueMs
          nextId = id
        }
      }
      if (nextId === undefined) break
      const timer = this.timers.get(nextId)!
      this.timers.delete(nextId)
      this.nowMs = Math.max(this.nowMs, timer.dueMs)
      timer.callback()
    }
    this.nowMs = targetMs
  }

  get pendingTimers(): number {
    return this.timers.size
  }
}
