// Requests a member answers from its own tree, without a txn (Apache's FinalRequestProcessor read
// cases): the checks, their order, and when a watch is left behind. ACL rules are 3.8.4+'s.
import { ErrorCode, KeeperError, OpCode, Perms } from '@zoo/protocol'
import type { ACL, ClientInfo, MultiOp, MultiReadOp, MultiResult, Request, Response, Stat, WatcherEvent } from '@zoo/protocol'
import { EventType, KeeperState } from '@zoo/protocol'
import { hasPermission, redactDigests, requirePermission } from './acl.js'
import type { AuthInfo } from './acl.js'
import type { DataTree } from './tree.js'
import type { WatchDelivery, WatchRegistry } from './watches.js'

/** Who is asking: the session and the identities it authenticated as. */
export interface Session {
  sessionId: bigint
  authInfo: AuthInfo
}

function nodeOrThrow(tree: DataTree, path: string): { acl: readonly ACL[] } {
  const acl = tree.acl(path)
  if (acl === undefined) throw new KeeperError(ErrorCode.NONODE, path)
  return { acl }
}

export function getData(tree: DataTree, path: string, authInfo: AuthInfo): { data: Buffer | null; stat: Stat } {
  requirePermission(nodeOrThrow(tree, path).acl, Perms.READ, authInfo, path)
  return { data: tree.data(path) as Buffer | null, stat: tree.stat(path) as Stat }
}

/** exists: only a NUL is refused as a bad path; READ on an existing node (ZOOKEEPER-2590, 3.8.4+). */
export function exists(tree: DataTree, path: string, authInfo: AuthInfo): Stat {
  if (path.includes('\u0000')) throw new KeeperError(ErrorCode.BADARGUMENTS, path)
  const acl = tree.acl(path)
  if (acl !== undefined) requirePermission(acl, Perms.READ, authInfo, path)
  const stat = tree.stat(path)
  if (stat === undefined) throw new KeeperError(ErrorCode.NONODE, path)
  return stat
}

export function getChildren(tree: DataTree, path: string, authInfo: AuthInfo): string[] {
  requirePermission(nodeOrThrow(tree, path).acl, Perms.READ, authInfo, path)
  return tree.children(path) as string[]
}

export function getChildren2(tree: DataTree, path: string, authInfo: AuthInfo): { children: string[]; stat: Stat } {
  const children = getChildren(tree, path, authInfo)
  return { children, stat: tree.stat(path) as Stat }
}

/** getACL needs READ or ADMIN; without ADMIN digest ids come back as `user:x`. */
export function getACL(tree: DataTree, path: string, authInfo: AuthInfo): { acl: ACL[]; stat: Stat } {
  const { acl } = nodeOrThrow(tree, path)
  requirePermission(acl, Perms.READ | Perms.ADMIN, authInfo, path)
  const stat = tree.stat(path) as Stat
  if (hasPermission(acl, Perms.ADMIN, authInfo)) return { acl: acl.map((a) => ({ perms: a.perms, id: { ...a.id } })), stat }
  return { acl: redactDigests(acl), stat }
}

export function getAllChildrenNumber(tree: DataTree, path: string, authInfo: AuthInfo): number {
  requirePermission(nodeOrThrow(tree, path).acl, Perms.READ, authInfo, path)
  // Apache counts the keys under `path + "/"`: for the root's alias "" that includes "/" itself.
  return (tree.descendantCount(path) as number) + (path === '' ? 1 : 0)
}

/** The session's ephemerals whose path starts with `prefixPath` (a plain string prefix, as Apache). */
export function getEphemerals(tree: DataTree, sessionId: bigint, prefixPath: string): string[] {
  const all = tree.ephemerals(sessionId)
  const prefix = prefixPath.trim()
  if (prefix.length === 0 || prefix === '/') return all
  return all.filter((p) => p.startsWith(prefixPath))
}

/** whoAmI: one ClientInfo per auth id (AuthUtil.getClientInfos). */
export function whoAmI(authInfo: AuthInfo): ClientInfo[] {
  return authInfo.map((id) => {
    if (id.scheme === 'digest') return { authScheme: id.scheme, user: id.id.split(':')[0] ?? '' }
    // ip and x509 name the user by the whole id (AuthenticationProvider.getUserName's default).
    if (id.scheme === 'ip' || id.scheme === 'x509') return { authScheme: id.scheme, user: id.id }
    return { authScheme: id.scheme, user: '' }
  })
}

/** multiRead: each op answers on its own; a write op anywhere makes the request bad (MARSHALLINGERROR). */
function multiRead(tree: DataTree, ops: readonly MultiOp[], authInfo: AuthInfo): MultiResult[] {
  if (!ops.every(isReadOp)) throw new RangeError('multiRead carries a write op')
  return ops.map((op): MultiResult => {
    try {
      if (op.type === OpCode.getData) return { type: OpCode.getData, ...getData(tree, op.path, authInfo) }
      return { type: OpCode.getChildren, children: getChildren(tree, op.path, authInfo) }
    } catch (e) {
      if (e instanceof KeeperError) return { type: OpCode.error, err: e.code }
      throw e
    }
  })
}

function isReadOp(op: MultiOp): op is MultiReadOp {
  return op.type === OpCode.getData || op.type === OpCode.getChildren
}

export interface SetWatchesLists {
  relativeZxid: bigint
  dataWatches: readonly string[]
  existWatches: readonly string[]
  childWatches: readonly string[]
  persistentWatches?: readonly string[]
  persistentRecursiveWatches?: readonly string[]
}

/**
 * Re-registers a reconnecting client's watches (DataTree.setWatches): what changed since
 * `relativeZxid` fires at once instead (not filtered by ACL, as in Apache 3.8.4).
 */
export function setWatches(tree: DataTree, watches: WatchRegistry, sessionId: bigint, lists: SetWatchesLists): WatchDelivery[] {
  const events: WatchDelivery[] = []
  const fire = (type: EventType, path: string): void => {
    const event: WatcherEvent = { type, state: KeeperState.SyncConnected, path }
    events.push({ sessionId, event })
  }
  for (const path of lists.dataWatches) {
    const stat = tree.stat(path)
    if (stat === undefined) fire(EventType.NodeDeleted, path)
    else if (stat.mzxid > lists.relativeZxid) fire(EventType.NodeDataChanged, path)
    else watches.addDataWatch(sessionId, path)
  }
  for (const path of lists.existWatches) {
    if (tree.has(path)) fire(EventType.NodeCreated, path)
    else watches.addDataWatch(sessionId, path)
  }
  for (const path of lists.childWatches) {
    const stat = tree.stat(path)
    if (stat === undefined) fire(EventType.NodeDeleted, path)
    else if (stat.pzxid > lists.relativeZxid) fire(EventType.NodeChildrenChanged, path)
    else watches.addChildWatch(sessionId, path)
  }
  for (const path of lists.persistentWatches ?? []) watches.addWatch(sessionId, path, 0)
  for (const path of lists.persistentRecursiveWatches ?? []) watches.addWatch(sessionId, path, 1)
  return events
}

export type ReadRequest = Extract<Request, { type:
  | typeof OpCode.exists | typeof OpCode.getData | typeof OpCode.getChildren | typeof OpCode.getChildren2
  | typeof OpCode.getACL | typeof OpCode.getAllChildrenNumber | typeof OpCode.getEphemerals | typeof OpCode.sync
  | typeof OpCode.multiRead | typeof OpCode.checkWatches | typeof OpCode.removeWatches | typeof OpCode.addWatch
  | typeof OpCode.setWatches | typeof OpCode.setWatches2 | typeof OpCode.whoAmI }>

const READ_TYPES: ReadonlySet<number> = new Set([
  OpCode.exists, OpCode.getData, OpCode.getChildren, OpCode.getChildren2, OpCode.getACL, OpCode.getAllChildrenNumber,
  OpCode.getEphemerals, OpCode.sync, OpCode.multiRead, OpCode.checkWatches, OpCode.removeWatches, OpCode.addWatch,
  OpCode.setWatches, OpCode.setWatches2, OpCode.whoAmI,
])

export function isReadRequest(request: Request): request is ReadRequest {
  return READ_TYPES.has(request.type)
}

export interface ReadReply {
  err: ErrorCode
  /** The response record when err is OK (absent for ops whose reply is the header alone). */
  response?: Response
  /** Notifications setWatches fires at once, to be sent before the reply. */
  events?: WatchDelivery[]
}

/**
 * Answers a read as Apache's FinalRequestProcessor does, registering watches in `watches`.
 * Errors become the reply's err; MARSHALLINGERROR stands for Apache's "bad request" cases.
 */
export function read(tree: DataTree, watches: WatchRegistry, session: Session, request: ReadRequest): ReadReply {
  try {
    return readOrThrow(tree, watches, session, request)
  } catch (e) {
    if (e instanceof KeeperError) return { err: e.code }
    if (e instanceof RangeError) return { err: ErrorCode.MARSHALLINGERROR }
    throw e
  }
}

function readOrThrow(tree: DataTree, watches: WatchRegistry, session: Session, request: ReadRequest): ReadReply {
  const { sessionId, authInfo } = session
  const ok = (response?: Response): ReadReply => (response === undefined ? { err: ErrorCode.OK } : { err: ErrorCode.OK, response })
  switch (request.type) {
    case OpCode.exists: {
      try {
        const stat = exists(tree, request.path, authInfo)
        if (request.watch) watches.addDataWatch(sessionId, request.path)
        return ok({ stat })
      } catch (e) {
        // A watch on a missing node waits for its creation; refused requests leave nothing behind.
        if (request.watch && e instanceof KeeperError && e.code === ErrorCode.NONODE) watches.addDataWatch(sessionId, request.path)
        throw e
      }
    }
    case OpCode.getData: {
      const result = getData(tree, request.path, authInfo)
      if (request.watch) watches.addDataWatch(sessionId, request.path)
      return ok(result)
    }
    case OpCode.getChildren: {
      const children = getChildren(tree, request.path, authInfo)
      if (request.watch) watches.addChildWatch(sessionId, request.path)
      return ok({ children })
    }
    case OpCode.getChildren2: {
      const result = getChildren2(tree, request.path, authInfo)
      if (request.watch) watches.addChildWatch(sessionId, request.path)
      return ok(result)
    }
    case OpCode.getACL:
      return ok(getACL(tree, request.path, authInfo))
    case OpCode.getAllChildrenNumber:
      return ok({ totalNumber: getAllChildrenNumber(tree, request.path, authInfo) })
    case OpCode.getEphemerals:
      return ok({ ephemerals: getEphemerals(tree, sessionId, request.prefixPath) })
    case OpCode.sync:
      return ok({ path: request.path })
    case OpCode.multiRead:
      return ok({ results: multiRead(tree, request.ops, authInfo) })
    case OpCode.checkWatches:
      if (!watches.checkWatches(request.path, request.watcherType)) throw new KeeperError(ErrorCode.NOWATCHER, request.path)
      return ok()
    case OpCode.removeWatches:
      if (!watches.removeWatches(sessionId, request.path, request.watcherType)) throw new KeeperError(ErrorCode.NOWATCHER, request.path)
      return ok()
    case OpCode.addWatch:
      watches.addWatch(sessionId, request.path, request.mode)
      return ok({ err: ErrorCode.OK })
    case OpCode.setWatches:
    case OpCode.setWatches2:
      return { err: ErrorCode.OK, events: setWatches(tree, watches, sessionId, request) }
    case OpCode.whoAmI:
      return ok({ clientInfo: whoAmI(authInfo) })
  }
}
