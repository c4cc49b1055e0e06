/**
 * The ordered-contender queue every ZooKeeper recipe here stands on (mutex, read/write lock,
 * semaphore, leader latch): "join the queue, learn when I am first, learn when my place may be
 * lost, leave".
 *
 * - join: a protected ephemeral-sequential create. Its name carries a fresh id (session id +
 *   random where the naming allows), so after a connection loss during the create the client
 *   looks for its own node (checking that our session owns it) instead of creating a second one
 *   that nobody would ever delete (recipe-pitfalls #2).
 * - waitUntil(rule): the rule looks at the ordered contenders and says "you hold it" or "watch
 *   this one". Only that one node is watched, with getData, which leaves no watch behind when the
 *   node is already gone (exists would): one release wakes one waiter (pitfall #1).
 * - holdSignal(): aborts when the place may be lost: the connection drops, the session expires
 *   or changes, or the node is deleted (pitfalls #3, #4).
 * - leave(): idempotent; deletes this contender's own node and nothing else.
 */
import { ErrorCode, KeeperError, isConnectionLoss, isNoNode, isNodeExists, isSessionExpired, type ACL, type WatchEvent, type ZooKeeperClient } from '@zoo/client'
import { orderContenders, type NamingScheme, type ParsedName } from './naming.js'
import { PlaceLostError, deadlineSignal, sessionLossSignal, sleep, whenAborted } from './signals.js'

/** What a rule decides for one contender at one moment. */
export type Decision = { holds: true } | { holds: false; watch: string }

/** Given the contenders in order and our index among them, do we hold, or whom do we wait for? */
export type Rule<K extends string = string> = (ordered: readonly ParsedName<K>[], index: number) => Decision

/** Holds when fewer than `n` contenders are ahead; otherwise waits for the nearest one ahead. */
export function firstN(n = 1): Rule {
  if (!(Number.isInteger(n) && n >= 1)) throw new RangeError(`firstN needs a whole number >= 1, not ${n}`)
  return (ordered, index) => (index < n ? { holds: true } : { holds: false, watch: ordered[index - 1]!.name })
}

/**
 * Holds when no contender of a `blocking` kind is ahead; otherwise waits for the nearest such
 * one. A shared (read) lock with `blocking = ['write']`, as kazoo's ReadLock and Curator's read lock.
 */
export function noneAheadOf<K extends string>(blocking: readonly K[]): Rule<K> {
  const set = new Set<string>(blocking)
  return (ordered, index) => {
    for (let i = index - 1; i >= 0; i--) {
      if (set.has(ordered[i]!.kind)) return { holds: false, watch: ordered[i]!.name }
    }
    return { holds: true }
  }
}

export interface ContenderQueueOptions<K extends string> {
  naming: NamingScheme<K>
  /** written into each contender node: the contender's id (kazoo's and Curator's contenders() read it) */
  data?: string | Buffer
  /** how a missing queue node is created: 'container' (default, as Curator: the server removes it when empty) or 'persistent' (as kazoo) */
  parentMode?: 'container' | 'persistent'
  acl?: readonly ACL[]
  /** creates tried before join gives up (connection losses, a parent removed meanwhile); default 10 */
  maxCreateAttempts?: number
}

/** One contender as listed by `contenders()`. */
export interface ContenderInfo<K extends string = string> extends ParsedName<K> {
  /** the node's data as UTF-8: the id its owner gave */
  id: string
}

const MAX_LEAVE_ATTEMPTS = 20
const RETRY_DELAY_MS = 100

export class ContenderQueue<K extends string = string> {
  readonly naming: NamingScheme<K>
  private readonly data: Buffer
  private readonly parentMode: 'container' | 'persistent'
  private readonly acl: readonly ACL[] | undefined
  private readonly maxCreateAttempts: number

  constructor(
    readonly client: ZooKeeperClient,
    /** the queue's node: contenders are its children */
    readonly path: string,
    options: ContenderQueueOptions<K>,
  ) {
    if (!path.startsWith('/') || path === '/' || path.endsWith('/')) throw new TypeError(`queue path must be absolute and not the root: ${JSON.stringify(path)}`)
    this.naming = options.naming
    this.data = Buffer.from(options.data ?? '')
    this.parentMode = options.parentMode ?? 'container'
    this.acl = options.acl
    this.maxCreateAttempts = options.maxCreateAttempts ?? 10
  }

  /**
   * Creates this process's contender node (protected), creating the queue node if needed. When
   * `signal` aborts while the create is out, it rejects only after removing that node.
   */
  async join(kind: K, options: { signal?: AbortSignal } = {}): Promise<Contender<K>> {
    const { signal } = options
    const protectedId = this.naming.newProtectedId(this.client.sessionId)
    const prefixPath = `${this.path}/${this.naming.prefix(kind, protectedId)}`
    for (let attempt = 1; attempt <= this.maxCreateAttempts; attempt++) {
      signal?.throwIfAborted()
      try {
        const { path, stat } = await this.client.createWithStat(prefixPath, this.data, { mode: 'ephemeral-sequential', acl: this.acl, signal })
        return this.contender(path, stat.czxid, stat.ephemeralOwner)
      } catch (error) {
        if (isNoNode(error)) {
          await this.ensureQueueNode(signal)
          continue
        }
        if (!(error instanceof KeeperError)) {
          // Aborted while the create was queued or in flight: it may still be applied. Our
          // later requests follow it on the same connection, so this finds it if it was; the
          // caller gets its abort only once the node is gone (a failed removal leaves it to the
          // session's end, and the abort reason still wins).
          await this.removeOwn(protectedId).catch(() => {})
          throw error
        }
        if (!isConnectionLoss(error)) throw error
        // The create may have been applied and only the reply lost: find it before trying again.
        const found = await this.findOwn(protectedId, signal)
        if (found) return found
      }
    }
    throw new KeeperError(ErrorCode.CONNECTIONLOSS, this.path, { cause: new Error(`no contender node after ${this.maxCreateAttempts} attempts`) })
  }

  /** Every contender in queue order, with the id stored in its node. */
  async contenders(options: { signal?: AbortSignal } = {}): Promise<ContenderInfo<K>[]> {
    const ordered = await this.ordered(options.signal)
    const infos = await Promise.all(
      ordered.map(async (entry) => {
        try {
          const { data } = await this.client.getData(`${this.path}/${entry.name}`, { signal: options.signal })
          return { ...entry, id: data.toString('utf8') }
        } catch (error) {
          if (isNoNode(error)) return undefined
          throw error
        }
      }),
    )
    return infos.filter((info): info is ContenderInfo<K> => info !== undefined)
  }

  /** The contenders in queue order (names only); [] when the queue node does not exist. */
  async ordered(signal?: AbortSignal): Promise<ParsedName<K>[]> {
    try {
      const { children } = await this.client.getChildren(this.path, { signal })
      return orderContenders(this.naming, children)
    } catch (error) {
      if (isNoNode(error)) return []
      throw error
    }
  }

  /**
   * Our node with this protected id, if it exists and belongs to our current session. Retries
   * through connection losses: the client holds requests until it reconnects.
   */
  async findOwn(protectedId: string, signal?: AbortSignal): Promise<Contender<K> | undefined> {
    for (let attempt = 1; ; attempt++) {
      try {
        for (const entry of await this.ordered(signal)) {
          if (entry.protectedId !== protectedId) continue
          const path = `${this.path}/${entry.name}`
          const stat = await this.client.exists(path, { signal })
          // A node of an earlier session with our id (the session expired meanwhile) is not ours.
          if (stat && stat.ephemeralOwner === this.client.sessionId) return this.contender(path, stat.czxid, stat.ephemeralOwner)
        }
        return undefined
      } catch (error) {
        if (!isConnectionLoss(error) || attempt >= this.maxCreateAttempts) throw error
        await sleep(RETRY_DELAY_MS, signal)
      }
    }
  }

  private async removeOwn(protectedId: string): Promise<void> {
    const own = await this.findOwn(protectedId)
    await own?.leave()
  }

  /**
   * Creates the queue node and its missing ancestors in one round trip: the server applies one
   * session's requests in order, so the ancestors' creates, sent in the same write, come first.
   */
  private async ensureQueueNode(signal: AbortSignal | undefined): Promise<void> {
    const parent = this.path.slice(0, this.path.lastIndexOf('/'))
    const [ancestors, own] = await Promise.allSettled([
      parent === '' ? Promise.resolve() : this.client.mkdirp(parent, { signal, acl: this.acl }),
      this.client.create(this.path, null, { mode: this.parentMode, acl: this.acl, signal }),
    ])
    // An ancestor that could not be created is the cause; the queue node's NONODE only follows from it.
    if (ancestors.status === 'rejected') throw ancestors.reason
    if (own.status === 'rejected' && !isNodeExists(own.reason)) throw own.reason
  }

  private contender(path: string, czxid: bigint, ephemeralOwner: bigint): Contender<K> {
    const name = path.slice(path.lastIndexOf('/') + 1)
    const parsed = this.naming.parse(name)
    if (!parsed) throw new Error(`assertion failed: created ${JSON.stringify(name)}, which the ${this.naming.style} naming does not parse`)
    return new Contender(this, path, parsed.kind, parsed.sequence, czxid, ephemeralOwner)
  }
}

/** One node in the queue: ours. */
export class Contender<K extends string = string> {
  readonly name: string
  /** watch notifications that made this contender look again (a herd test counts these) */
  wakeups = 0
  private left = false
  private readonly leaveController = new AbortController()
  private leaving: Promise<void> | undefined
  /** a getData watch on our own node is set or on its way (see armOwnWatch) */
  private ownWatchArmed = false
  /** why our node is known to be gone, once it is */
  private ownNodeLost: PlaceLostError | undefined
  /** abort functions of the hold signals not aborted yet */
  private readonly ownNodeListeners = new Set<(error: PlaceLostError) => void>()

  constructor(
    readonly queue: ContenderQueue<K>,
    readonly path: string,
    readonly kind: K,
    readonly sequence: number,
    /** the zxid that created the node: strictly increasing across all creates, whatever the parent */
    readonly czxid: bigint,
    /** the session that owns the node */
    readonly sessionId: bigint,
  ) {
    this.name = path.slice(path.lastIndexOf('/') + 1)
  }

  private get client(): ZooKeeperClient {
    return this.queue.client
  }

  /** One look: does the rule say we hold now? Throws PlaceLostError when our node is gone. */
  async check(rule: Rule<K>, signal?: AbortSignal): Promise<Decision> {
    if (this.left) throw new PlaceLostError('left', this.path)
    const listing = this.queue.ordered(signal)
    // The watch a hold signal needs rides in the same write as this read: no round trip of its own
    // once we hold, and nothing queued ahead of the release's delete.
    this.armOwnWatch()
    const ordered = await listing
    // A new session cannot own this node, even while the server has not deleted it yet.
    if (this.client.sessionId !== this.sessionId) throw new PlaceLostError('expired', this.path)
    const index = ordered.findIndex((c) => c.name === this.name)
    if (index < 0) throw new PlaceLostError(this.client.state === 'expired' ? 'expired' : 'nodeDeleted', this.path)
    const decision = rule(ordered, index)
    if (!decision.holds && !ordered.some((c, i) => i < index && c.name === decision.watch)) {
      throw new Error(`assertion failed: a rule must wait for a contender ahead, not ${decision.watch}`)
    }
    return decision
  }

  /**
   * Resolves once the rule says we hold. Rejects with the signal's reason (RecipeTimeoutError
   * after `timeoutMs`), or PlaceLostError when our node or session is gone. The node stays: the
   * caller decides whether to leave.
   */
  async waitUntil(rule: Rule<K>, options: { signal?: AbortSignal; timeoutMs?: number } = {}): Promise<void> {
    const deadline = deadlineSignal(options, `waiting for ${this.queue.path}`)
    try {
      for (;;) {
        deadline.signal?.throwIfAborted()
        const decision = await this.check(rule, deadline.signal)
        if (decision.holds) return
        await this.waitForChange(`${this.queue.path}/${decision.watch}`, deadline.signal)
      }
    } finally {
      deadline.dispose()
    }
  }

  /** Waits until the watched node changes or is gone; a notification counts as one wake-up. */
  private async waitForChange(path: string, signal: AbortSignal | undefined): Promise<void> {
    let notify!: (event: WatchEvent) => void
    const notified = new Promise<WatchEvent>((resolve) => (notify = resolve))
    const watch = (event: WatchEvent) => notify(event)
    try {
      await this.client.getData(path, { watch, signal })
    } catch (error) {
      if (isNoNode(error)) return
      throw error
    }
    const aborted = signal ? whenAborted(signal) : undefined
    const event = await Promise.race([notified, aborted?.promise.then(() => undefined) ?? new Promise<never>(() => {})])
    aborted?.dispose()
    if (event === undefined) {
      // Take the watch back so that nothing of a cancelled wait stays on the server.
      this.client.removeWatches(path, { type: 'data', watch }).catch(() => {})
      throw signal!.reason
    }
    if (event.type === 'sessionExpired') throw new PlaceLostError('expired', this.path)
    this.wakeups++
  }

  /**
   * An AbortSignal that aborts (reason PlaceLostError) when the place may be lost: the connection
   * drops, the session expires or closes, the node is deleted, or we leave. Take it once we hold.
   */
  holdSignal(): AbortSignal {
    const controller = new AbortController()
    const abort = (error: PlaceLostError) => controller.abort(error)
    if (this.left) abort(new PlaceLostError('left', this.path))
    const session = sessionLossSignal(this.client, this.path, this.leaveController.signal)
    const stop = AbortSignal.any([session, this.leaveController.signal])
    const onStop = () => abort(stop.reason as PlaceLostError)
    if (stop.aborted) onStop()
    else stop.addEventListener('abort', onStop, { once: true })
    if (this.client.sessionId !== this.sessionId) abort(new PlaceLostError('expired', this.path))
    if (this.ownNodeLost) abort(this.ownNodeLost)
    if (!controller.signal.aborted) {
      this.ownNodeListeners.add(abort)
      controller.signal.addEventListener('abort', () => this.ownNodeListeners.delete(abort), { once: true })
      this.armOwnWatch()
    }
    return controller.signal
  }

  /**
   * Keeps one data watch on our own node (getData: NONODE says at once that it is gone), shared
   * by every hold signal taken. Armed by the first check(), pipelined with its read, or by
   * holdSignal() if no check came first; armed again after a change of data or a failed arming
   * (connection loss: the session signal covers that meanwhile).
   */
  private armOwnWatch(): void {
    if (this.ownWatchArmed || this.ownNodeLost || this.left) return
    this.ownWatchArmed = true
    const watch = (event: WatchEvent) => {
      this.ownWatchArmed = false
      if (event.type === 'deleted') this.ownNodeGone(new PlaceLostError(this.left ? 'left' : 'nodeDeleted', this.path))
      else if (event.type === 'sessionExpired') this.ownNodeGone(new PlaceLostError('expired', this.path))
      else if (event.type === 'dataChanged' && this.ownNodeListeners.size > 0) this.armOwnWatch()
    }
    this.client.getData(this.path, { watch }).catch((error: unknown) => {
      this.ownWatchArmed = false
      if (isNoNode(error)) this.ownNodeGone(new PlaceLostError(this.left ? 'left' : 'nodeDeleted', this.path))
    })
  }

  /** Our node is gone for good: every hold signal taken, and every later one, aborts with `error`. */
  private ownNodeGone(error: PlaceLostError): void {
    this.ownNodeLost ??= error
    for (const abort of [...this.ownNodeListeners]) abort(this.ownNodeLost)
    this.ownNodeListeners.clear()
  }

  /**
   * Deletes our node (and only ours: its name is unique to this join). Idempotent: later calls
   * return the first call's promise. A node already gone (deleted, or its session expired) is
   * fine. Connection losses are retried while the session may still be alive.
   */
  leave(): Promise<void> {
    if (this.leaving) return this.leaving
    this.left = true
    this.leaveController.abort(new PlaceLostError('left', this.path))
    this.leaving = this.deleteOwnNode()
    return this.leaving
  }

  private async deleteOwnNode(): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      // Another session cannot delete our ephemeral for us, and a new session of ours is not its owner.
      if (this.client.sessionId !== this.sessionId) return
      try {
        await this.client.delete(this.path)
        return
      } catch (error) {
        if (isNoNode(error) || isSessionExpired(error)) return
        if (!isConnectionLoss(error) || attempt >= MAX_LEAVE_ATTEMPTS) throw error
        await sleep(RETRY_DELAY_MS)
      }
    }
  }

  get hasLeft(): boolean {
    return this.left
  }
}
