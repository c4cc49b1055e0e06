/**
 * Collects the history as operations complete. Times are ms since the run started on the
 * harness's one monotonic clock. A bound on the number of operations keeps memory finite on a
 * long run: past it, workers stop issuing (the run's report says so).
 */
import type { Op } from '../checker/history.js'

type Pending<T extends Op> = Omit<T, 'id' | 'completeMs' | 'outcome'>

export class Recorder {
  readonly ops: Op[] = []
  private nextId = 0
  private startedAt = performance.now()

  constructor(readonly maxOps = 2_000_000) {}

  now(): number {
    return performance.now() - this.startedAt
  }

  /** Time 0 becomes now: the workload's start (setup before it is not part of the history). */
  restartClock(): void {
    if (this.ops.length > 0) throw new Error('the clock of a history with operations cannot be restarted')
    this.startedAt = performance.now()
  }

  get full(): boolean {
    return this.ops.length >= this.maxOps
  }

  /** Records a completed operation; `fields` are its invocation facts, `result` its outcome. */
  complete<T extends Op>(fields: Pending<T>, result: Partial<T> & Pick<Op, 'outcome'>): T {
    const op = { ...fields, ...result, id: this.nextId++, completeMs: this.now() } as T
    if (!(op.completeMs >= op.invokeMs)) throw new Error(`operation ${op.id} completed before it was invoked`)
    this.ops.push(op)
    return op
  }
}
