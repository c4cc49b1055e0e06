/**
 * A level-triggered wake-up for a single reconcile loop: kick() before wait() is not lost, and
 * many kicks while the loop works make one more turn. wait(ms) also returns after ms (backoff).
 */
export class Wakeup {
  private pending = false
  private resolve: (() => void) | undefined

  kick(): void {
    this.pending = true
    const resolve = this.resolve
    this.resolve = undefined
    resolve?.()
  }

  async wait(timeoutMs?: number): Promise<void> {
    if (this.pending) {
      this.pending = false
      return
    }
    if (this.resolve) throw new Error('assertion failed: Wakeup has one waiter at a time')
    let timer: NodeJS.Timeout | undefined
    await new Promise<void>((resolve) => {
      this.resolve = resolve
      if (timeoutMs !== undefined) timer = setTimeout(() => this.kick(), timeoutMs)
    })
    if (timer !== undefined) clearTimeout(timer)
    this.pending = false
  }
}

/** A promise with its settle functions, whose rejection is never reported as unhandled. */
export interface Deferred<T> {
  promise: Promise<T>
  resolve: (value: T) => void
  reject: (error: unknown) => void
  settled: boolean
}

export function deferred<T>(): Deferred<T> {
  let resolve!: (value: T) => void
  let reject!: (error: unknown) => void
  const promise = new Promise<T>((res, rej) => {
    resolve = res
    reject = rej
  })
  promise.catch(() => undefined)
  const d: Deferred<T> = {
    promise,
    settled: false,
    resolve: (value) => {
      d.settled = true
      resolve(value)
    },
    reject: (error) => {
      d.settled = true
      reject(error)
    },
  }
  return d
}
