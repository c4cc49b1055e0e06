/**
 * A member's registration on Redis: a key with a TTL that a heartbeat renews. No session tells
 * us when we are gone, so the member keeps its own deadline: the send time of the last renewal
 * that succeeded plus the TTL, less a clock-drift allowance. Redis started the TTL no earlier
 * than that send, so we stop believing we are listed before the key can run out. When renewal
 * finds the key gone (a pause longer than the TTL, say), the member registers again with the same
 * id and its latest data, replacing the old registration's key if it still lingers.
 */
import { randomBytes } from 'node:crypto'
import type { Redis } from 'ioredis'
import { MemberIdConflictError } from '../errors.js'
import { MembershipBase, type Step } from '../membership-base.js'
import { listen } from '../fan-out.js'
import { backoffMs } from '../reread.js'
import type { IdConflictPolicy } from '../zookeeper/membership.js'
import { HEARTBEAT, JOIN, LEAVE, UPDATE, type RedisKeys } from './scripts.js'

/** Redis rounds expiry to the millisecond and checks it lazily: a fixed allowance on top of the ratio. */
const FIXED_DRIFT_MS = 2
const MAX_PAST_TOKENS = 16

export interface RedisMembershipSetup<In> {
  redis: Redis
  id: string
  keys: RedisKeys
  data: In
  encode: (data: In) => Buffer
  check: (data: In) => void
  ttlMs: number
  heartbeatIntervalMs: number
  clockDriftRatio: number
  onIdConflict: IdConflictPolicy
  onEnd: () => void
  now?: () => number
}

interface Term {
  token: string
  /** local monotonic ms: past it, the key may have run out */
  deadlineMs: number
  nextHeartbeatMs: number
  confirmed: boolean
  timer: NodeJS.Timeout | undefined
}

export class RedisMembership<In = unknown> extends MembershipBase<In> {
  /** the member's key */
  readonly path: string
  private current: Term | undefined
  private readonly pastTokens: string[] = []
  private replacedLingering = false
  private readonly now: () => number
  private readonly loop: Promise<void>
  private readonly stopListening: () => void

  /** @internal use RedisGroup.join() */
  constructor(private readonly setup: RedisMembershipSetup<In>) {
    super(setup.id, setup.data, setup.encode, setup.check)
    this.path = `${setup.keys.memberPrefix}${setup.id}`
    this.now = setup.now ?? (() => performance.now())
    // Back after a disconnection: try at once rather than at the end of a backoff. A connection
    // closed for good (quit, disconnect without reconnecting) ends the membership, as a closed client.
    const stops = [listen(setup.redis, 'ready', () => this.wakeup.kick()), listen(setup.redis, 'end', () => this.end('closed'))]
    this.stopListening = () => stops.forEach((stop) => stop())
    this.loop = this.run()
  }

  /** @internal */
  get started(): Promise<void> {
    return this.first.promise
  }

  get closed(): Promise<void> {
    return this.loop
  }

  get listed(): boolean {
    const term = this.current
    return term !== undefined && term.confirmed && this.now() < term.deadlineMs
  }

  protected released(): void {
    this.stopListening()
    this.setup.onEnd()
  }

  protected async step(): Promise<Step> {
    const { redis, keys, id } = this.setup
    if (this.leaving) {
      const tokens = [...(this.current ? [this.current.token] : []), ...this.pastTokens]
      if (tokens.length > 0) await LEAVE.run(redis, [this.path, keys.index, keys.channel], [id, ...tokens])
      this.end('left')
      return 'again'
    }
    const term = this.current
    if (!term) return this.register()
    if (this.appliedVersion < this.desired.version) return this.write(term)
    const now = this.now()
    if (now < term.nextHeartbeatMs) return term.nextHeartbeatMs - now
    return this.heartbeat(term)
  }

  protected recover(error: unknown, attempt: number): Step {
    if (this.endReason !== undefined) return 'again'
    if (error instanceof MemberIdConflictError) {
      this.end('conflict', error)
      return 'again'
    }
    const term = this.current
    if (term?.confirmed) {
      // Redis unreachable: we may still be listed until the deadline, but cannot vouch for it.
      term.confirmed = false
      this.emit('suspended')
    }
    if (this.registrations === 0 && !this.leaving && attempt >= 3) {
      this.abandon(error)
      return 'again'
    }
    if (this.registrations > 0) this.emitError(error)
    return backoffMs(attempt)
  }

  private async register(): Promise<Step> {
    const { redis, keys, id, ttlMs } = this.setup
    const token = randomBytes(12).toString('base64url')
    const desired = this.desired
    const sentMs = this.now()
    const policy = this.setup.onIdConflict === 'replace' ? 'replace' : 'ours-only'
    // Noted before sending: if the reply is lost, the key it made is ours to replace or delete.
    this.notePastToken(token)
    const reply = (await JOIN.run(redis, [this.path, keys.index, keys.channel], [id, token, ttlMs, desired.bytes.toString('utf8'), policy, ...this.pastTokens])) as [number, string | number, string?]
    if (Number(reply[0]) !== 1) {
      const holder = String(reply[1])
      if (this.setup.onIdConflict === 'wait') return this.setup.heartbeatIntervalMs
      throw new MemberIdConflictError(id, this.path, holder)
    }
    this.replacedLingering = reply[2] !== undefined && reply[2] !== '' && this.pastTokens.includes(String(reply[2]))
    this.startTerm(token, sentMs, desired.version)
    return 'again'
  }

  private notePastToken(token: string): void {
    this.pastTokens.push(token)
    if (this.pastTokens.length > MAX_PAST_TOKENS) this.pastTokens.shift()
  }

  private startTerm(token: string, sentMs: number, appliedVersion: number): void {
    const term: Term = { token, deadlineMs: 0, nextHeartbeatMs: 0, confirmed: true, timer: undefined }
    this.current = term
    this.renewed(term, sentMs)
    const reregistration = this.registrations > 0
    const replacedLingering = this.replacedLingering
    this.beginTerm({ id: this.id, path: this.path, registration: token, reregistration, replacedLingering }, appliedVersion)
  }

  /** A write that renews the TTL succeeded; it was sent at `sentMs`. */
  private renewed(term: Term, sentMs: number): void {
    const { ttlMs, heartbeatIntervalMs, clockDriftRatio } = this.setup
    term.deadlineMs = sentMs + ttlMs * (1 - clockDriftRatio) - FIXED_DRIFT_MS
    term.nextHeartbeatMs = sentMs + heartbeatIntervalMs
    if (!term.confirmed) {
      term.confirmed = true
      this.emit('confirmed')
    }
    clearTimeout(term.timer)
    // The deadline is kept by a timer, not by the loop: a call stuck on a dead link must not delay it.
    term.timer = setTimeout(() => this.expire(term), Math.max(0, term.deadlineMs - this.now()))
    term.timer.unref?.()
  }

  private expire(term: Term): void {
    if (this.current !== term) return
    this.dropTerm()
    this.wakeup.kick()
  }

  private dropTerm(): void {
    const term = this.current
    if (!term) return
    clearTimeout(term.timer)
    this.current = undefined
    this.loseTerm('expired')
  }

  private async heartbeat(term: Term): Promise<Step> {
    const { redis, keys, id, ttlMs } = this.setup
    const sentMs = this.now()
    const ok = Number(await HEARTBEAT.run(redis, [this.path, keys.index], [id, term.token, ttlMs]))
    if (this.current !== term) return 'again'
    if (ok === 1) this.renewed(term, sentMs)
    else this.dropTerm()
    return 'again'
  }

  private async write(term: Term): Promise<Step> {
    const { redis, keys, id, ttlMs } = this.setup
    const target = this.desired
    const sentMs = this.now()
    const ok = Number(await UPDATE.run(redis, [this.path, keys.index, keys.channel], [id, term.token, ttlMs, target.bytes.toString('utf8')]))
    if (this.current !== term) return 'again'
    if (ok === 1) {
      this.renewed(term, sentMs)
      this.markApplied(target.version)
    } else this.dropTerm()
    return 'again'
  }

  protected override end(...args: Parameters<MembershipBase<In>['end']>): void {
    clearTimeout(this.current?.timer)
    this.current = undefined
    super.end(...args)
  }
}
