/**
 * Mutex and ReadWriteLock on ZooKeeper: ephemeral-sequential contenders, each waiting for the one
 * node ahead of it that blocks it (no herd), protected creation, fencing token = czxid.
 */
import type { ZooKeeperClient } from '@zoo/client'
import { ContenderQueue, curatorNaming, firstN, kazooNaming, noneAheadOf, zooNaming, type NamingScheme } from '@zoo/recipe-core'
import type { AcquireOptions } from './lease.js'
import { checkLockPath, parseLockOptions, type LockOptions, type Naming } from './options.js'
import { QueueLock, type ZooKeeperLease } from './queue-lock.js'

const MUTEX_NAMING: Record<Naming, () => NamingScheme<'lock'>> = {
  // kazoo's Lock: `<uuid hex>__lock__<seq>`
  kazoo: () => kazooNaming({ lock: '__lock__' }),
  // Curator's InterProcessMutex: `_c_<uuid>-lock-<seq>`
  curator: () => curatorNaming({ lock: 'lock-' }),
  zoo: () => zooNaming({ lock: 'lock' }),
}

type RwKind = 'read' | 'write'

const RW_NAMING: Record<Naming, () => NamingScheme<RwKind>> = {
  // kazoo's ReadLock / WriteLock share a path: `__rlock__` and `__lock__`
  kazoo: () => kazooNaming({ read: '__rlock__', write: '__lock__' }),
  // Curator's InterProcessReadWriteLock: `__READ__` and `__WRIT__`
  curator: () => curatorNaming({ read: '__READ__', write: '__WRIT__' }),
  zoo: () => zooNaming({ read: 'read', write: 'write' }),
}

export class Mutex {
  private readonly lock: QueueLock<'lock'>

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    options?: LockOptions,
  ) {
    checkLockPath(path)
    const resolved = parseLockOptions(options)
    const queue = new ContenderQueue(client, path, { naming: MUTEX_NAMING[resolved.naming](), data: resolved.id, parentMode: resolved.parentMode })
    this.lock = new QueueLock(queue, 'lock', firstN(1))
  }

  /** Waits until this contender holds the lock; see Lease for what to do with it. */
  acquire(options?: AcquireOptions): Promise<ZooKeeperLease> {
    return this.lock.acquire(options)
  }

  /** The lock if nobody holds it or waits ahead, else undefined (no waiting). */
  tryAcquire(options?: { signal?: AbortSignal }): Promise<ZooKeeperLease | undefined> {
    return this.lock.tryAcquire(options)
  }

  /** Watch notifications that woke a waiter of this Mutex object (see QueueLock.wakeups). */
  get wakeups(): number {
    return this.lock.wakeups
  }

  /** Contender ids in queue order: the holder first, then the waiters. */
  contenders(options?: { signal?: AbortSignal }): Promise<string[]> {
    return this.lock.contenders(options)
  }
}

/**
 * Many readers or one writer, first come first served: a reader waits only for writers ahead of
 * it, a writer for everyone ahead of it (so writers are not starved by a stream of readers).
 */
export class ReadWriteLock {
  readonly readLock: QueueLock<RwKind>
  readonly writeLock: QueueLock<RwKind>

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    options?: LockOptions,
  ) {
    checkLockPath(path)
    const resolved = parseLockOptions(options)
    const queue = new ContenderQueue(client, path, { naming: RW_NAMING[resolved.naming](), data: resolved.id, parentMode: resolved.parentMode })
    this.readLock = new QueueLock(queue, 'read', noneAheadOf<RwKind>(['write']))
    this.writeLock = new QueueLock(queue, 'write', firstN(1))
  }
}
