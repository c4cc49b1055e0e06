/**
 * Leader election on ZooKeeper: every participant holds an ephemeral-sequential node under the
 * latch path and watches only its predecessor; the lowest is the leader. The queue itself
 * (protected creates, naming, predecessor watches) is @zoo/recipe-core's.
 *
 * A term (one uninterrupted leadership) has an epoch, the czxid of the leader's node, and a
 * local monotonic deadline before which the ZooKeeper leader cannot expire our session (and so
 * delete our node and let a successor lead); we stop believing we lead at it. It is computed from
 * the send time of the last `sync` the ZooKeeper leader answered (a member cut off from the leader
 * cannot answer one), less what the session-touch reporting between members may lag behind
 * (see `deadline()`), less a clock-drift allowance. A heartbeat (sync, then exists on our own
 * node) moves it forward while all is well.
 *
 *   joining ──first──> leading ──suspended (default policy)──> waiting for the connection
 *      ^                  │ └──deadline / deposed──┐                 │ reconnected: check again
 *      │                  └──expired──┐            v                 v (same node, same epoch)
 *      └───────── new session: rejoin with a new node ─────────── checking
 */
import * as z from 'zod'
import { isConnectionLoss, isSessionExpired, type ClientState, type Clock, type ZooKeeperClient } from '@zoo/client'
import {
  ContenderQueue, PlaceLostError, curatorNaming, firstN, kazooNaming, parseOptions, sleep, zooNaming,
  type Contender, type NamingScheme,
} from '@zoo/recipe-core'
import { LatchBase } from './latch-base.js'
import { LatchClosedError, deadlineAfter, systemClock, type LeaderTerm, type LostReason } from './leadership.js'

type Kind = 'latch'

/** Node names: ours, or those of Curator's LeaderLatch / kazoo's Election to share a path with them. */
export type LatchNaming = 'zoo' | 'curator' | 'kazoo'

const NAMINGS: Record<LatchNaming, () => NamingScheme<Kind>> = {
  zoo: () => zooNaming({ latch: 'latch' }),
  // Curator's LeaderLatch: `_c_<uuid>-latch-<seq>`; kazoo's Election is a Lock: `<hex>__lock__<seq>`.
  curator: () => curatorNaming({ latch: 'latch-' }),
  kazoo: () => kazooNaming({ latch: '__lock__' }),
}

const LIVE: ReadonlySet<ClientState> = new Set(['connected', 'reconnected'])
const ERROR_BACKOFF_MS = 200

export const latchOptionsSchema = z.strictObject({
  /** this participant's id, stored in its node (what Curator's and kazoo's participant lists show) */
  id: z.string().min(1),
  naming: z.enum(['zoo', 'curator', 'kazoo']).default('zoo'),
  /**
   * 'suspended' (default, safe): stand down the moment the connection drops, and check again on
   * reconnect. 'expired': keep leading while disconnected until the local deadline, as Curator's
   * SessionConnectionStateErrorPolicy.
   */
  standDownOn: z.enum(['suspended', 'expired']).default('suspended'),
  /** how much slower our clock may run than the servers' (0.01 = 1 %) */
  clockDriftRatio: z.number().min(0).max(0.5).default(0.01),
  /** heartbeat while leading; default a sixth of the negotiated session timeout */
  heartbeatIntervalMs: z.number().int().min(10).optional(),
  /**
   * The servers' tickTime, if known: a follower passes its clients' session touches on to the
   * ZooKeeper leader once per ping (every tick / 2), so a touch may reach it up to a tick late.
   * Default: half the negotiated session timeout, the largest tick Apache's default minimum
   * session timeout (2 ticks) allows. Knowing it makes the deadline later.
   */
  serverTickTimeMs: z.number().int().min(1).optional(),
  /** how a missing latch path is created: 'container' (as Curator) or 'persistent' (as kazoo) */
  parentMode: z.enum(['container', 'persistent']).default('container'),
})

export type LeaderLatchOptions = z.input<typeof latchOptionsSchema>

export interface Participant {
  id: string
  /** the participant's node */
  path: string
  isLeader: boolean
}

export interface LeaderInfo extends Participant {
  /** the leadership epoch: czxid of the leader's node */
  epoch: bigint
}

export class LeaderLatch extends LatchBase {
  readonly id: string
  readonly queue: ContenderQueue<Kind>
  private readonly options: z.output<typeof latchOptionsSchema>
  private readonly stop = new AbortController()
  private contender: Contender<Kind> | undefined
  private loop: Promise<void> | undefined
  private started: Promise<void> | undefined

  constructor(
    readonly client: ZooKeeperClient,
    readonly path: string,
    options: LeaderLatchOptions,
    clock: Clock = systemClock,
  ) {
    super(clock)
    this.options = parseOptions(latchOptionsSchema, options, 'LeaderLatch options')
    this.id = this.options.id
    this.queue = new ContenderQueue(client, path, { naming: NAMINGS[this.options.naming](), data: this.id, parentMode: this.options.parentMode })
  }

  /** Joins the election; resolves once our node exists (leader or not yet). */
  start(): Promise<void> {
    if (this.stop.signal.aborted) return Promise.reject(new LatchClosedError())
    if (!this.started) {
      let joined!: () => void
      this.started = new Promise<void>((resolve) => (joined = resolve))
      this.loop = this.run(joined)
      // A loop that dies of an unexpected error closes the latch; start() must not hang on it.
      void this.loop.finally(() => joined())
    }
    return this.started
  }

  /** Our node's path, once joined. */
  get ourPath(): string | undefined {
    return this.contender?.path
  }

  /** Watch notifications that made our current node look again (one per predecessor gone: no herd). */
  get wakeups(): number {
    return this.contender?.wakeups ?? 0
  }

  /** Every participant in queue order, as the server lists them now. */
  async participants(options: { signal?: AbortSignal } = {}): Promise<Participant[]> {
    const contenders = await this.queue.contenders(options)
    return contenders.map((c, i) => ({ id: c.id, path: `${this.path}/${c.name}`, isLeader: i === 0 }))
  }

  /** The current leader by the server's account (first in the queue), with its epoch. */
  async leader(options: { signal?: AbortSignal } = {}): Promise<LeaderInfo | undefined> {
    for (const participant of await this.participants(options)) {
      const stat = await this.client.exists(participant.path, options)
      if (stat) return { ...participant, isLeader: true, epoch: stat.czxid }
    }
    return undefined
  }

  /** Ends the current term and deletes our node; with `requeue`, joins again at the back. */
  async relinquish({ requeue }: { requeue: boolean }): Promise<void> {
    if (!requeue) return this.close()
    const contender = this.contender
    this.contender = undefined
    this.leadership.lose('released')
    await contender?.leave()
  }

  /** Gives leadership up at once (notLeader before this returns) and deletes our node. */
  async close(): Promise<void> {
    this.stop.abort(new LatchClosedError())
    this.leadership.close()
    const contender = this.contender
    this.contender = undefined
    await contender?.leave()
    await this.loop?.catch(() => undefined)
  }

  // ------------------------------------------------------------------ the loop

  private async run(joined: () => void): Promise<void> {
    const stop = this.stop.signal
    while (!stop.aborted) {
      try {
        await this.untilLive()
        const contender = (this.contender ??= await this.queue.join('latch', { signal: stop }))
        joined()
        await contender.waitUntil(firstN(1), { signal: stop })
        const sendMs = this.clock.now()
        await this.client.sync(this.path, { signal: stop })
        const decision = await contender.check(firstN(1), stop)
        if (!decision.holds || this.contender !== contender || contender.hasLeft || stop.aborted) continue
        // Before leading, our requests may be a ping interval (a third of the timeout) apart.
        const term = this.leadership.gain(contender.czxid, this.deadline(sendMs, Math.floor(this.client.negotiatedTimeoutMs / 3)))
        if (term) await this.lead(contender, term)
      } catch (error) {
        if (stop.aborted) break
        await this.recover(error)
      }
    }
  }

  /** What went wrong decides what is next: a new node, waiting for the connection, or giving up. */
  private async recover(error: unknown): Promise<void> {
    if (error instanceof PlaceLostError) {
      if (error.reason !== 'suspended') this.contender = undefined
      return
    }
    if (isSessionExpired(error)) {
      this.contender = undefined
      return
    }
    if (isConnectionLoss(error)) return
    if (this.client.state === 'closed' || this.client.state === 'authFailed') {
      this.emitError(error)
      this.stop.abort(error)
      this.leadership.close()
      return
    }
    this.emitError(error)
    await sleep(ERROR_BACKOFF_MS, this.stop.signal).catch(() => undefined)
  }

  /** Leads until the term ends; returns with the term over. */
  private async lead(contender: Contender<Kind>, term: LeaderTerm): Promise<void> {
    for (;;) {
      const hold = contender.holdSignal()
      await this.heartbeat(contender, term, AbortSignal.any([hold, term.signal, this.stop.signal]))
      if (term.signal.aborted || this.stop.signal.aborted) return
      const lost = hold.reason as PlaceLostError
      if (lost.reason === 'suspended' && this.options.standDownOn === 'expired' && (await this.reconnectedWithin(term))) continue
      this.leadership.lose(lostReason(lost))
      if (lost.reason !== 'suspended' && this.contender === contender) this.contender = undefined
      return
    }
  }

  /**
   * While leading: every interval, ask the server whether our node is still there and ours, and
   * move the deadline to that request's send time plus the session timeout.
   */
  private async heartbeat(contender: Contender<Kind>, term: LeaderTerm, ended: AbortSignal): Promise<void> {
    const intervalMs = this.heartbeatIntervalMs()
    // The first right away: the term began with the weaker deadline of a non-leader.
    for (let first = true; !ended.aborted; first = false) {
      try {
        if (!first) await sleep(intervalMs, ended)
        const sendMs = this.clock.now()
        await this.client.sync(contender.path, { signal: ended })
        const stat = await this.client.exists(contender.path, { signal: ended })
        if (stat === null || stat.ephemeralOwner !== contender.sessionId) {
          this.leadership.lose('deposed')
          if (this.contender === contender) this.contender = undefined
          return
        }
        this.leadership.extend(term.epoch, this.deadline(sendMs, intervalMs))
      } catch {
        // Aborted, or the connection went: the hold signal says which, and lead() decides.
        if (!ended.aborted) await sleep(Math.min(intervalMs, 100), ended).catch(() => undefined)
      }
    }
  }

  /** Policy 'expired': true once the same session is back before the term's deadline. */
  private reconnectedWithin(term: LeaderTerm): Promise<boolean> {
    return new Promise((resolve) => {
      const done = (value: boolean) => {
        this.client.off('state', onState)
        term.signal.removeEventListener('abort', onEnd)
        resolve(value)
      }
      const onState = (state: ClientState) => {
        if (state === 'reconnected') done(true)
        else if (state === 'expired' || state === 'closed' || state === 'authFailed') done(false)
      }
      const onEnd = () => done(false)
      this.client.on('state', onState)
      term.signal.addEventListener('abort', onEnd, { once: true })
      if (term.signal.aborted) done(false)
      else if (LIVE.has(this.client.state)) done(true)
    })
  }

  /** Resolves once the client has a live connection; throws when it never will. */
  private untilLive(): Promise<void> {
    const stop = this.stop.signal
    return new Promise((resolve, reject) => {
      const check = (state: ClientState) => {
        if (LIVE.has(state)) return finish(resolve)
        if (state === 'closed' || state === 'authFailed') finish(() => reject(new Error(`the ZooKeeper client is ${state}`)))
      }
      const finish = (then: () => void) => {
        this.client.off('state', check)
        stop.removeEventListener('abort', onStop)
        then()
      }
      const onStop = () => finish(() => reject(stop.reason))
      this.client.on('state', check)
      stop.addEventListener('abort', onStop, { once: true })
      check(this.client.state)
    })
  }

  private heartbeatIntervalMs(): number {
    return this.options.heartbeatIntervalMs ?? Math.max(10, Math.floor(this.client.negotiatedTimeoutMs / 6))
  }

  /**
   * The latest local time the session surely lives, given that the ZooKeeper leader answered a
   * sync we sent at `sendMs` and that we send something at least every `requestGapMs`.
   *
   * The leader expires a session a timeout after it last heard of it; about sessions on a
   * follower it hears from the follower's ping replies (one per ping, every tick / 2), each
   * touched at the leader's receipt. The sync proves the follower-leader link carried our request
   * after `sendMs`; on that ordered link, the reply to a ping sent at least half a tick earlier
   * (so at most a tick before the sync reached the leader) went first and reported our latest
   * touch before it, at most `requestGapMs` older. So the leader heard of us at or after
   * `sendMs - tick - requestGapMs`, and cannot expire us before that plus the timeout.
   */
  private deadline(sendMs: number, requestGapMs: number): number {
    const timeoutMs = this.client.negotiatedTimeoutMs
    // No session at this instant (expired meanwhile): a deadline in the past, so no term starts.
    if (timeoutMs <= 0) return sendMs
    const tickMs = this.options.serverTickTimeMs ?? Math.floor(timeoutMs / 2)
    return deadlineAfter(sendMs, timeoutMs, this.options.clockDriftRatio, tickMs + requestGapMs)
  }
}

function lostReason(error: PlaceLostError): LostReason {
  switch (error.reason) {
    case 'suspended':
      return 'suspended'
    case 'expired':
      return 'expired'
    case 'nodeDeleted':
      return 'deposed'
    case 'left':
      return 'released'
    case 'closed':
      return 'closed'
  }
}
