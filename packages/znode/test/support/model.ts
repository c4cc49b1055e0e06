// A standalone "server" made of @zoo/znode alone, for the differential test: sessions with their
// auth ids, every write prepared and applied at once with the next zxid, reads answered from the
// tree, watch events queued per session. Times are a pure function of the zxid.
import { ErrorCode, OpCode, Perms } from '@zoo/protocol'
import type { Id, Request, Response, WatcherEvent } from '@zoo/protocol'
import {
  DataTree, PrepareView, SUPER_ID, WatchRegistry, authenticate, hasPermission, isReadRequest, isWriteRequest, multiResults, read,
} from '../../src/index.js'
import type { ApplyResult, WatchDelivery, WatchTrigger } from '../../src/index.js'

export interface ModelReply {
  err: number
  response?: Response
  /** lastProcessedZxid after the request, what Apache puts in the reply header. */
  zxid: bigint
  /** For writes: the triggers the txn fired (to know the ACL behind an event). */
  triggers?: WatchTrigger[]
}

export const MODEL_TIME_BASE = 1_700_000_000_000n

export interface ModelOptions {
  superDigest?: string
  enforceQuota?: boolean
  /** The auth id every connection has from its address (Apache adds ip:<remote address>). */
  ipId?: Id
}

export class Model {
  readonly tree = new DataTree()
  readonly view: PrepareView
  readonly watches = new WatchRegistry()
  readonly auth = new Map<bigint, Id[]>()
  /** Events per session, delivered (filtered false) or dropped by the 3.8.4 ACL rule (filtered true). */
  readonly events = new Map<bigint, { event: WatcherEvent; filtered: boolean }[]>()
  private zxid = 0n
  private readonly options: ModelOptions

  constructor(options: ModelOptions = {}) {
    this.options = options
    this.view = new PrepareView(this.tree, { enforceQuota: options.enforceQuota ?? false })
  }

  static timeOf(zxid: bigint): bigint {
    return MODEL_TIME_BASE + zxid * 1000n
  }

  get lastZxid(): bigint {
    return this.tree.lastProcessedZxid
  }

  /** Puts the model at the zxid an already running server is at (nothing may have been written). */
  skipTo(zxid: bigint): void {
    this.zxid = zxid
  }

  openSession(sessionId: bigint, timeoutMs: number): ApplyResult {
    this.auth.set(sessionId, this.options.ipId ? [{ ...this.options.ipId }] : [])
    this.events.set(sessionId, [])
    return this.write(sessionId, { type: OpCode.createSession, timeoutMs, passwd: Buffer.alloc(16) })
  }

  closeSession(sessionId: bigint): ModelReply {
    const result = this.write(sessionId, { type: OpCode.closeSession })
    this.watches.removeSession(sessionId)
    this.auth.delete(sessionId)
    return { err: result.err, zxid: this.lastZxid, triggers: result.triggers }
  }

  addAuth(sessionId: bigint, scheme: string, auth: Buffer): number {
    const ids = authenticate(scheme, auth, { superDigest: this.options.superDigest })
    if (ids === undefined) return ErrorCode.AUTHFAILED
    const mine = this.auth.get(sessionId) as Id[]
    for (const id of ids) if (!mine.some((m) => m.scheme === id.scheme && m.id === id.id)) mine.push(id)
    return ErrorCode.OK
  }

  takeEvents(sessionId: bigint): { event: WatcherEvent; filtered: boolean }[] {
    const queue = this.events.get(sessionId) ?? []
    return queue.splice(0, queue.length)
  }

  request(sessionId: bigint, request: Request): ModelReply {
    if (isWriteRequest(request)) {
      const result = this.write(sessionId, request)
      return { ...replyOf(result), zxid: this.lastZxid, triggers: result.triggers }
    }
    if (!isReadRequest(request)) throw new Error(`model cannot answer request type ${request.type}`)
    const reply = read(this.tree, this.watches, { sessionId, authInfo: this.auth.get(sessionId) ?? [] }, request)
    for (const d of reply.events ?? []) this.queue(d, false)
    return { err: reply.err, ...(reply.response === undefined ? {} : { response: reply.response }), zxid: this.lastZxid }
  }

  private write(sessionId: bigint, request: Parameters<PrepareView['prepare']>[0]): ApplyResult {
    const zxid = ++this.zxid
    const txn = this.view.prepare(request, { sessionId, cxid: 0, zxid, time: Model.timeOf(zxid), authInfo: this.auth.get(sessionId) ?? [] })
    const result = this.tree.apply(txn)
    if (result.digestMismatch) throw new Error(`digest mismatch after zxid ${zxid}`)
    // Every delivery in trigger order, as Apache 3.8.0 sends them; those the 3.8.4 rule drops
    // (the session may not READ the node) are marked, so the test can check both behaviours.
    for (const d of this.watches.trigger(result.triggers, () => [SUPER_ID])) {
      const trigger = result.triggers.find((t) => t.path === d.event.path && t.event === d.event.type) as WatchTrigger
      this.queue(d, !hasPermission(trigger.acl, Perms.READ, this.auth.get(d.sessionId) ?? []))
    }
    return result
  }

  private queue(d: WatchDelivery, filtered: boolean): void {
    this.events.get(d.sessionId)?.push({ event: d.event, filtered })
  }
}

function replyOf(result: ApplyResult): { err: number; response?: Response } {
  if (result.type === OpCode.error) return { err: result.err }
  switch (result.type) {
    case OpCode.multi:
      return { err: ErrorCode.OK, response: { results: multiResults(result) } }
    case OpCode.create:
      return { err: result.err, response: { path: result.path as string } }
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return { err: result.err, response: { path: result.path as string, stat: result.stat! } }
    case OpCode.setData:
    case OpCode.setACL:
      return { err: result.err, response: { stat: result.stat! } }
    default:
      return { err: result.err }
  }
}
