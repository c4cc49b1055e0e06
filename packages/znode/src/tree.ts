// The committed data tree every member holds (Apache's DataTree): nodes, ephemerals by session,
// containers and TTL nodes, quotas, the session table and the incremental digest. `apply` is the
// only way it changes: same txns in the same order give the same tree, digest and snapshot.
import assert from 'node:assert/strict'
import { ErrorCode, EventType, KeeperError, OpCode } from '@zoo/protocol'
import type { ACL, Stat, StatPersisted } from '@zoo/protocol'
import { AclCache } from './acl-cache.js'
import { OPEN_ACL_UNSAFE, READ_ACL_UNSAFE } from './acl.js'
import { DigestSum, nodeDigestOfBytes, pathDataCrc } from './digest.js'
import { CONTAINER_OWNER, isValidTtl, kindOfOwner, ttlOfOwner, ttlOwner, visibleOwner } from './ephemeral.js'
import { NodeTable } from './node-table.js'
import { CONFIG_PATH, QUOTA_PATH, ROOT_PATH, ZOOKEEPER_PATH, nameOf, parentOf } from './paths.js'
import { LIMITS_NODE, QuotaPrefixes, STATS_NODE, StatsTrack, statsPath } from './quota.js'
import type { ApplyResult, OpResult, WatchTrigger } from './results.js'
import type { SubTxn, Txn, TxnBody } from './txn.js'

export interface SessionRecord {
  timeoutMs: number
  /** The password a reconnecting client must present (16 random bytes chosen at createSession). */
  passwd: Buffer
}

/** The tree's own view of one node, for prepare and for readers that need more than a Stat. */
export interface NodeState {
  stat: StatPersisted
  acl: readonly ACL[]
  childCount: number
  dataLength: number
  pathDataCrc: number
  digest: number
}

function zeroStat(): StatPersisted {
  return { czxid: 0n, mzxid: 0n, ctime: 0n, mtime: 0n, version: 0, cversion: 0, aversion: 0, ephemeralOwner: 0n, pzxid: 0n }
}

export function createStat(zxid: bigint, time: bigint, ephemeralOwner: bigint): StatPersisted {
  return { czxid: zxid, mzxid: zxid, ctime: time, mtime: time, version: 0, cversion: 0, aversion: 0, ephemeralOwner, pzxid: zxid }
}

/** Data as the tree stores it: one latin1 char per byte (a compact V8 string), or null. */
export function toStoredData(data: Uint8Array | null): string | null {
  if (data === null) return null
  return Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('latin1')
}

export function fromStoredData(data: string | null): Buffer | null {
  return data === null ? null : Buffer.from(data, 'latin1')
}

export class DataTree {
  /** @internal storage; read it through the methods below. */
  readonly nodes = new NodeTable()
  /** @internal */
  readonly acls = new AclCache()
  readonly quotas = new QuotaPrefixes()
  /** The replicated session table: every session some createSession txn opened and no closeSession closed. */
  readonly sessions = new Map<bigint, SessionRecord>()
  private readonly ephemeralsBySession = new Map<bigint, Set<string>>()
  private readonly containerPaths = new Set<string>()
  private readonly ttlPaths = new Set<string>()
  private readonly digestSum = new DigestSum()
  private lastZxid = 0n
  private digestMismatchCount = 0
  private dataSize = 0

  /** A new tree holds /, /zookeeper, /zookeeper/quota and /zookeeper/config; `empty` is for loading a snapshot. */
  constructor(contents: 'standard' | 'empty' = 'standard') {
    if (contents === 'empty') return
    const empty = new Uint8Array(0)
    this.restoreNode(ROOT_PATH, empty, OPEN_ACL_UNSAFE, zeroStat())
    this.restoreNode(ZOOKEEPER_PATH, empty, OPEN_ACL_UNSAFE, zeroStat())
    this.restoreNode(QUOTA_PATH, empty, OPEN_ACL_UNSAFE, zeroStat())
    // Apache sets the config node's ACL with setACL(..., -1): its aversion reads -1.
    this.restoreNode(CONFIG_PATH, empty, READ_ACL_UNSAFE, { ...zeroStat(), aversion: -1 })
  }

  /** @internal adds a node as a snapshot holds it (its parent first); no quota or watch effects. */
  restoreNode(path: string, data: Uint8Array | null, acl: readonly ACL[], stat: StatPersisted): void {
    const parent = path === ROOT_PATH ? -1 : this.nodes.slotOf(parentOf(path))
    if (path !== ROOT_PATH && parent === -1) throw new KeeperError(ErrorCode.NONODE, parentOf(path))
    const crc = pathDataCrc(path, data)
    const slot = this.nodes.insert(path, { data: toStoredData(data), aclId: this.acls.acquire(acl), stat, pathDataCrc: crc, digest: 0 })
    const digest = nodeDigestOfBytes(path, crc, this.nodes.statDigestBytes(slot))
    this.nodes.setDigests(slot, crc, digest)
    this.digestSum.add(digest)
    this.dataSize += nodeSize(path, data === null ? 0 : data.length)
    if (parent !== -1) this.nodes.addChild(parent, path)
    this.indexOwner(path, stat.ephemeralOwner)
  }

  /** @internal recounts every quota's usage from the nodes, as Apache's setupQuota after loading a snapshot. */
  recountQuotas(): void {
    for (const quotaPath of this.quotas.list()) this.recountQuota(quotaPath)
  }

  /** @internal the zxid a loaded snapshot was taken at. */
  restoreLastZxid(zxid: bigint): void {
    this.lastZxid = zxid
  }

  // ---------------------------------------------------------------- reading

  /** zxid of the last applied txn. */
  get lastProcessedZxid(): bigint {
    return this.lastZxid
  }

  /** The tree digest (Apache's DataTree.getTreeDigest). */
  get digest(): bigint {
    return this.digestSum.value
  }

  /** @internal a copy of the digest sum, for prepare's running digest. */
  digestSumCopy(): DigestSum {
    return this.digestSum.clone()
  }

  /** Txns whose TxnDigest disagreed with the tree after applying them: a member diverged. */
  get digestMismatches(): number {
    return this.digestMismatchCount
  }

  get nodeCount(): number {
    return this.nodes.size
  }

  /**
   * Apache's approximate data size (mntr approximate_data_size): the sum over nodes of path
   * length in UTF-16 units plus data bytes, kept as nodes come, go and change. Quota usage
   * rewrites count too (Apache leaves them out until a restart recounts).
   */
  get approximateDataSize(): number {
    return this.dataSize
  }

  has(path: string): boolean {
    return this.nodes.slotOf(normalize(path)) !== -1
  }

  /** The Stat a client sees, or undefined when there is no such node. */
  stat(path: string): Stat | undefined {
    const slot = this.nodes.slotOf(normalize(path))
    return slot === -1 ? undefined : this.clientStat(slot)
  }

  /** The node's data (a fresh copy), undefined when there is no such node. */
  data(path: string): Buffer | null | undefined {
    const slot = this.nodes.slotOf(normalize(path))
    return slot === -1 ? undefined : fromStoredData(this.nodes.dataString(slot))
  }

  acl(path: string): readonly ACL[] | undefined {
    const slot = this.nodes.slotOf(normalize(path))
    return slot === -1 ? undefined : this.acls.get(this.nodes.aclId(slot))
  }

  /** Child names in creation order, undefined when there is no such node. */
  children(path: string): string[] | undefined {
    const slot = this.nodes.slotOf(normalize(path))
    if (slot === -1) return undefined
    const kids = this.nodes.children(slot)
    return kids === undefined ? [] : [...kids].map(nameOf)
  }

  /** Everything prepare needs to know about a committed node. */
  state(path: string): NodeState | undefined {
    const slot = this.nodes.slotOf(normalize(path))
    if (slot === -1) return undefined
    return {
      stat: this.nodes.stat(slot),
      acl: this.acls.get(this.nodes.aclId(slot)),
      childCount: this.nodes.childCount(slot),
      dataLength: this.nodes.dataLength(slot),
      pathDataCrc: this.nodes.pathDataCrc(slot),
      digest: this.nodes.digest(slot),
    }
  }

  /** Number of nodes below `path` (Apache counts every node but "" and "/" for the root). */
  descendantCount(path: string): number | undefined {
    const start = this.nodes.slotOf(normalize(path))
    if (start === -1) return undefined
    let count = 0
    const stack = [start]
    for (let slot = stack.pop(); slot !== undefined; slot = stack.pop()) {
      const kids = this.nodes.children(slot)
      if (kids === undefined) continue
      for (const kid of kids) {
        count++
        stack.push(this.nodes.slotOf(kid))
      }
    }
    return count
  }

  /** Paths of the session's ephemeral nodes, in creation order. */
  ephemerals(sessionId: bigint): string[] {
    return [...(this.ephemeralsBySession.get(sessionId) ?? [])]
  }

  /** Sessions that own ephemeral nodes. */
  sessionsWithEphemerals(): bigint[] {
    return [...this.ephemeralsBySession.keys()]
  }

  containers(): string[] {
    return [...this.containerPaths]
  }

  ttlNodes(): string[] {
    return [...this.ttlPaths]
  }

  /**
   * Sets /zookeeper/config outside any txn, as Apache's ZKDatabase.initConfigInZKDatabase does when
   * a member starts with its ensemble configuration: version -1, mzxid the config's version. Every
   * member does it from its own configuration, so it is not a txn; the digest leaves it out.
   * Returns the watch triggers (NodeDataChanged) it fires.
   */
  setConfigData(data: Buffer, configVersion: bigint, timeMs: bigint): WatchTrigger[] {
    const triggers: WatchTrigger[] = []
    this.setData(CONFIG_PATH, data, -1, configVersion, timeMs, triggers)
    return triggers
  }

  /**
   * Containers and TTL nodes due for deletion at `nowMs` (Apache's ContainerManager candidates):
   * an empty container that has had a child (or, with `maxNeverUsedIntervalMs`, has been unused
   * that long), an empty TTL node whose TTL has passed since its last change. The reaper proposes
   * a deleteContainer for each; prepare checks again, so a node changed meanwhile survives.
   */
  dueForDeletion(nowMs: bigint, options: { maxNeverUsedIntervalMs?: bigint } = {}): string[] {
    const neverUsedMs = options.maxNeverUsedIntervalMs ?? 0n
    const due: string[] = []
    for (const path of this.containerPaths) {
      const slot = this.nodes.slotOf(path)
      if (this.nodes.childCount(slot) !== 0) continue
      const elapsedMs = nowMs - this.nodes.mtime(slot)
      if (this.nodes.cversion(slot) > 0 || (neverUsedMs !== 0n && elapsedMs > neverUsedMs)) due.push(path)
    }
    for (const path of this.ttlPaths) {
      const slot = this.nodes.slotOf(path)
      const ttlMs = ttlOfOwner(this.nodes.owner(slot))
      if (this.nodes.childCount(slot) === 0 && ttlMs !== 0n && nowMs - this.nodes.mtime(slot) > ttlMs) due.push(path)
    }
    return due
  }

  /** @internal the Stat a client sees (DataNode.copyStat): cversion counts creates and deletes. */
  clientStat(slot: number): Stat {
    const s = this.nodes.stat(slot)
    const numChildren = this.nodes.childCount(slot)
    return {
      czxid: s.czxid,
      mzxid: s.mzxid,
      ctime: s.ctime,
      mtime: s.mtime,
      version: s.version,
      cversion: (s.cversion * 2 - numChildren) | 0,
      aversion: s.aversion,
      ephemeralOwner: visibleOwner(s.ephemeralOwner),
      dataLength: this.nodes.dataLength(slot),
      numChildren,
      pzxid: s.pzxid,
    }
  }

  // ---------------------------------------------------------------- applying txns

  /**
   * Applies one committed txn. `zxid` and `time` default to the txn's header (the leader's choice);
   * every member must apply the same txns in the same order with the same values.
   */
  apply(txn: Txn, zxid: bigint = txn.zxid, time: bigint = txn.time): ApplyResult {
    if (zxid <= this.lastZxid) throw new RangeError(`txn zxid 0x${zxid.toString(16)} is not after 0x${this.lastZxid.toString(16)}`)
    const triggers: WatchTrigger[] = []
    const op = this.applyBody(txn.body, txn.clientId, zxid, time, triggers)
    if (txn.body.type === OpCode.create && op.err === ErrorCode.NODEEXISTS) this.replayedCreate(txn.body.path, txn.body.parentCVersion, zxid)
    this.lastZxid = zxid
    const digestMismatch = txn.digest !== undefined && !this.digestSum.equals(txn.digest.treeDigest)
    if (digestMismatch) this.digestMismatchCount++
    // One object shape for every result (no spread): apply is the hot path of every member.
    return {
      type: op.type, err: op.err, path: op.path, stat: op.stat, multi: op.multi,
      clientId: txn.clientId, cxid: txn.cxid, zxid, triggers, digestMismatch,
    }
  }

  private applyBody(body: TxnBody, clientId: bigint, zxid: bigint, time: bigint, triggers: WatchTrigger[]): OpResult & { multi?: OpResult[] } {
    switch (body.type) {
      case OpCode.createSession:
        this.sessions.set(clientId, { timeoutMs: body.timeOut, passwd: Buffer.from(body.passwd) })
        return { type: body.type, err: ErrorCode.OK }
      case OpCode.closeSession:
        this.closeSession(clientId, body.paths2Delete, zxid, triggers)
        return { type: body.type, err: ErrorCode.OK }
      case OpCode.multi:
        return this.applyMulti(body.ops, clientId, zxid, time, triggers)
      case OpCode.setACL:
        return this.applySetACL(body.path, body.acl, body.version)
      default:
        return this.applyOp(body, clientId, zxid, time, triggers)
    }
  }

  /** One op, alone or inside a multi; a KeeperError (only on replays of an impossible txn) is its result. */
  private applyOp(op: SubTxn, clientId: bigint, zxid: bigint, time: bigint, triggers: WatchTrigger[]): OpResult {
    try {
      switch (op.type) {
        case OpCode.create:
          // A plain create replies with the path only: no Stat to build.
          this.createNode(op.path, op.data, op.acl, op.ephemeral ? clientId : 0n, op.parentCVersion, zxid, time, triggers, false)
          return { type: op.type, err: ErrorCode.OK, path: op.path }
        case OpCode.create2: {
          const stat = this.createNode(op.path, op.data, op.acl, op.ephemeral ? clientId : 0n, op.parentCVersion, zxid, time, triggers) as Stat
          return { type: op.type, err: ErrorCode.OK, path: op.path, stat }
        }
        case OpCode.createContainer:
        case OpCode.createTTL: {
          // Prepare never writes a bad TTL; a txn that has one changes nothing (Apache would throw).
          if (op.type === OpCode.createTTL && !isValidTtl(op.ttl)) return { type: op.type, err: ErrorCode.BADARGUMENTS, path: op.path }
          const owner = op.type === OpCode.createContainer ? CONTAINER_OWNER : ttlOwner(op.ttl)
          const stat = this.createNode(op.path, op.data, op.acl, owner, op.parentCVersion, zxid, time, triggers) as Stat
          return { type: op.type, err: ErrorCode.OK, path: op.path, stat }
        }
        case OpCode.delete:
        case OpCode.deleteContainer:
          this.deleteNode(op.path, zxid, triggers)
          return { type: op.type, err: ErrorCode.OK, path: op.path }
        case OpCode.setData:
          return { type: op.type, err: ErrorCode.OK, path: op.path, stat: this.setData(op.path, op.data, op.version, zxid, time, triggers) }
        case OpCode.check:
          return { type: op.type, err: ErrorCode.OK, path: op.path }
        case OpCode.error:
          return { type: op.type, err: op.err as ErrorCode }
      }
    } catch (e) {
      if (e instanceof KeeperError) return { type: op.type, err: e.code }
      throw e
    }
  }

  /**
   * DataTree.processTxn: a create replayed over a fuzzy snapshot (an imported Apache one) that
   * already holds the node still moves the parent's cversion and pzxid forward. Prepare never
   * writes such a txn, so zoo's own members never get here.
   */
  private replayedCreate(path: string, parentCVersion: number, zxid: bigint): void {
    const parentPath = parentOf(path)
    const parent = this.nodes.slotOf(parentPath)
    if (parent === -1) return
    const cversion = parentCVersion === -1 ? (this.nodes.cversion(parent) + 1) | 0 : parentCVersion
    if (cversion <= this.nodes.cversion(parent)) return
    this.nodes.setCversion(parent, cversion)
    this.nodes.setPzxid(parent, zxid)
    this.refreshDigest(parent, parentPath)
  }

  private applySetACL(path: string, acl: readonly ACL[], aversion: number): OpResult {
    const slot = this.nodes.slotOf(normalize(path))
    if (slot === -1) return { type: OpCode.setACL, err: ErrorCode.NONODE, path }
    this.acls.release(this.nodes.aclId(slot))
    this.nodes.setAversion(slot, aversion)
    this.nodes.setAclId(slot, this.acls.acquire(acl))
    this.refreshDigest(slot, path)
    return { type: OpCode.setACL, err: ErrorCode.OK, path, stat: this.clientStat(slot) }
  }

  /**
   * DataTree.processTxn's multi: if any op is an error txn, every op becomes one (OK before the
   * first failure, RUNTIMEINCONSISTENCY after it) and nothing changes.
   */
  private applyMulti(ops: SubTxn[], clientId: bigint, zxid: bigint, time: bigint, triggers: WatchTrigger[]): OpResult & { multi: OpResult[] } {
    const failed = ops.some((op) => op.type === OpCode.error)
    const results: OpResult[] = []
    let err: ErrorCode = ErrorCode.OK
    let pastFailure = false
    for (const op of ops) {
      let effective: SubTxn = op
      if (op.type === OpCode.error) pastFailure = true
      else if (failed) effective = { type: OpCode.error, err: pastFailure ? ErrorCode.RUNTIMEINCONSISTENCY : ErrorCode.OK }
      const result = this.applyOp(effective, clientId, zxid, time, triggers)
      // Apache replays each op of a multi through processTxn, fix-up included (see replayedCreate).
      if (effective.type === OpCode.create && result.err === ErrorCode.NODEEXISTS) this.replayedCreate(effective.path, effective.parentCVersion, zxid)
      results.push(result)
      if (result.err !== ErrorCode.OK && err === ErrorCode.OK) err = result.err
    }
    return { type: OpCode.multi, err, multi: results }
  }

  // ---------------------------------------------------------------- node changes

  private slotOrThrow(path: string): number {
    const slot = this.nodes.slotOf(normalize(path))
    if (slot === -1) throw new KeeperError(ErrorCode.NONODE, path)
    return slot
  }

  /** Recomputes a node's digest after a Stat or data change and moves the tree digest with it. */
  private refreshDigest(slot: number, path: string, newPathDataCrc = this.nodes.pathDataCrc(slot)): void {
    const stored = normalize(path)
    this.digestSum.remove(this.nodes.digest(slot))
    const digest = nodeDigestOfBytes(stored, newPathDataCrc, this.nodes.statDigestBytes(slot))
    this.nodes.setDigests(slot, newPathDataCrc, digest)
    this.digestSum.add(digest)
  }

  /** Returns the new node's client Stat when `wantStat` (create2-family replies), else undefined. */
  private createNode(
    path: string, data: Buffer | null, acl: readonly ACL[], owner: bigint, parentCVersion: number,
    zxid: bigint, time: bigint, triggers: WatchTrigger[], wantStat = true,
  ): Stat | undefined {
    const parentPath = parentOf(path)
    const parent = this.nodes.slotOf(parentPath)
    if (parent === -1) throw new KeeperError(ErrorCode.NONODE, parentPath)
    if (this.nodes.slotOf(path) !== -1) throw new KeeperError(ErrorCode.NODEEXISTS, path)
    const cversion = parentCVersion === -1 ? (this.nodes.cversion(parent) + 1) | 0 : parentCVersion
    // Apache moves cversion and pzxid forward only: a replayed create must not turn them back.
    if (cversion > this.nodes.cversion(parent)) {
      this.nodes.setCversion(parent, cversion)
      this.nodes.setPzxid(parent, zxid)
    }
    this.nodes.addChild(parent, path)
    this.refreshDigest(parent, parentPath)
    const crc = pathDataCrc(path, data)
    const slot = this.nodes.insert(path, { data: toStoredData(data), aclId: this.acls.acquire(acl), stat: createStat(zxid, time, owner), pathDataCrc: crc, digest: 0 })
    const digest = nodeDigestOfBytes(path, crc, this.nodes.statDigestBytes(slot))
    this.nodes.setDigests(slot, crc, digest)
    this.digestSum.add(digest)
    this.dataSize += nodeSize(path, data === null ? 0 : data.length)
    this.indexOwner(path, owner)
    this.afterCreateQuota(path, parentPath, data === null ? 0 : data.length)
    triggers.push(
      { table: 'data', path, event: EventType.NodeCreated, acl: this.acls.get(this.nodes.aclId(slot)), suppressPrevious: false },
      { table: 'child', path: parentPath, event: EventType.NodeChildrenChanged, acl: this.acls.get(this.nodes.aclId(parent)), suppressPrevious: false },
    )
    return wantStat ? this.clientStat(slot) : undefined
  }

  private indexOwner(path: string, owner: bigint): void {
    const kind = kindOfOwner(owner)
    if (kind === 'container') this.containerPaths.add(path)
    else if (kind === 'ttl') this.ttlPaths.add(path)
    else if (kind === 'ephemeral') {
      let paths = this.ephemeralsBySession.get(owner)
      if (paths === undefined) {
        paths = new Set()
        this.ephemeralsBySession.set(owner, paths)
      }
      paths.add(path)
    }
  }

  private unindexOwner(path: string, owner: bigint): void {
    const kind = kindOfOwner(owner)
    if (kind === 'container') this.containerPaths.delete(path)
    else if (kind === 'ttl') this.ttlPaths.delete(path)
    else if (kind === 'ephemeral') {
      const paths = this.ephemeralsBySession.get(owner)
      paths?.delete(path)
      if (paths?.size === 0) this.ephemeralsBySession.delete(owner)
    }
  }

  private deleteNode(path: string, zxid: bigint, triggers: WatchTrigger[]): void {
    const parentPath = parentOf(path)
    const parent = this.nodes.slotOf(parentPath)
    if (parent === -1) throw new KeeperError(ErrorCode.NONODE, parentPath)
    // As Apache: the parent is touched before the child is looked up (a replayed delete still moves pzxid).
    const wasChild = this.nodes.removeChild(parent, path)
    if (zxid > this.nodes.pzxid(parent)) this.nodes.setPzxid(parent, zxid)
    this.refreshDigest(parent, parentPath)
    const slot = this.nodes.slotOf(path)
    if (slot === -1) throw new KeeperError(ErrorCode.NONODE, path)
    assert.ok(wasChild, `${path} exists but is not a child of ${parentPath}`)
    if (this.nodes.childCount(slot) !== 0) throw new Error(`deleting ${path}, which has children: the txn was not prepared against this tree`)
    const acl = this.acls.get(this.nodes.aclId(slot))
    const dataLength = this.nodes.dataLength(slot)
    const owner = this.nodes.owner(slot)
    this.digestSum.remove(this.nodes.digest(slot))
    this.acls.release(this.nodes.aclId(slot))
    this.nodes.remove(path)
    this.dataSize -= nodeSize(path, dataLength)
    this.unindexOwner(path, owner)
    this.afterDeleteQuota(path, parentPath, dataLength)
    triggers.push(
      { table: 'data', path, event: EventType.NodeDeleted, acl, suppressPrevious: false },
      { table: 'child', path, event: EventType.NodeDeleted, acl, suppressPrevious: true },
      { table: 'child', path: parentPath, event: EventType.NodeChildrenChanged, acl: this.acls.get(this.nodes.aclId(parent)), suppressPrevious: false },
    )
  }

  private setData(path: string, data: Buffer | null, version: number, zxid: bigint, time: bigint, triggers: WatchTrigger[]): Stat {
    const slot = this.slotOrThrow(path)
    const oldLength = this.nodes.dataLength(slot)
    this.nodes.setDataFields(slot, toStoredData(data), version, zxid, time)
    this.dataSize += (data?.length ?? 0) - oldLength
    this.refreshDigest(slot, path, pathDataCrc(normalize(path), data))
    const quota = this.quotas.quotaFor(path)
    if (quota !== undefined) this.updateQuotaStats(quota, BigInt((data?.length ?? 0) - oldLength), 0n)
    triggers.push({ table: 'data', path, event: EventType.NodeDataChanged, acl: this.acls.get(this.nodes.aclId(slot)), suppressPrevious: false })
    return this.clientStat(slot)
  }

  /**
   * Deletes the session's ephemerals: those the txn lists (committed and in flight when the leader
   * prepared it) and any the tree still holds for the session; then forgets the session.
   */
  private closeSession(sessionId: bigint, listed: readonly string[], zxid: bigint, triggers: WatchTrigger[]): void {
    const local = this.ephemeralsBySession.get(sessionId)
    const leftovers = local === undefined ? [] : [...local].filter((p) => !listed.includes(p))
    for (const path of [...listed, ...leftovers]) {
      try {
        this.deleteNode(path, zxid, triggers)
      } catch (e) {
        // Apache ignores an ephemeral that is already gone (deleted by an earlier txn).
        if (!(e instanceof KeeperError && e.code === ErrorCode.NONODE)) throw e
      }
    }
    assert.ok(!this.ephemeralsBySession.has(sessionId), `session 0x${sessionId.toString(16)} kept ephemerals past its close`)
    this.sessions.delete(sessionId)
  }

  // ---------------------------------------------------------------- quotas

  private afterCreateQuota(path: string, parentPath: string, dataBytes: number): void {
    if (parentPath.startsWith(QUOTA_PATH)) {
      const name = nameOf(path)
      const quotaPath = parentPath.slice(QUOTA_PATH.length)
      if (name === LIMITS_NODE) this.quotas.add(quotaPath)
      if (name === STATS_NODE) this.recountQuota(quotaPath)
    }
    const quota = this.quotas.quotaFor(path)
    if (quota !== undefined) this.updateQuotaStats(quota, BigInt(dataBytes), 1n)
  }

  private afterDeleteQuota(path: string, parentPath: string, dataBytes: number): void {
    if (parentPath.startsWith(ZOOKEEPER_PATH) && nameOf(path) === LIMITS_NODE) {
      this.quotas.delete(parentPath.slice(QUOTA_PATH.length))
    }
    const quota = this.quotas.quotaFor(path)
    if (quota !== undefined) this.updateQuotaStats(quota, BigInt(-dataBytes), -1n)
  }

  /** Quota usage lives in the stats node's data, changed in place (no version, no digest: it is under /zookeeper/). */
  private updateQuotaStats(quotaPath: string, bytesDiff: bigint, countDiff: bigint): void {
    const slot = this.nodes.slotOf(statsPath(quotaPath))
    if (slot === -1) return
    const stats = new StatsTrack(this.nodes.dataString(slot))
    stats.set('count', stats.get('count') + countDiff)
    stats.set('bytes', stats.get('bytes') + bytesDiff)
    this.replaceData(slot, stats.toString())
  }

  /** Counts the nodes and bytes below a new quota into its stats node (DataTree.updateQuotaForPath). */
  private recountQuota(quotaPath: string): void {
    let count = 0n
    let bytes = 0n
    const start = this.nodes.slotOf(normalize(quotaPath))
    const stack = start === -1 ? [] : [start]
    for (let slot = stack.pop(); slot !== undefined; slot = stack.pop()) {
      count++
      bytes += BigInt(this.nodes.dataLength(slot))
      for (const kid of this.nodes.children(slot) ?? []) stack.push(this.nodes.slotOf(kid))
    }
    const statsSlot = this.nodes.slotOf(statsPath(quotaPath))
    if (statsSlot === -1) return
    const stats = new StatsTrack()
    stats.set('count', count)
    stats.set('bytes', bytes)
    this.replaceData(statsSlot, stats.toString())
  }

  private replaceData(slot: number, data: string): void {
    this.dataSize += data.length - this.nodes.dataLength(slot)
    this.nodes.replaceData(slot, data)
  }
}

/** A node's share of approximateDataSize (DataTree.getNodeSize). */
function nodeSize(path: string, dataBytes: number): number {
  return path.length + dataBytes
}

/** Apache's root alias "" is the same node as "/". */
function normalize(path: string): string {
  return path === '' ? ROOT_PATH : path
}
