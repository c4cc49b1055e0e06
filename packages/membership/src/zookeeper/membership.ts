/**
 * A member's registration on ZooKeeper: an ephemeral node named by the member id, kept by one
 * reconcile loop that turns the desired state (latest data, leave or not) into the store's.
 *
 *   registering ──create──> registered ──suspended──> unsure ──reconnected, node still ours──> registered
 *        ^                        │                     │
 *        │                        └──────expired────────┴──> (lost: expired) ──new session──> registering
 *        └── NODEEXISTS: ours (a lost reply) → adopt; an earlier session's (lingering) → delete, create
 *
 * The member id names the node, so a create whose reply was lost is found again by name and
 * owner (our session) instead of leaving a second node; a node left by one of our own expired
 * sessions is deleted before creating (apache/dubbo#5135); a node held by anyone else is a
 * conflict (policy `onIdConflict`). Deleting our node from outside evicts us: the membership
 * ends with `removed`.
 */
import { ErrorCode, isConnectionLoss, isKeeperError, isNoNode, isNodeExists, isSessionExpired, type ACL, type ClientState, type Stat, type ZooKeeperClient } from '@zoo/client'
import { MemberIdConflictError } from '../errors.js'
import { MembershipBase, type Step } from '../membership-base.js'
import { backoffMs } from '../reread.js'
import { listen } from '../fan-out.js'

const LIVE: ReadonlySet<ClientState> = new Set(['connected', 'reconnected'])
/** our sessions remembered as "might have left a node behind" */
const MAX_PAST_SESSIONS = 16
const MAX_DELETE_ATTEMPTS = 5

export type IdConflictPolicy = 'fail' | 'wait' | 'replace'

export interface ZkMembershipSetup<In> {
  zk: ZooKeeperClient
  id: string
  /** the member's node */
  path: string
  data: In
  encode: (data: In) => Buffer
  check: (data: In) => void
  ensureParent: () => Promise<void>
  acl: ACL[] | undefined
  onIdConflict: IdConflictPolicy
  /** called once when the membership ends */
  onEnd: () => void
}

interface Term {
  sessionId: bigint
  czxid: bigint
  nodeVersion: number
  /** the node is known to be ours on a live connection */
  confirmed: boolean
  /** a `suspended` was reported and not yet answered by `confirmed` */
  suspended: boolean
  watchArmed: boolean
}

export class Membership<In = unknown> extends MembershipBase<In> {
  readonly path: string
  private readonly zk: ZooKeeperClient
  private current: Term | undefined
  private readonly pastSessions: bigint[] = []
  private replacedLingering = false
  private conflictWatchArmed = false
  private readonly loop: Promise<void>
  private readonly stopListening: () => void

  /** @internal use Group.join() */
  constructor(private readonly setup: ZkMembershipSetup<In>) {
    super(setup.id, setup.data, setup.encode, setup.check)
    this.zk = setup.zk
    this.path = setup.path
    this.stopListening = listen(this.zk, 'state', (state) => this.onState(state as ClientState))
    this.loop = this.run()
  }

  /** @internal resolves with the first registration */
  get started(): Promise<void> {
    return this.first.promise
  }

  get listed(): boolean {
    const term = this.current
    return term !== undefined && term.confirmed && LIVE.has(this.zk.state) && this.zk.sessionId === term.sessionId
  }

  /** Resolves when the reconcile loop has stopped (after the membership ended). */
  get closed(): Promise<void> {
    return this.loop
  }

  protected released(): void {
    this.stopListening()
    this.setup.onEnd()
  }

  private readonly onState = (state: ClientState): void => {
    const term = this.current
    if (term && state === 'suspended') {
      term.confirmed = false
      term.suspended = true
      this.emit('suspended')
    } else if (term && state === 'expired') {
      this.dropTerm('expired')
    }
    this.wakeup.kick()
  }

  // ------------------------------------------------------------------ the loop

  protected async step(): Promise<Step> {
    const state = this.zk.state
    if (state === 'closed' || state === 'authFailed') {
      this.end('closed')
      return 'again'
    }
    if (state === 'expired') return this.awaitNewSession()
    if (!LIVE.has(state)) return 'idle'
    const session = this.zk.sessionId
    if (this.leaving) {
      if (!(await this.deleteConfirmed(session))) await this.removeOwnNode(session)
      this.end('left')
      return 'again'
    }
    if (this.current && this.current.sessionId !== session) this.dropTerm('expired')
    const term = this.current
    if (!term) return this.register(session)
    if (!term.confirmed) return this.confirm(term)
    if (this.appliedVersion < this.desired.version) return this.writeData(term)
    if (!term.watchArmed) return this.armWatch(term)
    return 'idle'
  }

  /** What a failed step means: wait for the connection, retry later, or give up. */
  protected recover(error: unknown, attempt: number): Step {
    if (this.endReason !== undefined) return 'again'
    if (error instanceof MemberIdConflictError) {
      this.end('conflict', error)
      return 'again'
    }
    if (isConnectionLoss(error) || isSessionExpired(error)) return LIVE.has(this.zk.state) ? backoffMs(attempt) : 'idle'
    if (this.registrations === 0 && !this.leaving) {
      // Never registered and not a connection problem (NOAUTH, INVALIDACL, ...): join() fails.
      this.abandon(error)
      return 'again'
    }
    this.emitError(error)
    return backoffMs(attempt)
  }

  /**
   * The client is between sessions. A call waits for the next one, unless the client does not
   * renew sessions (renewSessionOnExpiry: false): then it fails at once and we are done.
   */
  private async awaitNewSession(): Promise<Step> {
    try {
      await this.zk.exists('/')
    } catch (error) {
      if (isSessionExpired(error) && this.zk.state === 'expired') {
        this.end('expired', error)
        return 'again'
      }
      throw error
    }
    return 'again'
  }

  private notePastSession(sessionId: bigint): void {
    if (sessionId === 0n || this.pastSessions.includes(sessionId)) return
    this.pastSessions.push(sessionId)
    if (this.pastSessions.length > MAX_PAST_SESSIONS) this.pastSessions.shift()
  }

  private isOurs(owner: bigint, session: bigint): boolean {
    return owner === session || this.pastSessions.includes(owner)
  }

  private async register(session: bigint): Promise<Step> {
    // Noted before sending: should the reply be lost and this session expire, a node it made may linger.
    this.notePastSession(session)
    const desired = this.desired
    try {
      const { stat } = await this.zk.createWithStat(this.path, desired.bytes, { mode: 'ephemeral', acl: this.setup.acl })
      this.startTerm(session, stat, desired.version)
      return 'again'
    } catch (error) {
      if (isNoNode(error)) {
        await this.setup.ensureParent()
        return 'again'
      }
      if (!isNodeExists(error)) throw error
    }
    return this.resolveExisting(session)
  }

  /** Our id's node exists already: ours (adopt), an old session's of ours (delete), or someone else's. */
  private async resolveExisting(session: bigint): Promise<Step> {
    let found: { data: Buffer; stat: Stat }
    try {
      found = await this.zk.getData(this.path)
    } catch (error) {
      if (isNoNode(error)) return 'again'
      throw error
    }
    const owner = found.stat.ephemeralOwner
    if (owner === session) {
      // A create of ours whose reply was lost: the node is ours; rewrite the data unless current.
      this.startTerm(session, found.stat, found.data.equals(this.desired.bytes) ? this.desired.version : -1)
      return 'again'
    }
    const lingering = this.pastSessions.includes(owner)
    if (lingering || this.setup.onIdConflict === 'replace') {
      await this.deleteNode(found.stat.version)
      this.replacedLingering = lingering
      return 'again'
    }
    if (this.setup.onIdConflict === 'wait') return this.waitForRelease()
    throw new MemberIdConflictError(this.id, this.path, `0x${owner.toString(16)}`)
  }

  /** onIdConflict 'wait': sleep until the holder's node goes (or something else wakes us). */
  private async waitForRelease(): Promise<Step> {
    if (this.conflictWatchArmed) return 'idle'
    this.conflictWatchArmed = true
    try {
      const stat = await this.zk.exists(this.path, {
        watch: () => {
          this.conflictWatchArmed = false
          this.wakeup.kick()
        },
      })
      if (stat === null) {
        this.conflictWatchArmed = false
        return 'again'
      }
    } catch (error) {
      this.conflictWatchArmed = false
      throw error
    }
    return 'idle'
  }

  private async deleteNode(version: number): Promise<void> {
    try {
      await this.zk.delete(this.path, { version })
    } catch (error) {
      // Gone already, or changed: the next step looks again.
      if (!isNoNode(error) && !isKeeperError(error, ErrorCode.BADVERSION)) throw error
    }
  }

  private startTerm(session: bigint, stat: Stat, appliedVersion: number): void {
    const confirmed = LIVE.has(this.zk.state) && this.zk.sessionId === session
    this.current = { sessionId: session, czxid: stat.czxid, nodeVersion: stat.version, confirmed, suspended: !confirmed, watchArmed: false }
    const reregistration = this.registrations > 0
    const replacedLingering = this.replacedLingering
    this.replacedLingering = false
    this.beginTerm({ id: this.id, path: this.path, registration: stat.czxid.toString(), sessionId: session, reregistration, replacedLingering }, appliedVersion)
  }

  private dropTerm(reason: 'expired' | 'removed'): void {
    const term = this.current
    if (!term) return
    this.current = undefined
    if (reason === 'expired') this.notePastSession(term.sessionId)
    this.loseTerm(reason)
  }

  /** After a reconnect or a watch event: is the node still ours? */
  private async confirm(term: Term): Promise<Step> {
    const stat = await this.zk.exists(this.path)
    if (this.current !== term) return 'again'
    if (stat === null || stat.ephemeralOwner !== term.sessionId || stat.czxid !== term.czxid) {
      // Deleted by someone else while our session lives: an eviction, not a failure to repair.
      this.current = undefined
      this.loseTerm('removed')
      this.end('removed')
      return 'again'
    }
    term.confirmed = true
    term.nodeVersion = stat.version
    if (term.suspended) {
      term.suspended = false
      this.emit('confirmed')
    }
    return 'again'
  }

  private async writeData(term: Term): Promise<Step> {
    const target = this.desired
    try {
      const stat = await this.zk.setData(this.path, target.bytes, { version: term.nodeVersion })
      if (this.current === term) {
        term.nodeVersion = stat.version
        this.markApplied(target.version)
      }
    } catch (error) {
      if (this.current !== term) return 'again'
      // Someone else touched or deleted our node: look at it again before writing.
      if (isNoNode(error) || isKeeperError(error, ErrorCode.BADVERSION)) term.confirmed = false
      else throw error
    }
    return 'again'
  }

  /** A watch on our own node, so an eviction is noticed while connected. */
  private async armWatch(term: Term): Promise<Step> {
    term.watchArmed = true
    try {
      const stat = await this.zk.exists(this.path, {
        watch: (event) => {
          if (this.current !== term) return
          term.watchArmed = false
          if (event.type !== 'dataChanged') term.confirmed = false
          this.wakeup.kick()
        },
      })
      if (stat === null && this.current === term) term.confirmed = false
    } catch (error) {
      term.watchArmed = false
      throw error
    }
    return 'again'
  }

  /**
   * leave() with a confirmed registration: no create of ours can be in doubt, so our node is the
   * one we know; delete it at the version we know. False: take the careful way.
   */
  private async deleteConfirmed(session: bigint): Promise<boolean> {
    const term = this.current
    if (!term || !term.confirmed || term.sessionId !== session) return false
    try {
      await this.zk.delete(this.path, { version: term.nodeVersion })
      return true
    } catch (error) {
      if (isNoNode(error) || isKeeperError(error, ErrorCode.BADVERSION)) return false
      throw error
    }
  }

  /**
   * leave(): delete our node, whichever of our sessions made it. `sync` first, so a create of
   * ours still on its way through the ensemble (sent before a connection loss) is ordered before
   * the look, and cannot land after it and stay listed (CURATOR-164).
   */
  private async removeOwnNode(session: bigint): Promise<void> {
    await this.zk.sync(this.path)
    for (let attempt = 1; ; attempt++) {
      const stat = await this.zk.exists(this.path)
      if (stat === null || !this.isOurs(stat.ephemeralOwner, session)) return
      try {
        await this.zk.delete(this.path, { version: stat.version })
        return
      } catch (error) {
        if (isNoNode(error)) return
        if (!isKeeperError(error, ErrorCode.BADVERSION) || attempt >= MAX_DELETE_ATTEMPTS) throw error
      }
    }
  }
}
