// Wire constants of ZooKeeper 3.8, read off the Apache 3.8.0 jars (see the protocol reference §3-§4).
// Each is an `as const` object (the value) plus a union of its numbers (the type of the same name).

type ValueOf<T> = T[keyof T]

/** Request/txn type codes (ZooDefs.OpCode). */
export const OpCode = {
  notification: 0,
  create: 1,
  delete: 2,
  exists: 3,
  getData: 4,
  setData: 5,
  getACL: 6,
  setACL: 7,
  getChildren: 8,
  sync: 9,
  ping: 11,
  getChildren2: 12,
  check: 13,
  multi: 14,
  create2: 15,
  reconfig: 16,
  checkWatches: 17,
  removeWatches: 18,
  createContainer: 19,
  deleteContainer: 20,
  createTTL: 21,
  multiRead: 22,
  auth: 100,
  setWatches: 101,
  sasl: 102,
  getEphemerals: 103,
  getAllChildrenNumber: 104,
  setWatches2: 105,
  addWatch: 106,
  whoAmI: 107,
  createSession: -10,
  closeSession: -11,
  error: -1,
} as const
export type OpCode = ValueOf<typeof OpCode>
export type OpName = keyof typeof OpCode

/** KeeperException.Code values. */
export const ErrorCode = {
  OK: 0,
  SYSTEMERROR: -1,
  RUNTIMEINCONSISTENCY: -2,
  DATAINCONSISTENCY: -3,
  CONNECTIONLOSS: -4,
  MARSHALLINGERROR: -5,
  UNIMPLEMENTED: -6,
  OPERATIONTIMEOUT: -7,
  BADARGUMENTS: -8,
  UNKNOWNSESSION: -12,
  NEWCONFIGNOQUORUM: -13,
  RECONFIGINPROGRESS: -14,
  APIERROR: -100,
  NONODE: -101,
  NOAUTH: -102,
  BADVERSION: -103,
  NOCHILDRENFOREPHEMERALS: -108,
  NODEEXISTS: -110,
  NOTEMPTY: -111,
  SESSIONEXPIRED: -112,
  INVALIDCALLBACK: -113,
  INVALIDACL: -114,
  AUTHFAILED: -115,
  SESSIONMOVED: -118,
  NOTREADONLY: -119,
  EPHEMERALONLOCALSESSION: -120,
  NOWATCHER: -121,
  REQUESTTIMEOUT: -122,
  RECONFIGDISABLED: -123,
  SESSIONCLOSEDREQUIRESASLAUTH: -124,
  QUOTAEXCEEDED: -125,
  THROTTLEDOP: -127,
} as const
export type ErrorCode = ValueOf<typeof ErrorCode>
export type ErrorName = keyof typeof ErrorCode

/** Flags of create requests (CreateMode). */
export const CreateMode = {
  PERSISTENT: 0,
  EPHEMERAL: 1,
  PERSISTENT_SEQUENTIAL: 2,
  EPHEMERAL_SEQUENTIAL: 3,
  CONTAINER: 4,
  PERSISTENT_WITH_TTL: 5,
  PERSISTENT_SEQUENTIAL_WITH_TTL: 6,
} as const
export type CreateMode = ValueOf<typeof CreateMode>

export const EventType = {
  None: -1,
  NodeCreated: 1,
  NodeDeleted: 2,
  NodeDataChanged: 3,
  NodeChildrenChanged: 4,
  DataWatchRemoved: 5,
  ChildWatchRemoved: 6,
  PersistentWatchRemoved: 7,
} as const
export type EventType = ValueOf<typeof EventType>

export const KeeperState = {
  Unknown: -1,
  Disconnected: 0,
  NoSyncConnected: 1,
  SyncConnected: 3,
  AuthFailed: 4,
  ConnectedReadOnly: 5,
  SaslAuthenticated: 6,
  Expired: -112,
  Closed: 7,
} as const
export type KeeperState = ValueOf<typeof KeeperState>

/** Modes of addWatch. */
export const AddWatchMode = { PERSISTENT: 0, PERSISTENT_RECURSIVE: 1 } as const
export type AddWatchMode = ValueOf<typeof AddWatchMode>

/** Watcher types of checkWatches/removeWatches. */
export const WatcherType = { Children: 1, Data: 2, Any: 3 } as const
export type WatcherType = ValueOf<typeof WatcherType>

/** ACL permission bits. */
export const Perms = { READ: 1, WRITE: 2, CREATE: 4, DELETE: 8, ADMIN: 16, ALL: 31 } as const
export type Perms = ValueOf<typeof Perms>

/** Reserved xids; normal xids count up from 1. */
export const Xid = { NOTIFICATION: -1, PING: -2, AUTH: -4, SET_WATCHES: -8 } as const
export type Xid = ValueOf<typeof Xid>

/** Apache's jute.maxbuffer default: the largest frame body a server accepts. */
export const DEFAULT_MAX_FRAME_BYTES = 0xfffff
/** zookeeper.jute.maxbuffer.extrasize: slack for lengths inside records only, never for frames. */
export const RECORD_LENGTH_SLACK_BYTES = 1024
/** Length of a jute buffer/ustring/vector that encodes null. */
export const NULL_LENGTH = -1

function invert<T extends Record<string, number>>(obj: T): Map<number, keyof T & string> {
  const names = new Map<number, keyof T & string>()
  for (const [name, code] of Object.entries(obj)) names.set(code, name as keyof T & string)
  return names
}

const opNames = invert(OpCode)
const errorNames = invert(ErrorCode)
const eventNames = invert(EventType)
const stateNames = invert(KeeperState)

/** `opName(4) === 'getData'`; unknown codes give `'unknown(<code>)'`. */
export function opName(code: number): string {
  return opNames.get(code) ?? `unknown(${code})`
}

/** `errorName(-101) === 'NONODE'`; unknown codes give `'UNKNOWN(<code>)'`. */
export function errorName(code: number): string {
  return errorNames.get(code) ?? `UNKNOWN(${code})`
}

export function eventTypeName(code: number): string {
  return eventNames.get(code) ?? `Unknown(${code})`
}

export function keeperStateName(code: number): string {
  return stateNames.get(code) ?? `Unknown(${code})`
}

export function isOpCode(code: number): code is OpCode {
  return opNames.has(code)
}

export function isErrorCode(code: number): code is ErrorCode {
  return errorNames.has(code)
}

/** What a create flag means; undefined for flags Apache rejects. */
export interface CreateModeInfo {
  ephemeral: boolean
  sequential: boolean
  container: boolean
  ttl: boolean
}

const createModes: readonly CreateModeInfo[] = [
  { ephemeral: false, sequential: false, container: false, ttl: false },
  { ephemeral: true, sequential: false, container: false, ttl: false },
  { ephemeral: false, sequential: true, container: false, ttl: false },
  { ephemeral: true, sequential: true, container: false, ttl: false },
  { ephemeral: false, sequential: false, container: true, ttl: false },
  { ephemeral: false, sequential: false, container: false, ttl: true },
  { ephemeral: false, sequential: true, container: false, ttl: true },
]

export function createModeInfo(flags: number): CreateModeInfo | undefined {
  return createModes[flags]
}
