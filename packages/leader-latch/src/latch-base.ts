/** What the ZooKeeper and Redis latches share: the term, its events, waiting, runAsLeader. */
import { EventEmitter } from 'node:events'
import type { Clock } from '@zoo/client'
import { Leadership, type AwaitOptions, type LeaderTerm, type LeadershipEvents } from './leadership.js'
import { runAsLeader, type LeaderFunction, type Relinquishable, type RunAsLeaderOptions } from './run-as-leader.js'

export abstract class LatchBase extends EventEmitter<LeadershipEvents> implements Relinquishable {
  protected readonly leadership: Leadership

  constructor(protected readonly clock: Clock) {
    super()
    this.leadership = new Leadership(clock)
    this.leadership.on('isLeader', (term) => this.emit('isLeader', term))
    this.leadership.on('notLeader', (reason, epoch) => this.emit('notLeader', reason, epoch))
  }

  abstract start(): Promise<void>
  abstract relinquish(options: { requeue: boolean }): Promise<void>
  /** Gives leadership up at once and stops contending. */
  abstract close(): Promise<void>

  /** Resolves with the term once leading (at once if leading now). */
  awaitLeadership(options?: AwaitOptions): Promise<LeaderTerm> {
    return this.leadership.wait(options)
  }

  /** Synchronous: true only while a term is held and its local deadline has not passed. */
  hasLeadership(): boolean {
    return this.leadership.holds()
  }

  /** The current term (epoch, signal), if leading; read synchronously like hasLeadership(). */
  get term(): LeaderTerm | undefined {
    return this.leadership.term
  }

  /**
   * Until when (performance.now() ms) the current term surely lasts, if leading: what
   * hasLeadership() compares with. Useful to bound an action that must finish as leader.
   */
  get deadlineMs(): number | undefined {
    return this.leadership.holds() ? this.leadership.deadlineMs : undefined
  }

  /** Calls `fn(signal, term)` each time this participant leads; see RunAsLeaderOptions. */
  runAsLeader(fn: LeaderFunction, options?: RunAsLeaderOptions): Promise<void> {
    return runAsLeader(this, fn, options)
  }

  /** Background failures go to 'error' listeners; without one the latch carries on regardless. */
  protected emitError(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', error)
  }
}
