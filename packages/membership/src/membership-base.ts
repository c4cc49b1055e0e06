/**
 * What every backend's Membership shares: the desired state (the latest data, whether to leave)
 * that one reconcile loop per membership brings the store to, the registrations ("terms") with
 * their signals, and the events. Writes never race each other: update() and leave() only change
 * the desired state and wake the loop, so a leave that arrives while a re-registration is in
 * flight is served after it, by deleting what it made (leave wins, recipe-pitfalls #10), and a
 * re-registration always writes the latest data, never the data it started with.
 */
import { EventEmitter } from 'node:events'
import { deadlineSignal, whenAborted } from '@zoo/recipe-core'
import { MemberIdConflictError, MembershipEndedError, RegistrationLostError, type LostReason } from './errors.js'
import { Wakeup, deferred, type Deferred } from './wakeup.js'

export interface RegistrationInfo {
  id: string
  /** the member's node (ZooKeeper) or key (Redis) */
  path: string
  /** this registration's identity, as readers see it in `member.registration` */
  registration: string
  /** ZooKeeper: the session that owns the node */
  sessionId?: bigint
  /** a registration after the first: the previous one was lost (session expiry, missed heartbeats) */
  reregistration: boolean
  /** the previous registration's node was still there and was deleted first */
  replacedLingering: boolean
}

export interface MembershipEvents {
  /** a registration began: the first, or one after a loss */
  registered: [info: RegistrationInfo]
  /** the connection dropped: the registration may be lost (`listed` is false until confirmed) */
  suspended: []
  /** back after `suspended`, and the registration is still ours */
  confirmed: []
  /** a registration ended; for `expired` a new one follows on its own */
  lost: [error: RegistrationLostError]
  /** the membership is over: no further registrations */
  ended: [reason: LostReason]
  /** an unexpected failure while keeping the registration (it is retried) */
  error: [error: unknown]
}

export interface Desired<In> {
  data: In
  bytes: Buffer
  version: number
}

const NEVER = new AbortController().signal

/** What a loop step asks for next: another step, sleep until woken, or sleep at most this many ms. */
export type Step = 'again' | 'idle' | number

export abstract class MembershipBase<In = unknown> extends EventEmitter<MembershipEvents> {
  protected desired: Desired<In>
  /** the desired version the current registration holds (-1: unknown, write again) */
  protected appliedVersion = -1
  protected leaving = false
  protected endReason: LostReason | undefined
  protected registrations = 0
  protected readonly wakeup = new Wakeup()
  /** settles with the first registration (join resolves), or with why there will be none */
  protected readonly first: Deferred<void> = deferred()
  private pendingUpdate: Deferred<void> | undefined
  private leaveDone: Deferred<void> | undefined
  private term: AbortController | undefined
  private lastSignal: AbortSignal = NEVER
  private info: RegistrationInfo | undefined

  constructor(
    readonly id: string,
    data: In,
    private readonly encode: (data: In) => Buffer,
    private readonly check: (data: In) => void,
  ) {
    super()
    check(data)
    this.desired = { data, bytes: encode(data), version: 0 }
  }

  /**
   * Aborts when the current registration is lost (reason: RegistrationLostError). A new
   * registration after a session expiry has a new signal: read this again after `registered`.
   */
  get signal(): AbortSignal {
    return this.term?.signal ?? this.lastSignal
  }

  /** the current registration, if there is one */
  get registration(): RegistrationInfo | undefined {
    return this.term ? this.info : undefined
  }

  /** the data this member publishes (the latest passed to join/update) */
  get data(): In {
    return this.desired.data
  }

  get ended(): boolean {
    return this.endReason !== undefined
  }

  /** Why the membership ended, once it has. */
  get endedBecause(): LostReason | undefined {
    return this.endReason
  }

  /** Is this member listed right now, as far as it can know? False while unsure (disconnected). */
  abstract get listed(): boolean

  /**
   * Publishes new data. Resolves once the store holds it (or newer data), including after a
   * re-registration; rejects with MembershipEndedError when the membership ends first.
   */
  update(data: In): Promise<void> {
    if (this.endReason !== undefined || this.leaving) return Promise.reject(new MembershipEndedError(this.endReason ?? 'left', this.id))
    try {
      this.check(data)
      this.desired = { data, bytes: this.encode(data), version: this.desired.version + 1 }
    } catch (error) {
      return Promise.reject(error)
    }
    // One shared promise: an update is done when its data or a later one is stored.
    this.pendingUpdate ??= deferred()
    const done = this.pendingUpdate.promise
    this.wakeup.kick()
    return done
  }

  /**
   * Leaves the group: deletes the registration, and none is made after this, even when a
   * re-registration is in flight. Idempotent. Resolves once the member is no longer listed
   * (deleted, or its session is gone).
   */
  leave(): Promise<void> {
    if (!this.leaveDone) {
      this.leaveDone = deferred()
      this.leaving = true
      if (!this.first.settled) this.first.reject(new MembershipEndedError('left', this.id))
      if (this.endReason !== undefined) this.leaveDone.resolve()
      this.wakeup.kick()
    }
    return this.leaveDone.promise
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.leave()
  }

  // ------------------------------------------------------------------ for the backends

  /** One move towards the desired state. */
  protected abstract step(): Promise<Step>
  /** What a failed step means: the next step, when (`attempt` counts failures in a row from 0). */
  protected abstract recover(error: unknown, attempt: number): Step

  /** The reconcile loop: until the membership ends, step, and sleep when there is nothing to do. */
  protected async run(): Promise<void> {
    let attempt = 0
    while (this.endReason === undefined) {
      let next: Step
      try {
        next = await this.step()
        attempt = 0
      } catch (error) {
        next = this.recover(error, attempt++)
      }
      if (next === 'idle') await this.wakeup.wait()
      else if (typeof next === 'number') await this.wakeup.wait(next)
    }
  }

  /** A registration began, holding `appliedVersion` of the data. */
  protected beginTerm(info: RegistrationInfo, appliedVersion: number): void {
    if (this.term) throw new Error('assertion failed: a registration began while another is current')
    this.term = new AbortController()
    this.info = info
    this.registrations++
    this.markApplied(appliedVersion)
    if (this.leaving) return
    this.first.resolve()
    this.emit('registered', info)
  }

  protected get hasTerm(): boolean {
    return this.term !== undefined
  }

  /** The current registration ended (its signal aborts, `lost` is emitted). */
  protected loseTerm(reason: LostReason, cause?: unknown): void {
    const term = this.term
    if (!term) return
    this.term = undefined
    const error = new RegistrationLostError(reason, this.id, cause === undefined ? undefined : { cause })
    this.lastSignal = term.signal
    term.abort(error)
    this.emit('lost', error)
  }

  protected markApplied(version: number): void {
    this.appliedVersion = version
    if (version >= this.desired.version && this.pendingUpdate) {
      this.pendingUpdate.resolve()
      this.pendingUpdate = undefined
    }
  }

  /** The membership is over for good. */
  protected end(reason: LostReason, error?: unknown): void {
    if (this.endReason !== undefined) return
    this.endReason = reason
    this.loseTerm(reason, error)
    if (this.lastSignal === NEVER) {
      const never = new AbortController()
      never.abort(new RegistrationLostError(reason, this.id, error === undefined ? undefined : { cause: error }))
      this.lastSignal = never.signal
    }
    if (!this.first.settled) this.first.reject(error ?? new MembershipEndedError(reason, this.id))
    this.pendingUpdate?.reject(new MembershipEndedError(reason, this.id, { cause: error }))
    this.pendingUpdate = undefined
    this.leaveDone?.resolve()
    this.released()
    this.emit('ended', reason)
    this.wakeup.kick()
  }

  /** Gives up before the first registration: join() rejects with `error`; anything made is removed. */
  protected abandon(error: unknown): void {
    if (!this.first.settled) this.first.reject(error)
    this.leaving = true
    this.wakeup.kick()
  }

  /** Hook: the membership ended (drop listeners, release the id). */
  protected abstract released(): void

  /** Errors nobody waits for: to `error` listeners, or as a process warning, never dropped. */
  protected emitError(error: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', error)
    else process.emitWarning(error instanceof Error ? error : new Error(String(error)), { code: 'ZOO_MEMBERSHIP' })
  }
}

/**
 * join(): create the membership, wait for its first registration (bounded by the caller's
 * signal and timeout); on any failure leave, so nothing of ours stays listed, and rethrow.
 */
export async function firstRegistration<M extends { started: Promise<void>; leave(): Promise<void> }>(
  options: { signal?: AbortSignal; timeoutMs?: number },
  what: string,
  create: () => M,
): Promise<M> {
  const { signal, dispose } = deadlineSignal(options, what)
  const membership = create()
  const aborted = signal ? whenAborted(signal) : undefined
  try {
    await (aborted ? Promise.race([membership.started, aborted.promise.then((reason) => Promise.reject(reason))]) : membership.started)
    return membership
  } catch (error) {
    await membership.leave()
    throw error
  } finally {
    aborted?.dispose()
    dispose()
  }
}

/** Ids joined through this process, per connection object and key: one registration per id. */
const joined = new WeakMap<object, Set<string>>()

/** Claims `key` on `connection` for one membership; returns the release. */
export function reserveId(connection: object, key: string, id: string): () => void {
  let keys = joined.get(connection)
  if (!keys) joined.set(connection, (keys = new Set()))
  if (keys.has(key)) throw new MemberIdConflictError(id, key, 'a membership of this process on the same connection')
  keys.add(key)
  const claimed = keys
  return () => void claimed.delete(key)
}
