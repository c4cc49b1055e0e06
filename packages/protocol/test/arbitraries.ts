// fast-check arbitraries for every record and message of the package, keyed by codec name.
import fc from 'fast-check'
import { OpCode } from '../src/index.js'
import type { MultiOp, MultiResult, Request, ReplyType, RequestType } from '../src/index.js'

/** Records with Object.prototype, like the decoder's, so deepStrictEqual compares only content. */
function rec<T>(model: { [K in keyof T]: fc.Arbitrary<T[K]> }): fc.Arbitrary<T> {
  return fc.record(model, { noNullPrototype: true })
}

export const int = fc.integer({ min: -0x80000000, max: 0x7fffffff })
export const long = fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n })
/** Includes every code point but half surrogates, so UTF-8 round trips exactly. */
export const str = fc.oneof(fc.string(), fc.string({ unit: 'binary', maxLength: 40 }))
export const nullableStr = fc.option(str, { nil: null })
export const bytes = fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a))
export const nullableBytes = fc.option(bytes, { nil: null })
const strings = fc.array(str, { maxLength: 8 })

export const id = rec({ scheme: str, id: str })
export const acl = rec({ perms: int, id })
const acls = fc.array(acl, { maxLength: 4 })
export const stat = rec({
  czxid: long, mzxid: long, ctime: long, mtime: long, version: int, cversion: int, aversion: int,
  ephemeralOwner: long, dataLength: int, numChildren: int, pzxid: long,
})
const statPersisted = rec({
  czxid: long, mzxid: long, ctime: long, mtime: long, version: int, cversion: int, aversion: int, ephemeralOwner: long, pzxid: long,
})
const path = rec({ path: str })
const pathWatch = rec({ path: str, watch: fc.boolean() })
const pathVersion = rec({ path: str, version: int })
const statOnly = rec({ stat })
const create = rec({ path: str, data: nullableBytes, acl: acls, flags: int })
const createTTL = rec({ path: str, data: nullableBytes, acl: acls, flags: int, ttl: long })
const create2Response = rec({ path: str, stat })
const getDataResponse = rec({ data: nullableBytes, stat })
const setData = rec({ path: str, data: nullableBytes, version: int })
const setACL = rec({ path: str, acl: acls, version: int })
const watcherType = rec({ path: str, watcherType: int })
const setWatches = rec({ relativeZxid: long, dataWatches: strings, existWatches: strings, childWatches: strings })
const setWatches2 = rec({
  relativeZxid: long, dataWatches: strings, existWatches: strings, childWatches: strings,
  persistentWatches: strings, persistentRecursiveWatches: strings,
})
const token = rec({ token: nullableBytes })
const clientInfo = rec({ authScheme: str, user: str })
const empty = fc.constant({})

const multiOpBodies: Record<number, fc.Arbitrary<object>> = {
  [OpCode.create]: create, [OpCode.create2]: create, [OpCode.createContainer]: create, [OpCode.createTTL]: createTTL,
  [OpCode.delete]: pathVersion, [OpCode.setData]: setData, [OpCode.check]: pathVersion,
  [OpCode.getData]: pathWatch, [OpCode.getChildren]: pathWatch,
}
const multiResultBodies: Record<number, fc.Arbitrary<object>> = {
  [OpCode.create]: path, [OpCode.create2]: create2Response, [OpCode.createContainer]: create2Response,
  [OpCode.createTTL]: create2Response, [OpCode.delete]: empty, [OpCode.setData]: statOnly, [OpCode.check]: empty,
  [OpCode.getData]: getDataResponse, [OpCode.getChildren]: rec({ children: strings }), [OpCode.error]: rec({ err: int }),
}
function tagged<T>(bodies: Record<number, fc.Arbitrary<object>>): fc.Arbitrary<T> {
  return fc.oneof(...Object.entries(bodies).map(([type, body]) => body.map((b) => ({ type: Number(type), ...b }) as T)))
}
export const multiOp = tagged<MultiOp>(multiOpBodies)
export const multiResult = tagged<MultiResult>(multiResultBodies)
const multiRequest = rec({ ops: fc.array(multiOp, { maxLength: 5 }) })
const multiResponse = rec({ results: fc.array(multiResult, { maxLength: 5 }) })

/** One arbitrary per exported codec (the record tests fail for a codec missing here). */
export const recordArbitraries: Record<string, fc.Arbitrary<unknown>> = {
  Id: id, ACL: acl, Stat: stat, StatPersisted: statPersisted,
  RequestHeader: rec({ xid: int, type: int }),
  ReplyHeader: rec({ xid: int, zxid: long, err: int }),
  MultiHeader: rec({ type: int, done: fc.boolean(), err: int }),
  CreateRequest: create, CreateTTLRequest: createTTL, CreateResponse: path, Create2Response: create2Response,
  DeleteRequest: pathVersion, ExistsRequest: pathWatch, ExistsResponse: statOnly,
  GetDataRequest: pathWatch, GetDataResponse: getDataResponse, SetDataRequest: setData, SetDataResponse: statOnly,
  GetACLRequest: path, GetACLResponse: rec({ acl: acls, stat }), SetACLRequest: setACL, SetACLResponse: statOnly,
  GetChildrenRequest: pathWatch, GetChildrenResponse: rec({ children: strings }),
  GetChildren2Request: pathWatch, GetChildren2Response: rec({ children: strings, stat }),
  SyncRequest: path, SyncResponse: path, CheckVersionRequest: pathVersion,
  GetAllChildrenNumberRequest: path, GetAllChildrenNumberResponse: rec({ totalNumber: int }),
  GetEphemeralsRequest: rec({ prefixPath: str }), GetEphemeralsResponse: rec({ ephemerals: strings }),
  CheckWatchesRequest: watcherType, RemoveWatchesRequest: watcherType,
  AddWatchRequest: rec({ path: str, mode: int }),
  AuthPacket: rec({ authType: int, scheme: str, auth: nullableBytes }),
  SetWatches: setWatches, SetWatches2: setWatches2,
  WatcherEvent: rec({ type: int, state: int, path: str }),
  ErrorResponse: rec({ err: int }), ClientInfo: clientInfo,
  WhoAmIResponse: rec({ clientInfo: fc.array(clientInfo, { maxLength: 4 }) }),
  ReconfigRequest: rec({ joiningServers: nullableStr, leavingServers: nullableStr, newMembers: nullableStr, curConfigId: long }),
  GetSASLRequest: token, SetSASLResponse: token,
  ConnectRequest: rec({
    protocolVersion: int, lastZxidSeen: long, timeOut: int, sessionId: long, passwd: nullableBytes,
    readOnly: fc.option(fc.boolean(), { nil: undefined }),
  }),
  ConnectResponse: rec({
    protocolVersion: int, timeOut: int, sessionId: long, passwd: nullableBytes, readOnly: fc.option(fc.boolean(), { nil: undefined }),
  }),
  MultiRequest: multiRequest, MultiResponse: multiResponse,
  // replicated txns
  TxnHeader: rec({ clientId: long, cxid: int, zxid: long, time: long, type: int }),
  CreateTxn: rec({ path: str, data: nullableBytes, acl: acls, ephemeral: fc.boolean(), parentCVersion: int }),
  CreateContainerTxn: rec({ path: str, data: nullableBytes, acl: acls, parentCVersion: int }),
  CreateTTLTxn: rec({ path: str, data: nullableBytes, acl: acls, parentCVersion: int, ttl: long }),
  DeleteTxn: path, SetDataTxn: setData, SetACLTxn: setACL, CheckVersionTxn: pathVersion,
  CreateSessionTxn: rec({ timeOut: int }), CloseSessionTxn: rec({ paths2Delete: strings }),
  ErrorTxn: rec({ err: int }),
  Txn: rec({ type: int, data: bytes }),
  MultiTxn: rec({ txns: fc.array(rec({ type: int, data: bytes }), { maxLength: 5 }) }),
  TxnDigest: rec({ version: int, treeDigest: long }),
}

const requestBodies: Record<number, fc.Arbitrary<object>> = {
  [OpCode.create]: create, [OpCode.delete]: pathVersion, [OpCode.exists]: pathWatch, [OpCode.getData]: pathWatch,
  [OpCode.setData]: setData, [OpCode.getACL]: path, [OpCode.setACL]: setACL, [OpCode.getChildren]: pathWatch,
  [OpCode.sync]: path, [OpCode.ping]: empty, [OpCode.getChildren2]: pathWatch, [OpCode.check]: pathVersion,
  [OpCode.multi]: multiRequest, [OpCode.create2]: create, [OpCode.reconfig]: recordArbitraries.ReconfigRequest as fc.Arbitrary<object>,
  [OpCode.checkWatches]: watcherType, [OpCode.removeWatches]: watcherType, [OpCode.createContainer]: create,
  [OpCode.deleteContainer]: pathVersion, [OpCode.createTTL]: createTTL, [OpCode.multiRead]: multiRequest,
  [OpCode.auth]: recordArbitraries.AuthPacket as fc.Arbitrary<object>, [OpCode.setWatches]: setWatches, [OpCode.sasl]: token,
  [OpCode.getEphemerals]: rec({ prefixPath: str }), [OpCode.getAllChildrenNumber]: path,
  [OpCode.setWatches2]: setWatches2, [OpCode.addWatch]: rec({ path: str, mode: int }),
  [OpCode.whoAmI]: empty, [OpCode.closeSession]: empty,
}
export const requestTypes = Object.keys(requestBodies).map(Number) as RequestType[]
export const request = tagged<Request>(requestBodies)

const responseBodies: Record<number, fc.Arbitrary<object> | null> = {
  [OpCode.notification]: recordArbitraries.WatcherEvent as fc.Arbitrary<object>,
  [OpCode.create]: path, [OpCode.delete]: null, [OpCode.exists]: statOnly, [OpCode.getData]: getDataResponse,
  [OpCode.setData]: statOnly, [OpCode.getACL]: recordArbitraries.GetACLResponse as fc.Arbitrary<object>, [OpCode.setACL]: statOnly,
  [OpCode.getChildren]: rec({ children: strings }), [OpCode.sync]: path, [OpCode.ping]: null,
  [OpCode.getChildren2]: recordArbitraries.GetChildren2Response as fc.Arbitrary<object>, [OpCode.check]: null,
  [OpCode.multi]: multiResponse, [OpCode.create2]: create2Response, [OpCode.reconfig]: getDataResponse,
  [OpCode.checkWatches]: null, [OpCode.removeWatches]: null, [OpCode.createContainer]: create2Response,
  [OpCode.deleteContainer]: null, [OpCode.createTTL]: create2Response, [OpCode.multiRead]: multiResponse, [OpCode.auth]: null,
  [OpCode.setWatches]: null, [OpCode.sasl]: token, [OpCode.getEphemerals]: rec({ ephemerals: strings }),
  [OpCode.getAllChildrenNumber]: rec({ totalNumber: int }), [OpCode.setWatches2]: null,
  [OpCode.addWatch]: rec({ err: int }), [OpCode.whoAmI]: recordArbitraries.WhoAmIResponse as fc.Arbitrary<object>,
  [OpCode.closeSession]: null,
}

/** A reply as a server would send it: notifications get xid -1, error replies no body. */
export interface ArbitraryReply {
  opcode: ReplyType
  header: { xid: number; zxid: bigint; err: number }
  response: object | undefined
}
const normalXid = fc.integer({ min: 1, max: 0x7fffffff })
export const reply: fc.Arbitrary<ArbitraryReply> = fc.oneof(
  ...Object.entries(responseBodies).map(([op, body]) => {
    const opcode = Number(op) as ReplyType
    const xid = opcode === OpCode.notification ? fc.constant(-1) : normalXid
    const success = rec({ xid, zxid: long, err: fc.constant(0) })
    const failure = rec({ xid, zxid: long, err: fc.integer({ min: -130, max: -1 }) })
    const ok = body === null
      ? success.map((header) => ({ opcode, header, response: undefined }))
      : fc.tuple(success, body).map(([header, response]) => ({ opcode, header, response }))
    if (opcode === OpCode.notification) return ok
    return fc.oneof(ok, failure.map((header) => ({ opcode, header, response: undefined })))
  }),
)
