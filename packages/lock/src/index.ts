export { Mutex, ReadWriteLock } from './mutex.js'
export { Semaphore } from './semaphore.js'
export { QueueLock, ZooKeeperLease } from './queue-lock.js'
export type { AcquireOptions, Lease } from './lease.js'
export { InvalidLockOptionsError, NAMINGS, type LockOptions, type Naming } from './options.js'
// Re-exported so that a user handles every error of this package with one import.
export { PlaceLostError, RecipeTimeoutError, isPlaceLost, type PlaceLostReason } from '@zoo/recipe-core'
