/**
 * What a holder gets, whatever the backend: a fencing token to hand to the protected resource,
 * a signal that aborts when the lock may be lost, and an idempotent release.
 */
export interface Lease extends AsyncDisposable {
  /**
   * Strictly increasing across the holders of this lock: a resource that remembers the largest
   * token it has seen and refuses smaller ones is safe from a holder that lost the lock without
   * noticing (a pause, a partition). ZooKeeper: the czxid of the holder's node; Redis: INCR.
   */
  readonly token: bigint
  /**
   * Aborts when the lock may be lost (ZooKeeper: connection suspended, session expired, node
   * deleted; Redis: a renewal failed or the lease ran out) and on release. After it aborts, stop
   * using the resource, release, and acquire again if you still need it.
   */
  readonly signal: AbortSignal
  /** The holder's node (ZooKeeper) or key (Redis). */
  readonly path: string
  /** Gives the lock up; deletes only this holder's node or key. Idempotent. */
  release(): Promise<void>
}

export interface AcquireOptions {
  /** give up after this long (RecipeTimeoutError); default: wait as long as it takes */
  timeoutMs?: number
  /** give up when this aborts (rejects with its reason) */
  signal?: AbortSignal
}
