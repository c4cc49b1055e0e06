// The leader's session table for expiry (Apache's SessionTrackerImpl, without its buckets):
// every session's deadline, who holds its connection, and which are closing. Pure: time is an
// argument, so tests and the simulator drive it.

export interface TrackedSession {
  timeoutMs: number
  expiresAtMs: number
  /** The member holding the client's connection; undefined until one touches or revalidates it. */
  owner: number | undefined
  closing: boolean
}

export class SessionTracker {
  private readonly sessions = new Map<bigint, TrackedSession>()

  get size(): number {
    return this.sessions.size
  }

  get(sessionId: bigint): TrackedSession | undefined {
    return this.sessions.get(sessionId)
  }

  entries(): IterableIterator<[bigint, TrackedSession]> {
    return this.sessions.entries()
  }

  /** A session the tree knows (new, or every session when this member starts leading). */
  add(sessionId: bigint, timeoutMs: number, nowMs: number, owner: number | undefined): void {
    if (timeoutMs <= 0) throw new RangeError(`session timeout ${timeoutMs}`)
    this.sessions.set(sessionId, { timeoutMs, expiresAtMs: nowMs + timeoutMs, owner, closing: false })
  }

  remove(sessionId: bigint): void {
    this.sessions.delete(sessionId)
  }

  /** Liveness from the member holding the connection; false when the session is gone or closing. */
  touch(sessionId: bigint, nowMs: number, from: number): boolean {
    const s = this.sessions.get(sessionId)
    if (s === undefined || s.closing) return false
    s.expiresAtMs = Math.max(s.expiresAtMs, nowMs + s.timeoutMs)
    s.owner ??= from
    return true
  }

  /**
   * A client reconnected through `to`: the session moves there if it is alive. Returns the
   * previous owner when it changes (it must drop its stale connection), `false` when invalid.
   */
  revalidate(sessionId: bigint, nowMs: number, to: number): { valid: false } | { valid: true; previousOwner: number | undefined } {
    const s = this.sessions.get(sessionId)
    if (s === undefined || s.closing) return { valid: false }
    const previousOwner = s.owner !== to ? s.owner : undefined
    s.owner = to
    s.expiresAtMs = Math.max(s.expiresAtMs, nowMs + s.timeoutMs)
    return { valid: true, previousOwner }
  }

  /** Whether a request from `from` may act for the session (else SESSIONMOVED). */
  isOwner(sessionId: bigint, from: number): boolean {
    const owner = this.sessions.get(sessionId)?.owner
    return owner === undefined || owner === from
  }

  /**
   * This member did not run for `ms` (a long synchronous snapshot, a GC pause): it could not
   * hear anyone meanwhile, so that time does not count against any session.
   */
  extendAll(ms: number): void {
    if (ms <= 0) return
    for (const s of this.sessions.values()) s.expiresAtMs += ms
  }

  /** Sessions past their deadline, now marked closing (the caller proposes closeSession for each). */
  expire(nowMs: number): bigint[] {
    const expired: bigint[] = []
    for (const [id, s] of this.sessions) {
      if (!s.closing && s.expiresAtMs <= nowMs) {
        s.closing = true
        expired.push(id)
      }
    }
    return expired
  }

  /** A closeSession for it is on its way (the client closed it): no more touches or creates. */
  markClosing(sessionId: bigint): void {
    const s = this.sessions.get(sessionId)
    if (s !== undefined) s.closing = true
  }
}
