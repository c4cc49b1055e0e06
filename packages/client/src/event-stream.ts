/**
 * A push-to-pull bridge for `for await`: the client pushes events as they arrive, the consumer
 * pulls at its own pace. The buffer is bounded; when a slow consumer lets it fill, the buffered
 * events are dropped and replaced by one overflow marker, which for a watch means "you missed
 * something, re-read" — the same thing a reconnect means, so consumers handle one case.
 */
export class EventStream<T> implements AsyncIterableIterator<T> {
  private readonly buffer: T[] = []
  private waiter: { resolve: (result: IteratorResult<T>) => void; reject: (error: unknown) => void } | undefined
  private ended = false
  private failure: { error: unknown } | undefined

  constructor(
    private readonly maxBuffered: number,
    private readonly overflowMarker: () => T,
    private readonly onClose: () => void,
  ) {
    if (!Number.isInteger(maxBuffered) || maxBuffered < 1) throw new RangeError(`maxBuffered must be a positive integer, got ${maxBuffered}`)
  }

  get closed(): boolean {
    return this.ended || this.failure !== undefined
  }

  get buffered(): number {
    return this.buffer.length
  }

  push(event: T): void {
    if (this.closed) return
    if (this.waiter) {
      const { resolve } = this.waiter
      this.waiter = undefined
      resolve({ value: event, done: false })
      return
    }
    if (this.buffer.length >= this.maxBuffered) {
      this.buffer.length = 0
      this.buffer.push(this.overflowMarker())
      return
    }
    this.buffer.push(event)
  }

  /** Ends the stream after the buffered events are consumed. */
  end(): void {
    if (this.closed) return
    this.ended = true
    this.settleWaiter()
    this.onClose()
  }

  /** Fails the stream after the buffered events are consumed. */
  fail(error: unknown): void {
    if (this.closed) return
    this.failure = { error }
    this.settleWaiter()
    this.onClose()
  }

  next(): Promise<IteratorResult<T>> {
    if (this.buffer.length > 0) return Promise.resolve({ value: this.buffer.shift() as T, done: false })
    if (this.failure) {
      const { error } = this.failure
      this.failure = undefined
      this.ended = true
      return Promise.reject(error)
    }
    if (this.ended) return Promise.resolve({ value: undefined, done: true })
    if (this.waiter) return Promise.reject(new Error('EventStream: next() called again before the previous call settled'))
    return new Promise((resolve, reject) => {
      this.waiter = { resolve, reject }
    })
  }

  /** `break` out of `for await` lands here: stop listening and drop what is buffered. */
  return(): Promise<IteratorResult<T>> {
    this.buffer.length = 0
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
