// Turning client requests into txns, as the leader does (Apache's PrepRequestProcessor): every
// check runs against the committed tree plus the changes of txns prepared but not yet applied
// (Apache's outstanding ChangeRecords), so many requests can be prepared before one commits.
// A request that fails its checks becomes an error txn, ordered and applied like any other.
import assert from 'node:assert/strict'
import { ErrorCode, KeeperError, OpCode, Perms, createModeInfo } from '@zoo/protocol'
import type { ACL, CreateRequest, CreateTTLRequest, MultiOp, MultiWriteOp, Request, StatPersisted } from '@zoo/protocol'
import { fixupACL, requirePermission } from './acl.js'
import type { AclSchemes } from './acl.js'
import type { AuthInfo } from './acl.js'
import { DIGEST_VERSION, DigestSum, nodeDigest, pathDataCrc } from './digest.js'
import { CONTAINER_OWNER, isValidTtl, kindOfOwner, ttlOfOwner, ttlOwner } from './ephemeral.js'
import { ROOT_PATH, isSpecialPath, parentOf, sequenceSuffix, validatePath } from './paths.js'
import { StatsTrack, limitsPath, statsPath } from './quota.js'
import { createStat } from './tree.js'
import type { DataTree, NodeState } from './tree.js'
import type { SubTxn, Txn, TxnBody } from './txn.js'

/** Who sends the request, and the zxid and time the leader gives its txn. */
export interface PrepareContext {
  sessionId: bigint
  cxid: number
  /** The zxid the txn will be committed at: after the tree's last zxid and every txn prepared before. */
  zxid: bigint
  /** The leader's wall clock in ms: the txn's ctime/mtime on every member. */
  time: bigint
  authInfo: AuthInfo
}

export interface PrepareOptions {
  /** Refuse creates and setData past a hard quota with QUOTAEXCEEDED (zookeeper.enforceQuota; Apache's default is off). */
  enforceQuota?: boolean
  /** TTL nodes (zookeeper.extendedTypesEnabled); off: UNIMPLEMENTED. Default on. */
  ttlEnabled?: boolean
  /** The x509 ACL scheme (a server with TLS); off: x509 ACLs are INVALIDACL, as Apache without TLS. Default off. */
  x509Enabled?: boolean
}

/** createSession is not a client request on the wire (ConnectRequest is): the server builds it. */
export interface CreateSessionRequest {
  type: typeof OpCode.createSession
  timeoutMs: number
  passwd: Buffer
}

export type WriteRequest = CreateSessionRequest | Extract<Request, { type:
  | typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer | typeof OpCode.createTTL
  | typeof OpCode.delete | typeof OpCode.deleteContainer | typeof OpCode.setData | typeof OpCode.setACL
  | typeof OpCode.check | typeof OpCode.multi | typeof OpCode.reconfig | typeof OpCode.closeSession }>

const WRITE_TYPES: ReadonlySet<number> = new Set([
  OpCode.createSession, OpCode.create, OpCode.create2, OpCode.createContainer, OpCode.createTTL, OpCode.delete,
  OpCode.deleteContainer, OpCode.setData, OpCode.setACL, OpCode.check, OpCode.multi, OpCode.reconfig, OpCode.closeSession,
])

export function isWriteRequest(request: { type: number }): request is WriteRequest {
  return WRITE_TYPES.has(request.type)
}

/** A node as the next txn will find it (Apache's ChangeRecord); node null: deleted by an outstanding txn. */
interface ChangeRecord {
  zxid: bigint
  path: string
  node: NodeState | null
  /** The tree digest once this change (and all before it) is applied; never mutated. */
  digestAfter: DigestSum
}

type CreateOp = (CreateRequest | CreateTTLRequest) & { type: number }

function checkVersion(current: number, expected: number, path: string): number {
  if (expected !== -1 && expected !== current) throw new KeeperError(ErrorCode.BADVERSION, path)
  return (current + 1) | 0
}

/** Apache's parent path of a create or delete, or BADARGUMENTS for a path without a slash or with a NUL. */
function parentForWrite(path: string): string {
  if (path.lastIndexOf('/') === -1 || path.includes('\u0000')) throw new KeeperError(ErrorCode.BADARGUMENTS, path)
  return parentOf(path)
}

export class PrepareView {
  private readonly tree: DataTree
  private readonly enforceQuota: boolean
  private readonly ttlEnabled: boolean
  private readonly aclSchemes: AclSchemes
  private readonly records: ChangeRecord[] = []
  private readonly byPath = new Map<string, ChangeRecord>()
  private readonly pendingSessions = new Map<bigint, bigint>()
  private readonly closingSessions = new Map<bigint, bigint>()
  private lastPreparedZxid = 0n
  /** Set while a multi is prepared: what each touched path held before, to roll back a failure. */
  private journal: Map<string, ChangeRecord | undefined> | undefined

  constructor(tree: DataTree, options: PrepareOptions = {}) {
    this.tree = tree
    this.enforceQuota = options.enforceQuota ?? false
    this.ttlEnabled = options.ttlEnabled ?? true
    this.aclSchemes = { x509: options.x509Enabled ?? false }
  }

  /** Changes prepared and not yet applied to the tree. */
  get outstanding(): number {
    this.prune()
    return this.records.length
  }

  /** Forgets every prepared change (leadership lost: those txns will not commit as prepared). */
  clear(): void {
    this.records.length = 0
    this.byPath.clear()
    this.pendingSessions.clear()
    this.closingSessions.clear()
    this.lastPreparedZxid = 0n
  }

  /** The txn for `request`: the op's txn when its checks pass, an error txn with the failure otherwise. */
  prepare(request: WriteRequest, ctx: PrepareContext): Txn {
    this.prune()
    const floor = this.lastPreparedZxid > this.tree.lastProcessedZxid ? this.lastPreparedZxid : this.tree.lastProcessedZxid
    if (ctx.zxid <= floor) throw new RangeError(`zxid 0x${ctx.zxid.toString(16)} is not after 0x${floor.toString(16)}`)
    this.lastPreparedZxid = ctx.zxid
    let body: TxnBody
    try {
      body = this.prepareBody(request, ctx)
    } catch (e) {
      if (!(e instanceof KeeperError)) throw e
      // Apache logs an error txn without a digest: the tree digest does not move.
      return { clientId: ctx.sessionId, cxid: ctx.cxid, zxid: ctx.zxid, time: ctx.time, body: { type: OpCode.error, err: e.code } }
    }
    const digest = { version: DIGEST_VERSION, treeDigest: this.currentDigest().value }
    return { clientId: ctx.sessionId, cxid: ctx.cxid, zxid: ctx.zxid, time: ctx.time, body, digest }
  }

  /** Drops the changes of txns the tree has applied (FinalRequestProcessor's outstandingChanges cleanup). */
  private prune(): void {
    const applied = this.tree.lastProcessedZxid
    let done = 0
    while (done < this.records.length && (this.records[done] as ChangeRecord).zxid <= applied) {
      const record = this.records[done] as ChangeRecord
      if (this.byPath.get(record.path) === record) this.byPath.delete(record.path)
      done++
    }
    if (done === this.records.length) this.records.length = 0
    else if (done > 0) this.records.splice(0, done)
    if (this.pendingSessions.size > 0) for (const [id, zxid] of this.pendingSessions) if (zxid <= applied) this.pendingSessions.delete(id)
    if (this.closingSessions.size > 0) for (const [id, zxid] of this.closingSessions) if (zxid <= applied) this.closingSessions.delete(id)
  }

  private prepareBody(request: WriteRequest, ctx: PrepareContext): TxnBody {
    switch (request.type) {
      case OpCode.createSession:
        // A new session under an id that was closing is a new session (Apache: a new SessionImpl).
        this.closingSessions.delete(ctx.sessionId)
        this.pendingSessions.set(ctx.sessionId, ctx.zxid)
        return { type: OpCode.createSession, timeOut: request.timeoutMs, passwd: Buffer.from(request.passwd) }
      case OpCode.closeSession:
        return this.prepareCloseSession(ctx)
      case OpCode.multi:
        return { type: OpCode.multi, ops: this.prepareMulti(request.ops, ctx) }
      case OpCode.reconfig:
        throw new KeeperError(ErrorCode.RECONFIGDISABLED)
      case OpCode.setACL:
        return this.prepareSetACL(request.path, request.acl, request.version, ctx)
      case OpCode.deleteContainer:
        return this.prepareDeleteContainer(request.path, ctx)
      default:
        return this.prepareOp(request, ctx)
    }
  }

  /** The ops a multi may hold, alone or inside one. */
  private prepareOp(op: MultiWriteOp, ctx: PrepareContext): SubTxn {
    switch (op.type) {
      case OpCode.create:
      case OpCode.create2:
      case OpCode.createContainer:
      case OpCode.createTTL:
        return this.prepareCreate(op, ctx)
      case OpCode.delete:
        return this.prepareDelete(op.path, op.version, ctx)
      case OpCode.setData:
        return this.prepareSetData(op.path, op.data, op.version, ctx)
      case OpCode.check:
        return this.prepareCheck(op.path, op.version, ctx)
    }
  }

  // ---------------------------------------------------------------- the view

  private currentDigest(): DigestSum {
    const last = this.records[this.records.length - 1]
    return last === undefined ? this.tree.digestSumCopy() : last.digestAfter
  }

  /** The node at `path` as the next txn will find it, or undefined. */
  private find(path: string): NodeState | undefined {
    const key = path === '' ? ROOT_PATH : path
    const record = this.byPath.get(key)
    if (record !== undefined) return record.node ?? undefined
    return this.tree.state(key)
  }

  private lookup(path: string): NodeState {
    const node = this.find(path)
    if (node === undefined) throw new KeeperError(ErrorCode.NONODE, path)
    return node
  }

  /**
   * Records `node` as what `path` holds after this txn (null: deleted). `before` is what
   * `find(path)` returns now: every caller has just looked it up, and looking it up again read
   * the whole Stat out of the tree a second time (seven allocations) per change.
   */
  private addChange(path: string, before: NodeState | undefined, node: NodeState | null, ctx: PrepareContext): void {
    const key = path === '' ? ROOT_PATH : path
    const sum = this.currentDigest().clone()
    if (before !== undefined) sum.remove(before.digest)
    if (node !== null) sum.add(node.digest)
    if (this.journal !== undefined && !this.journal.has(key)) this.journal.set(key, this.byPath.get(key))
    const record = { zxid: ctx.zxid, path: key, node, digestAfter: sum }
    assert.ok(ctx.zxid >= (this.records[this.records.length - 1]?.zxid ?? 0n), 'change records out of zxid order')
    this.records.push(record)
    this.byPath.set(key, record)
  }

  /**
   * A copy of `node` (and its Stat) for the caller to change, then hand to `redigested`. Written
   * out field by field: the object spreads this replaced were ~2% of the leader's CPU under writes.
   */
  private copyOf(node: NodeState): NodeState {
    const s = node.stat
    const stat: StatPersisted = {
      czxid: s.czxid, mzxid: s.mzxid, ctime: s.ctime, mtime: s.mtime, version: s.version,
      cversion: s.cversion, aversion: s.aversion, ephemeralOwner: s.ephemeralOwner, pzxid: s.pzxid,
    }
    return { stat, acl: node.acl, childCount: node.childCount, dataLength: node.dataLength, pathDataCrc: node.pathDataCrc, digest: node.digest }
  }

  /** `next` with its digest recomputed from its (changed) Stat and path+data CRC. */
  private redigested(path: string, next: NodeState): NodeState {
    next.digest = nodeDigest(path === '' ? ROOT_PATH : path, next.pathDataCrc, next.stat)
    return next
  }

  private checkSession(sessionId: bigint, ephemeral: boolean): void {
    if (this.closingSessions.has(sessionId)) throw new KeeperError(ErrorCode.SESSIONEXPIRED)
    if (this.tree.sessions.has(sessionId) || this.pendingSessions.has(sessionId)) return
    // Apache: an unknown session is UNKNOWNSESSION, except for ephemeral creates (checkGlobalSession).
    throw new KeeperError(ephemeral ? ErrorCode.SESSIONEXPIRED : ErrorCode.UNKNOWNSESSION)
  }

  // ---------------------------------------------------------------- ops

  private prepareCreate(op: CreateOp, ctx: PrepareContext): SubTxn {
    const mode = createModeInfo(op.flags)
    if (mode === undefined) throw new KeeperError(ErrorCode.BADARGUMENTS, op.path)
    const ttl = op.type === OpCode.createTTL ? (op as CreateTTLRequest).ttl : -1n
    if (mode.ttl && !this.ttlEnabled) throw new KeeperError(ErrorCode.UNIMPLEMENTED, op.path)
    if (mode.ttl ? !isValidTtl(ttl) : ttl >= 0n) throw new KeeperError(ErrorCode.BADARGUMENTS, op.path)
    // Apache would accept createTTL with another mode and then fail to apply it; refuse it here.
    if (op.type === OpCode.createTTL && !mode.ttl) throw new KeeperError(ErrorCode.BADARGUMENTS, op.path)
    this.checkSession(ctx.sessionId, mode.ephemeral)
    const parentPath = parentForWrite(op.path)
    const acl = fixupACL(op.path, ctx.authInfo, op.acl, this.aclSchemes)
    const parent = this.lookup(parentPath)
    requirePermission(parent.acl, Perms.CREATE, ctx.authInfo, op.path)
    const path = mode.sequential ? op.path + sequenceSuffix(parent.stat.cversion) : op.path
    validatePath(path)
    if (this.find(path) !== undefined) throw new KeeperError(ErrorCode.NODEEXISTS, path)
    if (kindOfOwner(parent.stat.ephemeralOwner) === 'ephemeral') throw new KeeperError(ErrorCode.NOCHILDRENFOREPHEMERALS, path)
    const parentCVersion = (parent.stat.cversion + 1) | 0
    this.checkQuota(path, 0, op.data?.length ?? 0, 1n)
    const owner = op.type === OpCode.createContainer ? CONTAINER_OWNER : op.type === OpCode.createTTL ? ttlOwner(ttl) : mode.ephemeral ? ctx.sessionId : 0n
    const nextParent = this.copyOf(parent)
    nextParent.stat.cversion = parentCVersion
    nextParent.stat.pzxid = ctx.zxid
    nextParent.childCount = parent.childCount + 1
    this.addChange(parentPath, parent, this.redigested(parentPath, nextParent), ctx)
    this.addChange(path, undefined, this.newNode(path, op.data, acl, createStat(ctx.zxid, ctx.time, owner)), ctx)
    return this.createBody(op.type, path, op.data, acl, parentCVersion, mode.ephemeral, ttl)
  }

  private createBody(type: number, path: string, data: Buffer | null, acl: ACL[], parentCVersion: number, ephemeral: boolean, ttl: bigint): SubTxn {
    if (type === OpCode.createContainer) return { type, path, data, acl, parentCVersion }
    if (type === OpCode.createTTL) return { type, path, data, acl, parentCVersion, ttl }
    if (type !== OpCode.create && type !== OpCode.create2) throw new RangeError(`not a create: ${type}`)
    return { type, path, data, acl, ephemeral, parentCVersion }
  }

  private newNode(path: string, data: Buffer | null, acl: readonly ACL[], stat: StatPersisted): NodeState {
    const crc = pathDataCrc(path, data)
    return { stat, acl, childCount: 0, dataLength: data?.length ?? 0, pathDataCrc: crc, digest: nodeDigest(path, crc, stat) }
  }

  private prepareDelete(path: string, version: number, ctx: PrepareContext): SubTxn {
    this.checkSession(ctx.sessionId, false)
    const parentPath = parentForWrite(path)
    if (isSpecialPath(path)) throw new KeeperError(ErrorCode.BADARGUMENTS, path)
    const parent = this.lookup(parentPath)
    requirePermission(parent.acl, Perms.DELETE, ctx.authInfo, path)
    const node = this.lookup(path)
    checkVersion(node.stat.version, version, path)
    if (node.childCount > 0) throw new KeeperError(ErrorCode.NOTEMPTY, path)
    this.removeNode(path, node, parentPath, parent, ctx)
    return { type: OpCode.delete, path }
  }

  private removeNode(path: string, node: NodeState | undefined, parentPath: string, parent: NodeState, ctx: PrepareContext): void {
    const nextParent = this.copyOf(parent)
    nextParent.stat.pzxid = ctx.zxid
    nextParent.childCount = parent.childCount - 1
    this.addChange(parentPath, parent, this.redigested(parentPath, nextParent), ctx)
    this.addChange(path, node, null, ctx)
  }

  /**
   * The reaper's delete of an empty container or an expired TTL node. Stricter than Apache, which
   * would delete any non-ephemeral node here: the node must still be a container or a TTL node
   * whose TTL has passed at `ctx.time` (a setData since the reaper looked keeps it), else BADVERSION.
   */
  private prepareDeleteContainer(path: string, ctx: PrepareContext): SubTxn {
    const parentPath = parentForWrite(path)
    if (isSpecialPath(path)) throw new KeeperError(ErrorCode.BADARGUMENTS, path)
    const node = this.lookup(path)
    if (node.childCount > 0) throw new KeeperError(ErrorCode.NOTEMPTY, path)
    const kind = kindOfOwner(node.stat.ephemeralOwner)
    const expired = kind === 'ttl' && ctx.time - node.stat.mtime > ttlOfOwner(node.stat.ephemeralOwner)
    if (kind !== 'container' && !expired) throw new KeeperError(ErrorCode.BADVERSION, path)
    this.removeNode(path, node, parentPath, this.lookup(parentPath), ctx)
    return { type: OpCode.deleteContainer, path }
  }

  private prepareSetData(path: string, data: Buffer | null, version: number, ctx: PrepareContext): SubTxn {
    this.checkSession(ctx.sessionId, false)
    validatePath(path)
    const node = this.lookup(path)
    requirePermission(node.acl, Perms.WRITE, ctx.authInfo, path)
    this.checkQuota(path, node.dataLength, data?.length ?? 0, 0n)
    const newVersion = checkVersion(node.stat.version, version, path)
    const next = this.copyOf(node)
    next.stat.version = newVersion
    next.stat.mtime = ctx.time
    next.stat.mzxid = ctx.zxid
    next.pathDataCrc = pathDataCrc(path, data)
    next.dataLength = data?.length ?? 0
    this.addChange(path, node, this.redigested(path, next), ctx)
    return { type: OpCode.setData, path, data, version: newVersion }
  }

  private prepareSetACL(path: string, requested: readonly ACL[], version: number, ctx: PrepareContext): TxnBody {
    this.checkSession(ctx.sessionId, false)
    validatePath(path)
    const acl = fixupACL(path, ctx.authInfo, requested, this.aclSchemes)
    const node = this.lookup(path)
    requirePermission(node.acl, Perms.ADMIN, ctx.authInfo, path)
    const newVersion = checkVersion(node.stat.aversion, version, path)
    const next = this.copyOf(node)
    next.stat.aversion = newVersion
    next.acl = acl
    this.addChange(path, node, this.redigested(path, next), ctx)
    return { type: OpCode.setACL, path, acl, version: newVersion }
  }

  private prepareCheck(path: string, version: number, ctx: PrepareContext): SubTxn {
    this.checkSession(ctx.sessionId, false)
    validatePath(path)
    const node = this.lookup(path)
    requirePermission(node.acl, Perms.READ, ctx.authInfo, path)
    return { type: OpCode.check, path, version: checkVersion(node.stat.version, version, path) }
  }

  /**
   * Enforced hard quotas (ZooKeeperServer.checkQuota), read from the committed quota nodes as
   * Apache does. Quota text Apache cannot parse fails the request with MARSHALLINGERROR, as there.
   */
  private checkQuota(path: string, oldBytes: number, newBytes: number, countDiff: bigint): void {
    if (!this.enforceQuota) return
    const quota = this.tree.quotas.quotaFor(path)
    if (quota === undefined) return
    const limitsData = this.tree.data(limitsPath(quota))
    if (limitsData === undefined) return
    const limits = parseQuotaText(limitsData)
    const bytesDiff = BigInt(newBytes - oldBytes)
    const checkCount = countDiff !== 0n && (limits.get('count') > -1n || limits.get('countHardLimit') > -1n)
    const checkBytes = bytesDiff !== 0n && (limits.get('bytes') > -1n || limits.get('byteHardLimit') > -1n)
    if (!checkCount && !checkBytes) return
    const statsData = this.tree.data(statsPath(quota))
    if (statsData === undefined) return
    const current = parseQuotaText(statsData)
    // Only hard limits refuse; a soft limit is just logged by Apache.
    const exceeds = (diff: bigint, used: bigint, hardLimit: bigint): boolean => hardLimit > -1n && used + diff > hardLimit
    if ((checkCount && exceeds(countDiff, current.get('count'), limits.get('countHardLimit'))) ||
        (checkBytes && exceeds(bytesDiff, current.get('bytes'), limits.get('byteHardLimit')))) {
      throw new KeeperError(ErrorCode.QUOTAEXCEEDED, quota)
    }
  }

  // ---------------------------------------------------------------- multi, sessions

  /**
   * Apache's multi: ops are prepared in order; the first failure becomes an error txn carrying its
   * code, later ops RUNTIMEINCONSISTENCY, and the changes of the earlier ops are rolled back.
   * A read op inside makes the whole request bad (MARSHALLINGERROR).
   */
  private prepareMulti(ops: readonly MultiOp[], ctx: PrepareContext): SubTxn[] {
    const writes = ops.map((op) => {
      if (op.type === OpCode.getData || op.type === OpCode.getChildren) throw new KeeperError(ErrorCode.MARSHALLINGERROR)
      return normalizeMultiOp(op)
    })
    const mark = this.records.length
    this.journal = new Map()
    const txns: SubTxn[] = []
    let failed = false
    try {
      for (const op of writes) {
        if (failed) {
          txns.push({ type: OpCode.error, err: ErrorCode.RUNTIMEINCONSISTENCY })
          continue
        }
        try {
          txns.push(this.prepareOp(op, ctx))
        } catch (e) {
          if (!(e instanceof KeeperError)) throw e
          this.rollback(mark)
          // Apache's multi catches only KeeperExceptions per op; what it reports as MARSHALLINGERROR
          // (quota text it cannot parse) escapes and fails the whole request.
          if (e.code === ErrorCode.MARSHALLINGERROR) throw e
          failed = true
          txns.push({ type: OpCode.error, err: e.code })
        }
      }
    } finally {
      this.journal = undefined
    }
    return txns
  }

  private rollback(mark: number): void {
    this.records.length = mark
    for (const [path, previous] of this.journal ?? []) {
      if (previous === undefined) this.byPath.delete(path)
      else this.byPath.set(path, previous)
    }
  }

  /**
   * Deletes the session's ephemerals, committed and in flight, in one txn, and marks the session
   * closing so that nothing it sends after this can create another (ZOOKEEPER-1208).
   */
  private prepareCloseSession(ctx: PrepareContext): TxnBody {
    const paths = new Set(this.tree.ephemerals(ctx.sessionId))
    for (const record of this.records) {
      if (record.node === null) paths.delete(record.path)
      else if (record.node.stat.ephemeralOwner === ctx.sessionId) paths.add(record.path)
    }
    for (const path of paths) {
      const parentPath = parentOf(path)
      this.removeNode(path, this.find(path), parentPath, this.lookup(parentPath), ctx)
    }
    this.closingSessions.set(ctx.sessionId, ctx.zxid)
    return { type: OpCode.closeSession, paths2Delete: [...paths] }
  }
}

/** Quota text as Apache's prepare reads it; what its parser throws on (null data too) is MARSHALLINGERROR. */
function parseQuotaText(data: Buffer | null): StatsTrack {
  const stats = data === null ? undefined : StatsTrack.parse(data.toString('utf8'))
  if (stats === undefined) throw new KeeperError(ErrorCode.MARSHALLINGERROR)
  return stats
}

/**
 * Which create a multi op really is (MultiOperationRecord/Op.create, 3.8.4+): the flags pick
 * createTTL or createContainer; otherwise the op's own type stands (create2 stays create2:
 * ZOOKEEPER-4026; 3.8.0 answered it as a plain create).
 */
function normalizeMultiOp<T extends { type: number }>(op: T): T {
  if (op.type !== OpCode.create && op.type !== OpCode.create2 && op.type !== OpCode.createContainer && op.type !== OpCode.createTTL) return op
  const create = op as unknown as CreateOp
  const mode = createModeInfo(create.flags)
  if (mode === undefined) {
    if (op.type === OpCode.createTTL) return op
    throw new KeeperError(ErrorCode.MARSHALLINGERROR, create.path)
  }
  if (mode.ttl) return { ...op, type: OpCode.createTTL, ttl: op.type === OpCode.createTTL ? (create as CreateTTLRequest).ttl : -1n }
  if (mode.container) return { ...op, type: OpCode.createContainer }
  if (op.type === OpCode.createTTL) return { ...op, type: OpCode.create }
  return op
}
