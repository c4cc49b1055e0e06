/**
 * One side of a ZooKeeper lock: a contender queue, the kind of node this side creates, and the
 * rule that says when such a node holds. Mutex is one of these; a read/write lock is two on one
 * queue. acquire = join, wait until the rule holds, hand out a lease; on failure, leave.
 */
import { ContenderQueue, deadlineSignal, isPlaceLost, type Contender, type Rule } from '@zoo/recipe-core'
import type { AcquireOptions, Lease } from './lease.js'

/** Joins again when our node vanished while waiting (session expired and renewed), at most this often. */
const MAX_REJOINS = 5

export class ZooKeeperLease implements Lease {
  readonly token: bigint
  readonly signal: AbortSignal
  readonly path: string

  constructor(readonly contender: Contender) {
    this.token = contender.czxid
    this.path = contender.path
    this.signal = contender.holdSignal()
  }

  release(): Promise<void> {
    return this.contender.leave()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.release()
  }
}

export class QueueLock<K extends string> {
  private readonly waiting = new Set<Contender<K>>()
  private finishedWakeups = 0

  constructor(
    readonly queue: ContenderQueue<K>,
    readonly kind: K,
    readonly rule: Rule<K>,
  ) {}

  /**
   * Waits for the lock. Rejects with RecipeTimeoutError after `timeoutMs`, with the signal's
   * reason when it aborts; in both cases our node is deleted before the promise settles.
   */
  async acquire(options: AcquireOptions = {}): Promise<ZooKeeperLease> {
    const deadline = deadlineSignal(options, `acquiring ${this.queue.path}`)
    try {
      for (let rejoin = 0; ; rejoin++) {
        const contender = await this.queue.join(this.kind, { signal: deadline.signal })
        this.waiting.add(contender)
        try {
          await contender.waitUntil(this.rule, { signal: deadline.signal })
          return new ZooKeeperLease(contender)
        } catch (error) {
          await contender.leave()
          const vanished = isPlaceLost(error) && (error.reason === 'expired' || error.reason === 'nodeDeleted')
          if (!vanished || rejoin >= MAX_REJOINS) throw error
        } finally {
          this.waiting.delete(contender)
          this.finishedWakeups += contender.wakeups
        }
      }
    } finally {
      deadline.dispose()
    }
  }

  /** Watch notifications that made a waiter of this lock look again: one per handoff when there is no herd. */
  get wakeups(): number {
    let sum = this.finishedWakeups
    for (const contender of this.waiting) sum += contender.wakeups
    return sum
  }

  /** The lock if it is free now (one look, no waiting), else undefined. */
  async tryAcquire(options: { signal?: AbortSignal } = {}): Promise<ZooKeeperLease | undefined> {
    const contender = await this.queue.join(this.kind, options)
    try {
      if ((await contender.check(this.rule, options.signal)).holds) return new ZooKeeperLease(contender)
    } catch (error) {
      await contender.leave()
      throw error
    }
    await contender.leave()
    return undefined
  }

  /** Contender ids (node data) in queue order; the first ones hold. */
  async contenders(options: { signal?: AbortSignal } = {}): Promise<string[]> {
    return (await this.queue.contenders(options)).map((c) => c.id)
  }
}
