/**
 * What both backends share: the leadership term, its local monotonic deadline, the events, and
 * the waiting. A backend says "you lead with this epoch until this deadline", "the deadline is
 * now later", or "you lost it"; this class answers `hasLeadership()` synchronously from the
 * clock, so a process that was paused (SIGSTOP, a long GC) and resumes past its deadline sees
 * `false` before any of the events that would tell it so have been processed.
 */
import { EventEmitter } from 'node:events'
import type { Clock } from '@zoo/client'

export type LostReason =
  /** the client lost its connection (stand-down policy 'suspended') */
  | 'suspended'
  /** the session expired: our node is gone */
  | 'expired'
  /** the local deadline passed without a confirmation from the server */
  | 'deadline'
  /** our node (or lease) disappeared, or someone else holds it */
  | 'deposed'
  /** we gave it up (close(), or runAsLeader's function returned) */
  | 'released'
  | 'closed'

/** One uninterrupted period of leadership. */
export interface LeaderTerm {
  /**
   * Strictly increasing across terms of different holders: the czxid of the leader's node
   * (ZooKeeper) or an INCR counter (Redis). Hand it to every resource you write as leader and
   * have the resource refuse an epoch lower than the highest it has seen.
   */
  readonly epoch: bigint
  /** aborts when this term ends; its reason is a LeadershipLostError */
  readonly signal: AbortSignal
  /** monotonic ms (performance.now()) when the term began */
  readonly sinceMs: number
}

export class LeadershipLostError extends Error {
  override readonly name = 'LeadershipLostError'
  constructor(readonly reason: LostReason, readonly epoch: bigint) {
    super(`leadership of epoch ${epoch} lost: ${reason}`)
  }
}

export class LeadershipTimeoutError extends Error {
  override readonly name = 'LeadershipTimeoutError'
  constructor(readonly timeoutMs: number) {
    super(`not leader within ${timeoutMs} ms`)
  }
}

/** close() was called: nothing more will happen on this latch. */
export class LatchClosedError extends Error {
  override readonly name = 'LatchClosedError'
  constructor() {
    super('the leader latch is closed')
  }
}

export interface LeadershipEvents {
  isLeader: [term: LeaderTerm]
  notLeader: [reason: LostReason, epoch: bigint]
  error: [error: unknown]
}

interface Held {
  term: LeaderTerm
  controller: AbortController
  deadlineMs: number
  timer: unknown
}

export interface AwaitOptions {
  timeoutMs?: number
  signal?: AbortSignal
}

export class Leadership extends EventEmitter<LeadershipEvents> {
  private held: Held | undefined
  private closedError: LatchClosedError | undefined
  private readonly waiters = new Set<{ resolve: (term: LeaderTerm) => void; reject: (error: unknown) => void }>()

  constructor(private readonly clock: Clock) {
    super()
  }

  /** True while a term is held and its deadline has not passed. Synchronous: reads the clock. */
  holds(): boolean {
    const held = this.held
    if (held === undefined) return false
    if (this.clock.now() < held.deadlineMs) return true
    // Past the deadline: end the term now, so the signal and the answer agree.
    this.lose('deadline')
    return false
  }

  get term(): LeaderTerm | undefined {
    return this.holds() ? this.held!.term : undefined
  }

  /** The deadline of the current term (monotonic ms), if any. */
  get deadlineMs(): number | undefined {
    return this.held?.deadlineMs
  }

  get closed(): boolean {
    return this.closedError !== undefined
  }

  gain(epoch: bigint, deadlineMs: number): LeaderTerm | undefined {
    if (this.closedError) return undefined
    if (this.held) throw new Error(`assertion: gain(${epoch}) while holding epoch ${this.held.term.epoch}`)
    if (deadlineMs <= this.clock.now()) return undefined
    const controller = new AbortController()
    const term: LeaderTerm = { epoch, signal: controller.signal, sinceMs: this.clock.now() }
    this.held = { term, controller, deadlineMs, timer: undefined }
    this.armDeadline()
    for (const waiter of [...this.waiters]) waiter.resolve(term)
    this.emit('isLeader', term)
    return term
  }

  /** The server confirmed the term again: it cannot end before `deadlineMs`. Never shortens. */
  extend(epoch: bigint, deadlineMs: number): void {
    const held = this.held
    if (held === undefined || held.term.epoch !== epoch || deadlineMs <= held.deadlineMs) return
    if (!this.holds()) return
    held.deadlineMs = deadlineMs
    this.armDeadline()
  }

  lose(reason: LostReason): void {
    const held = this.held
    if (held === undefined) return
    this.held = undefined
    this.clock.clearTimeout(held.timer)
    held.controller.abort(new LeadershipLostError(reason, held.term.epoch))
    this.emit('notLeader', reason, held.term.epoch)
  }

  /** Ends any term and fails every waiter; later gains are ignored. */
  close(): void {
    if (this.closedError) return
    this.closedError = new LatchClosedError()
    this.lose('closed')
    for (const waiter of [...this.waiters]) waiter.reject(this.closedError)
  }

  /** Resolves with the term once held (at once if held now). */
  wait(options: AwaitOptions = {}): Promise<LeaderTerm> {
    const now = this.term
    if (now) return Promise.resolve(now)
    if (this.closedError) return Promise.reject(this.closedError)
    const { timeoutMs, signal } = options
    if (signal?.aborted) return Promise.reject(signal.reason)
    return new Promise<LeaderTerm>((resolve, reject) => {
      const cleanup = () => {
        this.waiters.delete(waiter)
        if (timer !== undefined) this.clock.clearTimeout(timer)
        signal?.removeEventListener('abort', onAbort)
      }
      const waiter = {
        resolve: (term: LeaderTerm) => (cleanup(), resolve(term)),
        reject: (error: unknown) => (cleanup(), reject(error)),
      }
      const onAbort = () => waiter.reject(signal!.reason)
      const timer = timeoutMs === undefined ? undefined : this.clock.setTimeout(() => waiter.reject(new LeadershipTimeoutError(timeoutMs)), timeoutMs)
      signal?.addEventListener('abort', onAbort, { once: true })
      this.waiters.add(waiter)
    })
  }

  private armDeadline(): void {
    const held = this.held!
    this.clock.clearTimeout(held.timer)
    held.timer = this.clock.setTimeout(() => {
      held.timer = undefined
      // holds() ends the term if the deadline has passed; else the timer fired early: re-arm.
      if (this.held === held && this.holds()) this.armDeadline()
    }, Math.max(0, held.deadlineMs - this.clock.now()))
  }
}

/**
 * The latest local time at which we may still act, given that the server heard us at or after
 * `confirmedSendMs` and keeps the session (or lease) for `ttlMs` of its own time from then.
 * `clockDriftRatio` covers our clock running slower than the server's.
 */
export function deadlineAfter(confirmedSendMs: number, ttlMs: number, clockDriftRatio: number, fixedMarginMs = 0): number {
  if (!(ttlMs > 0) || !(clockDriftRatio >= 0 && clockDriftRatio < 1) || !(fixedMarginMs >= 0)) {
    throw new RangeError(`bad ttlMs ${ttlMs}, clockDriftRatio ${clockDriftRatio} or fixedMarginMs ${fixedMarginMs}`)
  }
  return confirmedSendMs + Math.floor(ttlMs * (1 - clockDriftRatio)) - fixedMarginMs
}

/** performance.now() and the global timers; unref'd timers would let a waiting leader exit. */
export const systemClock: Clock = {
  now: () => performance.now(),
  setTimeout: (callback, delayMs) => setTimeout(callback, delayMs),
  clearTimeout: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
}
