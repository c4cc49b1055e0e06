/**
 * The public client: every ZooKeeper operation as a typed promise. Paths are the user's (the
 * chroot is added and removed here); errors are KeeperError with the code and the user's path.
 */
import {
  ErrorCode, KeeperError, OpCode,
  type ACL, type DecodedReply, type ErrorCode as ErrorCodeValue, type MultiReadOp, type Request, type Stat,
} from '@zoo/protocol'
import { onAbort } from './abort.js'
import { ClientCore, type CallOptions, type CoreDependencies } from './core.js'
import type { EventStream } from './event-stream.js'
import { createRequestFields, toBytes, toData, type CreateOptions, type NodeData } from './modes.js'
import { parseClientOptions, parseConnectionString, type ClientOptions } from './options.js'
import { joinPath, pathPrefixes, validatePath } from './paths.js'
import { retryDelayMs } from './retry.js'
import type { ClientState } from './state.js'
import { Transaction, checkVersion, transactionResults, type TransactionOp, type TransactionResult } from './transaction.js'
import type { OneShotKind, PersistentWatchEvent, RemovableKind, WatchCallback } from './watches.js'

export interface ReadOptions extends CallOptions {
  /** a one-shot watch: called once with the next change (or sessionExpired / removed) */
  watch?: WatchCallback
}

export interface VersionOptions extends CallOptions {
  /** expected version; -1 (default) matches any */
  version?: number
}

export interface WatchOptions {
  /** the node and every descendant (created, deleted, dataChanged), not just the node */
  recursive?: boolean
  /** ends the iteration */
  signal?: AbortSignal
}

export interface RemoveWatchesOptions extends CallOptions {
  /** 'data' (getData/exists watches), 'children', or 'any' (default) */
  type?: RemovableKind
  /** only this callback (default: every watch of the type on the path) */
  watch?: WatchCallback
  /** remove here only, even when the server cannot be told */
  local?: boolean
}

export type MultiReadRequest = { type: 'getData'; path: string } | { type: 'getChildren'; path: string }
export type MultiReadResult =
  | { type: 'getData'; data: Buffer; stat: Stat }
  | { type: 'getChildren'; children: string[] }
  | { type: 'error'; error: KeeperError }

export interface AuthInfo {
  scheme: string
  user: string
}

const EMPTY = Buffer.alloc(0)
const NO_WATCH = { ask: false, hook: undefined } as const
/** Which one-shot watch a read's reply sets, by its error code (as the server does). */
const existsWatchKind = (err: number): OneShotKind | undefined => (err === ErrorCode.OK ? 'data' : err === ErrorCode.NONODE ? 'exist' : undefined)
const dataWatchKind = (err: number): OneShotKind | undefined => (err === ErrorCode.OK ? 'data' : undefined)
const childWatchKind = (err: number): OneShotKind | undefined => (err === ErrorCode.OK ? 'child' : undefined)
const WATCHER_TYPE = { data: 2, children: 1, any: 3 } as const

function check(reply: DecodedReply, path: string | undefined): void {
  if (reply.header.err !== ErrorCode.OK) throw new KeeperError(reply.header.err as ErrorCodeValue, path)
}

export class ZooKeeperClient {
  /** @internal */
  readonly core: ClientCore

  /** @internal use createClient() */
  constructor(core: ClientCore) {
    this.core = core
  }

  // ------------------------------------------------------------------ session facts

  get state(): ClientState {
    return this.core.state
  }
  get sessionId(): bigint {
    return this.core.session.sessionId
  }
  get sessionPassword(): Buffer {
    return Buffer.from(this.core.session.password)
  }
  get negotiatedTimeoutMs(): number {
    return this.core.session.negotiatedTimeoutMs
  }
  /** the newest zxid any reply carried; never goes back, not even across a session expiry */
  get lastZxidSeen(): bigint {
    return this.core.session.lastZxidSeen
  }
  /** `host:port` of the server this client talks to now, if connected */
  get connectedHost(): string | undefined {
    return this.core.connectedHost
  }

  /**
   * An AbortSignal that fires when the current connection is lost (state `suspended`), the
   * session expires, or the client closes. Already aborted when not connected. Recipes hand it
   * to work that must stop as soon as the client can no longer vouch for its session.
   */
  connectionSignal(): AbortSignal {
    return this.core.connectionSignal()
  }

  /** An AbortSignal that fires when the current session ends (expired, closed, auth failed). */
  sessionSignal(): AbortSignal {
    return this.core.sessionSignal()
  }

  on(event: 'state', listener: (state: ClientState) => void): this
  on(event: 'error', listener: (error: unknown) => void): this
  on(event: 'state' | 'error', listener: (arg: any) => void): this {
    this.core.on(event, listener)
    return this
  }

  once(event: 'state', listener: (state: ClientState) => void): this
  once(event: 'error', listener: (error: unknown) => void): this
  once(event: 'state' | 'error', listener: (arg: any) => void): this {
    this.core.once(event, listener)
    return this
  }

  off(event: 'state' | 'error', listener: (arg: any) => void): this {
    this.core.off(event, listener)
    return this
  }

  // ------------------------------------------------------------------ plumbing

  private toServer(path: string): string {
    validatePath(path)
    return this.core.chroot.toServer(path)
  }

  /** Sends one request; with a retry policy, idempotent ones are repeated after CONNECTIONLOSS. */
  private request(request: Request, path: string | undefined, options: CallOptions | undefined, onReply?: (reply: DecodedReply) => void): Promise<DecodedReply> {
    if (this.core.options.retry === false) return this.core.submit(request, path, options, onReply)
    return this.withRetry(request, path, options, onReply)
  }

  private async withRetry(request: Request, path: string | undefined, options: CallOptions | undefined, onReply?: (reply: DecodedReply) => void): Promise<DecodedReply> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.core.submit(request, path, options, onReply)
      } catch (error) {
        const code = error instanceof KeeperError ? error.code : undefined
        const delayMs = retryDelayMs(this.core.options.retry, request.type, code, attempt, Math.random)
        if (delayMs === undefined) throw error
        await sleep(delayMs, options?.signal)
      }
    }
  }

  // ------------------------------------------------------------------ writes

  /** Creates a node; returns its path (with the sequence suffix for sequential modes). */
  async create(path: string, data?: NodeData, options: CreateOptions = {}): Promise<string> {
    const fields = createRequestFields(path, data, options)
    const reply = await this.request({ ...fields, path: this.core.chroot.toServer(path) } as Request, path, options)
    check(reply, path)
    return this.core.chroot.fromServer((reply.response as { path: string }).path)
  }

  /** Like create, and also returns the new node's Stat (create2). */
  async createWithStat(path: string, data?: NodeData, options: CreateOptions = {}): Promise<{ path: string; stat: Stat }> {
    const fields = createRequestFields(path, data, options, true)
    const reply = await this.request({ ...fields, path: this.core.chroot.toServer(path) } as Request, path, options)
    check(reply, path)
    const response = reply.response as { path: string; stat: Stat }
    return { path: this.core.chroot.fromServer(response.path), stat: response.stat }
  }

  async delete(path: string, options: VersionOptions = {}): Promise<void> {
    const version = options.version ?? -1
    checkVersion(version)
    check(await this.request({ type: OpCode.delete, path: this.toServer(path), version }, path, options), path)
  }

  async setData(path: string, data: NodeData, options: VersionOptions = {}): Promise<Stat> {
    const version = options.version ?? -1
    checkVersion(version)
    const reply = await this.request({ type: OpCode.setData, path: this.toServer(path), data: toData(data), version }, path, options)
    check(reply, path)
    return (reply.response as { stat: Stat }).stat
  }

  async setACL(path: string, acl: readonly ACL[], options: VersionOptions = {}): Promise<Stat> {
    const version = options.version ?? -1
    checkVersion(version)
    const reply = await this.request({ type: OpCode.setACL, path: this.toServer(path), acl: [...acl], version }, path, options)
    check(reply, path)
    return (reply.response as { stat: Stat }).stat
  }

  /** A builder for an atomic multi: `.check().setData().delete().commit()`. */
  transaction(): Transaction {
    return new Transaction(this.core.chroot, (ops, options) => this.commit(ops, options))
  }

  private async commit(ops: TransactionOp[], options: CallOptions | undefined): Promise<TransactionResult[]> {
    if (ops.length === 0) return []
    const reply = await this.request({ type: OpCode.multi, ops: ops.map((o) => o.op) }, undefined, options)
    check(reply, undefined)
    return transactionResults(ops, (reply.response as { results: Parameters<typeof transactionResults>[1] }).results, this.core.chroot)
  }

  /**
   * Changes the ensemble's membership (needs `reconfigEnabled` and an admin identity on the
   * server). Server lists use the `server.N=host:quorum:election;client` syntax, comma-separated;
   * `fromConfigVersion` makes it conditional on the current config version. Returns the new config.
   */
  async reconfig(change: { joining?: string; leaving?: string; newMembers?: string; fromConfigVersion?: bigint }, options?: CallOptions): Promise<{ data: Buffer; stat: Stat }> {
    const request: Request = { type: OpCode.reconfig, joiningServers: change.joining ?? null, leavingServers: change.leaving ?? null, newMembers: change.newMembers ?? null, curConfigId: change.fromConfigVersion ?? -1n }
    const reply = await this.request(request, '/zookeeper/config', options)
    check(reply, '/zookeeper/config')
    const response = reply.response as { data: Buffer | null; stat: Stat }
    return { data: response.data ?? EMPTY, stat: response.stat }
  }

  // ------------------------------------------------------------------ reads

  /**
   * A one-shot watch: whether to ask the server for it (not when a persistent watch on the path
   * already brings its events, see watches.ts), and the hook that registers it when the reply
   * is read. Should the persistent watch have gone while the read was out, the watch is set
   * with SetWatches2 relative to the reply's zxid, so a change after the read still fires.
   */
  private oneShot(path: string, watch: WatchCallback | undefined, kindFor: (err: number) => OneShotKind | undefined) {
    if (watch === undefined) return NO_WATCH
    const watches = this.core.watches
    const ask = watches.serverNeedsOneShot(path)
    const hook = (reply: DecodedReply) => {
      const kind = kindFor(reply.header.err)
      if (kind === undefined) return
      watches.addOneShot(kind, path, watch)
      if (!ask && watches.serverNeedsOneShot(path)) this.core.setWatches(path, reply.header.zxid)
    }
    return { ask, hook }
  }

  /** The node's Stat, or null when it does not exist; `watch` fires on its creation, change or deletion. */
  async exists(path: string, options: ReadOptions = {}): Promise<Stat | null> {
    const server = this.toServer(path)
    const watch = options.watch
    const { ask, hook } = this.oneShot(path, watch, existsWatchKind)
    const reply = await this.request({ type: OpCode.exists, path: server, watch: ask }, path, options, hook)
    if (reply.header.err === ErrorCode.NONODE) return null
    check(reply, path)
    return (reply.response as { stat: Stat }).stat
  }

  async getData(path: string, options: ReadOptions = {}): Promise<{ data: Buffer; stat: Stat }> {
    const server = this.toServer(path)
    const { ask, hook } = this.oneShot(path, options.watch, dataWatchKind)
    const reply = await this.request({ type: OpCode.getData, path: server, watch: ask }, path, options, hook)
    check(reply, path)
    const response = reply.response as { data: Buffer | null; stat: Stat }
    return { data: response.data ?? EMPTY, stat: response.stat }
  }

  /** Children names (unsorted, as the server keeps them) and the node's Stat. */
  async getChildren(path: string, options: ReadOptions = {}): Promise<{ children: string[]; stat: Stat }> {
    const server = this.toServer(path)
    const { ask, hook } = this.oneShot(path, options.watch, childWatchKind)
    const reply = await this.request({ type: OpCode.getChildren2, path: server, watch: ask }, path, options, hook)
    check(reply, path)
    return reply.response as { children: string[]; stat: Stat }
  }

  /** Number of descendants (children, grandchildren, ...), not counting the node itself. */
  async getAllChildrenNumber(path: string, options?: CallOptions): Promise<number> {
    const reply = await this.request({ type: OpCode.getAllChildrenNumber, path: this.toServer(path) }, path, options)
    check(reply, path)
    return (reply.response as { totalNumber: number }).totalNumber
  }

  /** Paths of this session's ephemeral nodes under `prefixPath` (default: all). */
  async getEphemerals(prefixPath = '/', options?: CallOptions): Promise<string[]> {
    const reply = await this.request({ type: OpCode.getEphemerals, prefixPath: this.toServer(prefixPath) }, prefixPath, options)
    check(reply, prefixPath)
    return (reply.response as { ephemerals: string[] }).ephemerals.map((p) => this.core.chroot.fromServer(p))
  }

  async getACL(path: string, options?: CallOptions): Promise<{ acl: ACL[]; stat: Stat }> {
    const reply = await this.request({ type: OpCode.getACL, path: this.toServer(path) }, path, options)
    check(reply, path)
    return reply.response as { acl: ACL[]; stat: Stat }
  }

  /** Makes the server this client is on catch up with the leader before later reads. */
  async sync(path = '/', options?: CallOptions): Promise<void> {
    check(await this.request({ type: OpCode.sync, path: this.toServer(path) }, path, options), path)
  }

  /** Several reads in one round trip; each succeeds or fails on its own (no atomicity). */
  async multiRead(reads: readonly MultiReadRequest[], options?: CallOptions): Promise<MultiReadResult[]> {
    if (reads.length === 0) return []
    const ops: MultiReadOp[] = reads.map((r) => ({ type: r.type === 'getData' ? OpCode.getData : OpCode.getChildren, path: this.toServer(r.path), watch: false }))
    const reply = await this.request({ type: OpCode.multiRead, ops }, undefined, options)
    check(reply, undefined)
    const results = (reply.response as { results: { type: number; err?: number; data?: Buffer | null; stat?: Stat; children?: string[] }[] }).results
    if (results.length !== reads.length) throw new KeeperError(ErrorCode.MARSHALLINGERROR, undefined, { cause: new Error(`${results.length} results for ${reads.length} reads`) })
    return results.map((result, i): MultiReadResult => {
      if (result.type === OpCode.getData) return { type: 'getData', data: result.data ?? EMPTY, stat: result.stat! }
      if (result.type === OpCode.getChildren) return { type: 'getChildren', children: result.children! }
      return { type: 'error', error: new KeeperError((result.err ?? ErrorCode.SYSTEMERROR) as ErrorCodeValue, reads[i]!.path) }
    })
  }

  /** The identities this connection is authenticated as (ZooKeeper 3.7+). */
  async whoAmI(options?: CallOptions): Promise<AuthInfo[]> {
    const reply = await this.request({ type: OpCode.whoAmI }, undefined, options)
    check(reply, undefined)
    return (reply.response as { clientInfo: { authScheme: string; user: string }[] }).clientInfo.map((c) => ({ scheme: c.authScheme, user: c.user }))
  }

  // ------------------------------------------------------------------ watches and auth

  /**
   * A persistent watch as an async iterator (addWatch): every change to the node (or, with
   * `recursive`, to any node under it) until the loop breaks or `signal` aborts. After a
   * reconnect or a new session it yields `{ type: 'resync' }`: changes may have been missed; re-read.
   */
  watch(path: string, options: WatchOptions = {}): AsyncIterableIterator<PersistentWatchEvent> {
    const recursive = options.recursive === true
    const server = this.toServer(path)
    const { stream, first } = this.core.openStream(path, recursive, options.signal)
    if (first) this.registerPersistent(stream, path, server, recursive)
    if (options.signal?.aborted) void stream.return()
    return stream
  }

  private registerPersistent(stream: EventStream<PersistentWatchEvent>, path: string, server: string, recursive: boolean): void {
    this.core.submit({ type: OpCode.addWatch, path: server, mode: recursive ? 1 : 0 }, path).then(
      (reply) => {
        if (reply.header.err !== ErrorCode.OK) stream.fail(new KeeperError(reply.header.err as ErrorCodeValue, path))
      },
      (error: unknown) => {
        // After a lost connection the registry still holds the watch: the reconnect's SetWatches2
        // registers it and the stream gets a resync. Anything else ends the stream.
        if (!(error instanceof KeeperError && error.code === ErrorCode.CONNECTIONLOSS)) stream.fail(error)
      },
    )
  }

  /** Removes one-shot watches set by getData/exists/getChildren; their callbacks get `removed`. */
  async removeWatches(path: string, options: RemoveWatchesOptions = {}): Promise<void> {
    const server = this.toServer(path)
    const type = options.type ?? 'any'
    const { deliveries, removed, serverToo } = this.core.watches.removeOneShot(path, type, options.watch)
    if (removed === 0) throw new KeeperError(ErrorCode.NOWATCHER, path)
    this.core.deliver(deliveries)
    if (options.local || !serverToo) return
    const reply = await this.request({ type: OpCode.removeWatches, path: server, watcherType: WATCHER_TYPE[type] }, path, options)
    check(reply, path)
  }

  /**
   * Authenticates this connection (e.g. `addAuth('digest', 'user:password')`). The credentials
   * are replayed on every reconnect, before anything else.
   */
  addAuth(scheme: string, credentials: string | Uint8Array): Promise<void> {
    if (typeof scheme !== 'string' || scheme.length === 0) return Promise.reject(new TypeError('addAuth needs a scheme, e.g. "digest"'))
    return this.core.addAuth(scheme, toBytes(credentials))
  }

  // ------------------------------------------------------------------ helpers

  /**
   * Creates `path` and every missing ancestor (persistent, empty unless `data` for the last).
   * The creates are pipelined: one round trip, whatever the depth.
   */
  async mkdirp(path: string, options: Omit<CreateOptions, 'mode' | 'ttlMs'> & { data?: NodeData } = {}): Promise<void> {
    validatePath(path)
    const prefixes = pathPrefixes(path)
    const attempts = prefixes.map((prefix, i) =>
      this.create(prefix, i === prefixes.length - 1 ? options.data : null, { acl: options.acl, signal: options.signal, timeoutMs: options.timeoutMs }).then(
        () => undefined,
        (error: unknown) => (error instanceof KeeperError && error.code === ErrorCode.NODEEXISTS ? undefined : error),
      ),
    )
    const errors = await Promise.all(attempts)
    const first = errors.find((e) => e !== undefined)
    if (first !== undefined) throw first
  }

  /**
   * Deletes `path` and everything under it, deepest first, pipelined level by level. Nodes
   * deleted by someone else meanwhile are fine; a child created meanwhile makes it start over
   * (up to `maxAttempts` times) and then fail with NOTEMPTY.
   */
  async deleteRecursive(path: string, options: CallOptions & { maxAttempts?: number } = {}): Promise<void> {
    validatePath(path)
    if (path === '/') throw new RangeError('deleteRecursive refuses to delete the root')
    const maxAttempts = options.maxAttempts ?? 5
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deleteTreeOnce(path, options)
      } catch (error) {
        if (!(error instanceof KeeperError && error.code === ErrorCode.NOTEMPTY) || attempt >= maxAttempts) throw error
      }
    }
  }

  private async deleteTreeOnce(path: string, options: CallOptions): Promise<void> {
    const levels: string[][] = []
    for (let level = [path]; level.length > 0; ) {
      levels.push(level)
      const listed = await Promise.all(level.map((p) => this.getChildren(p, options).then((r) => r.children.map((c) => joinPath(p, c)), ignoreNoNode([] as string[]))))
      level = listed.flat()
    }
    for (const level of levels.reverse()) {
      await Promise.all(level.map((p) => this.delete(p, options).catch(ignoreNoNode(undefined))))
    }
  }

  /** Ends the session (its ephemerals go at once) and the connection. */
  close(): Promise<void> {
    return this.core.close()
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }
}

function ignoreNoNode<T>(value: T): (error: unknown) => T {
  return (error) => {
    if (error instanceof KeeperError && error.code === ErrorCode.NONODE) return value
    throw error
  }
}

function sleep(ms: number, signal: AbortSignal | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(signal.reason)
    const timer = setTimeout(() => {
      unlisten?.()
      resolve()
    }, ms)
    const unlisten = signal && onAbort(signal, () => {
      clearTimeout(timer)
      reject(signal.reason)
    })
  })
}

/**
 * Connects and resolves once a session is established (or rejects with CONNECTIONLOSS when no
 * server gave one within `sessionTimeoutMs`). Options are checked first; a mistake throws an
 * InvalidOptionsError naming the field.
 */
export async function createClient(connectionString: string, options?: ClientOptions, deps?: CoreDependencies): Promise<ZooKeeperClient> {
  const target = parseConnectionString(connectionString)
  const resolved = parseClientOptions(options)
  const core = new ClientCore(target, resolved, deps)
  const client = new ZooKeeperClient(core)
  await core.start()
  return client
}
