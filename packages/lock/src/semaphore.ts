/**
 * A semaphore of `maxLeases` leases on ZooKeeper, in the layout of Curator's
 * InterProcessSemaphoreV2 and kazoo's Semaphore: a mutex (`locks` / `lock`) serializes the
 * acquirers; the one holding it counts the `leases` children, creates its lease when fewer than
 * `maxLeases` exist, else waits for the children to change. Only that one acquirer watches the
 * leases, and the others wait on the mutex's queue, so a release wakes exactly one waiter.
 * (Watching "the node maxLeases ahead", as Curator's first semaphore did, misses wake-ups when
 * nodes between leave.) A lease's fencing token is the czxid of its node.
 */
import { isNoNode, isNodeExists, type ZooKeeperClient } from '@zoo/client'
import { ContenderQueue, curatorNaming, deadlineSignal, whenAborted, zooNaming, type NamingScheme } from '@zoo/recipe-core'
import type { AcquireOptions } from './lease.js'
import { Mutex } from './mutex.js'
import { checkLockPath, parseLockOptions, type LockOptions, type Naming } from './options.js'
import { ZooKeeperLease } from './queue-lock.js'

const LAYOUT: Record<Naming, { lock: string; leaseNaming: () => NamingScheme<'lease'> }> = {
  // kazoo: `<path>/lock` (a kazoo Lock) and `<path>/leases/*` (kazoo counts every child)
  kazoo: { lock: 'lock', leaseNaming: () => zooNaming({ lease: 'lease' }) },
  // Curator: `<path>/locks` (an InterProcessMutex) and `<path>/leases/_c_<uuid>-lease-<seq>`
  curator: { lock: 'locks', leaseNaming: () => curatorNaming({ lease: 'lease-' }) },
  zoo: { lock: 'lock', leaseNaming: () => zooNaming({ lease: 'lease' }) },
}

export class Semaphore {
  private readonly mutex: Mutex
  private readonly leases: ContenderQueue<'lease'>
  private readonly leasesPath: string
  /** watch notifications on the leases that made an acquirer count again (a herd test counts these) */
  wakeups = 0

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    readonly maxLeases: number,
    options?: LockOptions,
  ) {
    checkLockPath(path)
    if (!(Number.isInteger(maxLeases) && maxLeases >= 1 && maxLeases <= 1_000_000)) throw new RangeError(`maxLeases must be a whole number from 1 to 1000000, not ${maxLeases}`)
    const resolved = parseLockOptions(options)
    const layout = LAYOUT[resolved.naming]
    this.mutex = new Mutex(client, `${path}/${layout.lock}`, { ...resolved, parentMode: 'persistent' })
    this.leasesPath = `${path}/leases`
    this.leases = new ContenderQueue(client, this.leasesPath, { naming: layout.leaseNaming(), data: resolved.id, parentMode: 'persistent' })
  }

  /** Waits for one of the leases. Rejects with RecipeTimeoutError after `timeoutMs`, or the signal's reason. */
  async acquire(options: AcquireOptions = {}): Promise<ZooKeeperLease> {
    const deadline = deadlineSignal(options, `acquiring a lease of ${this.path}`)
    try {
      const turn = await this.mutex.acquire({ signal: deadline.signal })
      try {
        // Losing the mutex while counting means another acquirer may be counting too: give up.
        const signal = deadline.signal ? AbortSignal.any([deadline.signal, turn.signal]) : turn.signal
        const lease = await this.takeLease(signal, true)
        if (!lease) throw new Error('assertion failed: a waiting acquire returned no lease')
        return lease
      } finally {
        await turn.release()
      }
    } finally {
      deadline.dispose()
    }
  }

  /** A lease if one is free now, else undefined. */
  async tryAcquire(options: { signal?: AbortSignal } = {}): Promise<ZooKeeperLease | undefined> {
    const turn = await this.mutex.acquire({ signal: options.signal })
    try {
      const signal = options.signal ? AbortSignal.any([options.signal, turn.signal]) : turn.signal
      return await this.takeLease(signal, false)
    } finally {
      await turn.release()
    }
  }

  /** Ids of the current lease holders. */
  async holders(options: { signal?: AbortSignal } = {}): Promise<string[]> {
    return (await this.leases.contenders(options)).map((c) => c.id)
  }

  private async takeLease(signal: AbortSignal, wait: boolean): Promise<ZooKeeperLease | undefined> {
    for (;;) {
      signal.throwIfAborted()
      let notify!: () => void
      const changed = new Promise<void>((resolve) => (notify = resolve))
      const children = await this.countLeases(signal, wait ? () => notify() : undefined)
      if (children < this.maxLeases) {
        const contender = await this.leases.join('lease', { signal })
        return new ZooKeeperLease(contender)
      }
      if (!wait) return undefined
      const aborted = whenAborted(signal)
      await Promise.race([changed, aborted.promise])
      aborted.dispose()
      signal.throwIfAborted()
      this.wakeups++
    }
  }

  private async countLeases(signal: AbortSignal, watch: (() => void) | undefined): Promise<number> {
    for (;;) {
      try {
        return (await this.client.getChildren(this.leasesPath, { signal, watch })).children.length
      } catch (error) {
        if (!isNoNode(error)) throw error
      }
      await this.client.mkdirp(this.path, { signal })
      await this.client.create(this.leasesPath, null, { signal }).catch((error: unknown) => {
        if (!isNodeExists(error)) throw error
      })
    }
  }
}
