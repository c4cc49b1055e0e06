// Every jute record of the ZooKeeper 3.8 client protocol and its replicated txns (protocol
// reference §3), each as a plain interface plus a codec of the same name: `Stat.decode(r)`.
// Field order was checked against the serialize() methods in Apache's zookeeper-jute-3.8.0.jar.
// Where a jute field is called `type` but is not an opcode, it is renamed (watcherType, authType) so
// that messages can use `type` for the opcode.
import { JuteReader, JuteWriter, MIN_STRING_BYTES } from './jute.js'
import type { JuteReaderOptions } from './jute.js'
import { intRecord, pathCodec, pathVersionCodec, pathWatchCodec, readStrings, stringsRecord, tokenRecord, writeStrings } from './shapes.js'
import type { PathRecord, PathVersionRecord, PathWatchRecord } from './shapes.js'

import type { Codec } from './shapes.js'
export type { Codec, PathRecord, PathVersionRecord, PathWatchRecord }

/** Encodes one record into a fresh, exactly sized buffer (for txns and anything kept long). */
export function encodeRecord<T>(codec: Codec<T>, value: T): Buffer {
  const w = new JuteWriter()
  codec.encode(w, value)
  return Buffer.from(w.toBuffer())
}

/** Decodes one record that must fill `bytes` exactly. */
export function decodeRecord<T>(codec: Codec<T>, bytes: Buffer, options?: JuteReaderOptions): T {
  const r = new JuteReader(bytes, options)
  const value = codec.decode(r)
  r.done()
  return value
}

// ---------------------------------------------------------------- data and ACLs

export interface Id {
  scheme: string
  id: string
}
export const Id: Codec<Id> = {
  encode(w, v) {
    w.ustring(v.scheme)
    w.ustring(v.id)
  },
  decode(r) {
    return { scheme: r.string(), id: r.string() }
  },
}

export interface ACL {
  perms: number
  id: Id
}
/** Smallest encoding of one ACL (perms + two empty strings), for vector count checks. */
export const ACL_MIN_BYTES = 4 + 2 * MIN_STRING_BYTES
const writeACL = (w: JuteWriter, v: ACL): void => {
  w.int(v.perms)
  Id.encode(w, v.id)
}
const readACL = (r: JuteReader): ACL => ({ perms: r.int(), id: Id.decode(r) })
export const ACL: Codec<ACL> = { encode: writeACL, decode: readACL }

const writeACLs = (w: JuteWriter, acl: readonly ACL[]): void => w.vector(acl, writeACL)
const readACLs = (r: JuteReader): ACL[] => r.list(readACL, ACL_MIN_BYTES)

export interface Stat {
  czxid: bigint
  mzxid: bigint
  ctime: bigint
  mtime: bigint
  version: number
  cversion: number
  aversion: number
  ephemeralOwner: bigint
  dataLength: number
  numChildren: number
  pzxid: bigint
}
export const STAT_BYTES = 68
/** The fields Stat and StatPersisted share, in their common order. */
function writeStatHead(w: JuteWriter, v: StatPersisted): void {
  w.long(v.czxid)
  w.long(v.mzxid)
  w.long(v.ctime)
  w.long(v.mtime)
  w.int(v.version)
  w.int(v.cversion)
  w.int(v.aversion)
  w.long(v.ephemeralOwner)
}
export const Stat: Codec<Stat> = {
  encode(w, v) {
    w.reserve(STAT_BYTES)
    writeStatHead(w, v)
    w.int(v.dataLength)
    w.int(v.numChildren)
    w.long(v.pzxid)
  },
  decode(r) {
    return {
      czxid: r.long(),
      mzxid: r.long(),
      ctime: r.long(),
      mtime: r.long(),
      version: r.int(),
      cversion: r.int(),
      aversion: r.int(),
      ephemeralOwner: r.long(),
      dataLength: r.int(),
      numChildren: r.int(),
      pzxid: r.long(),
    }
  },
}

/** The Stat Apache keeps on disk: no dataLength or numChildren. */
export interface StatPersisted {
  czxid: bigint
  mzxid: bigint
  ctime: bigint
  mtime: bigint
  version: number
  cversion: number
  aversion: number
  ephemeralOwner: bigint
  pzxid: bigint
}
export const StatPersisted: Codec<StatPersisted> = {
  encode(w, v) {
    writeStatHead(w, v)
    w.long(v.pzxid)
  },
  decode(r) {
    return {
      czxid: r.long(),
      mzxid: r.long(),
      ctime: r.long(),
      mtime: r.long(),
      version: r.int(),
      cversion: r.int(),
      aversion: r.int(),
      ephemeralOwner: r.long(),
      pzxid: r.long(),
    }
  },
}

/** Records that are only a Stat (ExistsResponse, SetDataResponse, SetACLResponse). */
export interface StatRecord {
  stat: Stat
}
const statCodec: Codec<StatRecord> = {
  encode(w, v) {
    Stat.encode(w, v.stat)
  },
  decode(r) {
    return { stat: Stat.decode(r) }
  },
}

// ---------------------------------------------------------------- headers

export interface RequestHeader {
  xid: number
  type: number
}
export const RequestHeader: Codec<RequestHeader> = {
  encode(w, v) {
    w.int(v.xid)
    w.int(v.type)
  },
  decode(r) {
    return { xid: r.int(), type: r.int() }
  },
}

export interface ReplyHeader {
  xid: number
  zxid: bigint
  err: number
}
export const ReplyHeader: Codec<ReplyHeader> = {
  encode(w, v) {
    w.int(v.xid)
    w.long(v.zxid)
    w.int(v.err)
  },
  decode(r) {
    return { xid: r.int(), zxid: r.long(), err: r.int() }
  },
}

export interface MultiHeader {
  type: number
  done: boolean
  err: number
}
export const MultiHeader: Codec<MultiHeader> = {
  encode(w, v) {
    w.int(v.type)
    w.bool(v.done)
    w.int(v.err)
  },
  decode(r) {
    return { type: r.int(), done: r.bool(), err: r.int() }
  },
}

// ---------------------------------------------------------------- requests and responses

export interface CreateRequest {
  path: string
  data: Buffer | null
  acl: ACL[]
  flags: number
}
export const CreateRequest: Codec<CreateRequest> = {
  encode(w, v) {
    w.ustring(v.path)
    w.buffer(v.data)
    writeACLs(w, v.acl)
    w.int(v.flags)
  },
  decode(r) {
    return { path: r.string(), data: r.buffer(), acl: readACLs(r), flags: r.int() }
  },
}

export interface CreateTTLRequest extends CreateRequest {
  ttl: bigint
}
export const CreateTTLRequest: Codec<CreateTTLRequest> = {
  encode(w, v) {
    CreateRequest.encode(w, v)
    w.long(v.ttl)
  },
  decode(r) {
    return { path: r.string(), data: r.buffer(), acl: readACLs(r), flags: r.int(), ttl: r.long() }
  },
}

export type CreateResponse = PathRecord
export const CreateResponse: Codec<CreateResponse> = pathCodec

export interface Create2Response {
  path: string
  stat: Stat
}
export const Create2Response: Codec<Create2Response> = {
  encode(w, v) {
    w.ustring(v.path)
    Stat.encode(w, v.stat)
  },
  decode(r) {
    return { path: r.string(), stat: Stat.decode(r) }
  },
}

export type DeleteRequest = PathVersionRecord
export const DeleteRequest: Codec<DeleteRequest> = pathVersionCodec

export type ExistsRequest = PathWatchRecord
export const ExistsRequest: Codec<ExistsRequest> = pathWatchCodec
export type ExistsResponse = StatRecord
export const ExistsResponse: Codec<ExistsResponse> = statCodec

export type GetDataRequest = PathWatchRecord
export const GetDataRequest: Codec<GetDataRequest> = pathWatchCodec
export interface GetDataResponse {
  data: Buffer | null
  stat: Stat
}
export const GetDataResponse: Codec<GetDataResponse> = {
  encode(w, v) {
    w.buffer(v.data)
    Stat.encode(w, v.stat)
  },
  decode(r) {
    return { data: r.buffer(), stat: Stat.decode(r) }
  },
}

export interface SetDataRequest {
  path: string
  data: Buffer | null
  version: number
}
export const SetDataRequest: Codec<SetDataRequest> = {
  encode(w, v) {
    w.ustring(v.path)
    w.buffer(v.data)
    w.int(v.version)
  },
  decode(r) {
    return { path: r.string(), data: r.buffer(), version: r.int() }
  },
}
export type SetDataResponse = StatRecord
export const SetDataResponse: Codec<SetDataResponse> = statCodec

export type GetACLRequest = PathRecord
export const GetACLRequest: Codec<GetACLRequest> = pathCodec
export interface GetACLResponse {
  acl: ACL[]
  stat: Stat
}
export const GetACLResponse: Codec<GetACLResponse> = {
  encode(w, v) {
    writeACLs(w, v.acl)
    Stat.encode(w, v.stat)
  },
  decode(r) {
    return { acl: readACLs(r), stat: Stat.decode(r) }
  },
}

export interface SetACLRequest {
  path: string
  acl: ACL[]
  version: number
}
export const SetACLRequest: Codec<SetACLRequest> = {
  encode(w, v) {
    w.ustring(v.path)
    writeACLs(w, v.acl)
    w.int(v.version)
  },
  decode(r) {
    return { path: r.string(), acl: readACLs(r), version: r.int() }
  },
}
export type SetACLResponse = StatRecord
export const SetACLResponse: Codec<SetACLResponse> = statCodec

export type GetChildrenRequest = PathWatchRecord
export const GetChildrenRequest: Codec<GetChildrenRequest> = pathWatchCodec
export interface GetChildrenResponse {
  children: string[]
}
export const GetChildrenResponse: Codec<GetChildrenResponse> = stringsRecord('children')

export type GetChildren2Request = PathWatchRecord
export const GetChildren2Request: Codec<GetChildren2Request> = pathWatchCodec
export interface GetChildren2Response {
  children: string[]
  stat: Stat
}
export const GetChildren2Response: Codec<GetChildren2Response> = {
  encode(w, v) {
    writeStrings(w, v.children)
    Stat.encode(w, v.stat)
  },
  decode(r) {
    return { children: readStrings(r), stat: Stat.decode(r) }
  },
}

export type SyncRequest = PathRecord
export const SyncRequest: Codec<SyncRequest> = pathCodec
export type SyncResponse = PathRecord
export const SyncResponse: Codec<SyncResponse> = pathCodec

export type CheckVersionRequest = PathVersionRecord
export const CheckVersionRequest: Codec<CheckVersionRequest> = pathVersionCodec

export type GetAllChildrenNumberRequest = PathRecord
export const GetAllChildrenNumberRequest: Codec<GetAllChildrenNumberRequest> = pathCodec
export interface GetAllChildrenNumberResponse {
  totalNumber: number
}
export const GetAllChildrenNumberResponse: Codec<GetAllChildrenNumberResponse> = intRecord('totalNumber')

export interface GetEphemeralsRequest {
  prefixPath: string
}
export const GetEphemeralsRequest: Codec<GetEphemeralsRequest> = {
  encode(w, v) {
    w.ustring(v.prefixPath)
  },
  decode(r) {
    return { prefixPath: r.string() }
  },
}
export interface GetEphemeralsResponse {
  ephemerals: string[]
}
export const GetEphemeralsResponse: Codec<GetEphemeralsResponse> = stringsRecord('ephemerals')

/** jute: `ustring path, int type` (the type is a WatcherType). */
export interface CheckWatchesRequest {
  path: string
  watcherType: number
}
const watchTypeCodec: Codec<CheckWatchesRequest> = {
  encode(w, v) {
    w.ustring(v.path)
    w.int(v.watcherType)
  },
  decode(r) {
    return { path: r.string(), watcherType: r.int() }
  },
}
export const CheckWatchesRequest: Codec<CheckWatchesRequest> = watchTypeCodec
export type RemoveWatchesRequest = CheckWatchesRequest
export const RemoveWatchesRequest: Codec<RemoveWatchesRequest> = watchTypeCodec

export interface AddWatchRequest {
  path: string
  mode: number
}
export const AddWatchRequest: Codec<AddWatchRequest> = {
  encode(w, v) {
    w.ustring(v.path)
    w.int(v.mode)
  },
  decode(r) {
    return { path: r.string(), mode: r.int() }
  },
}

/** jute: `int type, ustring scheme, buffer auth`; type is always 0. */
export interface AuthPacket {
  authType: number
  scheme: string
  auth: Buffer | null
}
export const AuthPacket: Codec<AuthPacket> = {
  encode(w, v) {
    w.int(v.authType)
    w.ustring(v.scheme)
    w.buffer(v.auth)
  },
  decode(r) {
    return { authType: r.int(), scheme: r.string(), auth: r.buffer() }
  },
}

export interface SetWatches {
  relativeZxid: bigint
  dataWatches: string[]
  existWatches: string[]
  childWatches: string[]
}
export const SetWatches: Codec<SetWatches> = {
  encode(w, v) {
    w.long(v.relativeZxid)
    writeStrings(w, v.dataWatches)
    writeStrings(w, v.existWatches)
    writeStrings(w, v.childWatches)
  },
  decode(r) {
    return { relativeZxid: r.long(), dataWatches: readStrings(r), existWatches: readStrings(r), childWatches: readStrings(r) }
  },
}

export interface SetWatches2 extends SetWatches {
  persistentWatches: string[]
  persistentRecursiveWatches: string[]
}
export const SetWatches2: Codec<SetWatches2> = {
  encode(w, v) {
    SetWatches.encode(w, v)
    writeStrings(w, v.persistentWatches)
    writeStrings(w, v.persistentRecursiveWatches)
  },
  decode(r) {
    return {
      relativeZxid: r.long(),
      dataWatches: readStrings(r),
      existWatches: readStrings(r),
      childWatches: readStrings(r),
      persistentWatches: readStrings(r),
      persistentRecursiveWatches: readStrings(r),
    }
  },
}

/** A notification's body: type is an EventType, state a KeeperState. */
export interface WatcherEvent {
  type: number
  state: number
  path: string
}
export const WatcherEvent: Codec<WatcherEvent> = {
  encode(w, v) {
    w.int(v.type)
    w.int(v.state)
    w.ustring(v.path)
  },
  decode(r) {
    return { type: r.int(), state: r.int(), path: r.string() }
  },
}

export interface ErrorResponse {
  err: number
}
export const ErrorResponse: Codec<ErrorResponse> = intRecord('err')

export interface ClientInfo {
  authScheme: string
  user: string
}
const writeClientInfo = (w: JuteWriter, v: ClientInfo): void => {
  w.ustring(v.authScheme)
  w.ustring(v.user)
}
const readClientInfo = (r: JuteReader): ClientInfo => ({ authScheme: r.string(), user: r.string() })
export const ClientInfo: Codec<ClientInfo> = { encode: writeClientInfo, decode: readClientInfo }

export interface WhoAmIResponse {
  clientInfo: ClientInfo[]
}
export const WhoAmIResponse: Codec<WhoAmIResponse> = {
  encode(w, v) {
    w.vector(v.clientInfo, writeClientInfo)
  },
  decode(r) {
    return { clientInfo: r.list(readClientInfo, 2 * MIN_STRING_BYTES) }
  },
}

/** Apache's client sends null for the server lists it does not use. */
export interface ReconfigRequest {
  joiningServers: string | null
  leavingServers: string | null
  newMembers: string | null
  curConfigId: bigint
}
export const ReconfigRequest: Codec<ReconfigRequest> = {
  encode(w, v) {
    w.ustring(v.joiningServers)
    w.ustring(v.leavingServers)
    w.ustring(v.newMembers)
    w.long(v.curConfigId)
  },
  decode(r) {
    return { joiningServers: r.ustring(), leavingServers: r.ustring(), newMembers: r.ustring(), curConfigId: r.long() }
  },
}

export interface GetSASLRequest {
  token: Buffer | null
}
export const GetSASLRequest: Codec<GetSASLRequest> = tokenRecord()
export interface SetSASLResponse {
  token: Buffer | null
}
export const SetSASLResponse: Codec<SetSASLResponse> = tokenRecord()

// ---------------------------------------------------------------- handshake

/** `readOnly` is undefined when the peer's frame ended before that byte (old clients). */
export interface ConnectRequest {
  protocolVersion: number
  lastZxidSeen: bigint
  timeOut: number
  sessionId: bigint
  passwd: Buffer | null
  readOnly: boolean | undefined
}
export const ConnectRequest: Codec<ConnectRequest> = {
  encode(w, v) {
    w.int(v.protocolVersion)
    w.long(v.lastZxidSeen)
    w.int(v.timeOut)
    w.long(v.sessionId)
    w.buffer(v.passwd)
    if (v.readOnly !== undefined) w.bool(v.readOnly)
  },
  decode(r) {
    return {
      protocolVersion: r.int(),
      lastZxidSeen: r.long(),
      timeOut: r.int(),
      sessionId: r.long(),
      passwd: r.buffer(),
      readOnly: r.atEnd ? undefined : r.bool(),
    }
  },
}

/** Apache answers without the readOnly byte to a client whose ConnectRequest had none. */
export interface ConnectResponse {
  protocolVersion: number
  timeOut: number
  sessionId: bigint
  passwd: Buffer | null
  readOnly: boolean | undefined
}
export const ConnectResponse: Codec<ConnectResponse> = {
  encode(w, v) {
    w.int(v.protocolVersion)
    w.int(v.timeOut)
    w.long(v.sessionId)
    w.buffer(v.passwd)
    if (v.readOnly !== undefined) w.bool(v.readOnly)
  },
  decode(r) {
    return {
      protocolVersion: r.int(),
      timeOut: r.int(),
      sessionId: r.long(),
      passwd: r.buffer(),
      readOnly: r.atEnd ? undefined : r.bool(),
    }
  },
}
