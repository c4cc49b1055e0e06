// Whole messages: request/reply headers plus the record each opcode carries (protocol reference §3, §5).
// The server decodes requests and encodes replies; the client does the reverse.
import { ErrorCode, OpCode, Xid } from './constants.js'
import { ProtocolError } from './errors.js'
import { JuteReader, JuteWriter } from './jute.js'
import type { JuteReaderOptions } from './jute.js'
import {
  AddWatchRequest, AuthPacket, CheckVersionRequest, CheckWatchesRequest, ConnectRequest, ConnectResponse, Create2Response,
  CreateRequest, CreateResponse, CreateTTLRequest, DeleteRequest, ErrorResponse, ExistsRequest, ExistsResponse, GetACLRequest,
  GetACLResponse, GetAllChildrenNumberRequest, GetAllChildrenNumberResponse, GetChildren2Request, GetChildren2Response,
  GetChildrenRequest, GetChildrenResponse, GetDataRequest, GetDataResponse, GetEphemeralsRequest, GetEphemeralsResponse,
  GetSASLRequest, MultiHeader, ReconfigRequest, RemoveWatchesRequest, ReplyHeader, RequestHeader, SetACLRequest, SetACLResponse,
  SetDataRequest, SetDataResponse, SetSASLResponse, SetWatches, SetWatches2, SyncRequest, SyncResponse, WatcherEvent,
  WhoAmIResponse,
} from './records.js'
import { decodeRecord } from './records.js'
import type { Codec } from './records.js'

/** The body of requests and results that carry no record (ping, closeSession, delete result, ...). */
export type EmptyBody = Record<never, never>
const emptyBody: Codec<EmptyBody> = {
  encode() {},
  decode() {
    return {}
  },
}

// ---------------------------------------------------------------- multi

/** The ops a multi (14) or multiRead (22) may carry: what Apache's MultiOperationRecord reads. */
export interface MultiOpBodies {
  [OpCode.create]: CreateRequest
  [OpCode.create2]: CreateRequest
  [OpCode.createContainer]: CreateRequest
  [OpCode.createTTL]: CreateTTLRequest
  [OpCode.delete]: DeleteRequest
  [OpCode.setData]: SetDataRequest
  [OpCode.check]: CheckVersionRequest
  [OpCode.getData]: GetDataRequest
  [OpCode.getChildren]: GetChildrenRequest
}
export type MultiOpType = keyof MultiOpBodies
export type MultiOp = { [K in MultiOpType]: { type: K } & MultiOpBodies[K] }[MultiOpType]
/** What a multi (atomic write) carries; Apache refuses read ops there. */
export type MultiWriteOp = Exclude<MultiOp, { type: typeof OpCode.getData | typeof OpCode.getChildren }>
/** What a multiRead carries. */
export type MultiReadOp = Extract<MultiOp, { type: typeof OpCode.getData | typeof OpCode.getChildren }>

const multiOpCodecs: { [K in MultiOpType]: Codec<MultiOpBodies[K]> } = {
  [OpCode.create]: CreateRequest,
  [OpCode.create2]: CreateRequest,
  [OpCode.createContainer]: CreateRequest,
  [OpCode.createTTL]: CreateTTLRequest,
  [OpCode.delete]: DeleteRequest,
  [OpCode.setData]: SetDataRequest,
  [OpCode.check]: CheckVersionRequest,
  [OpCode.getData]: GetDataRequest,
  [OpCode.getChildren]: GetChildrenRequest,
}

/** Per-op results; a failed op (or, in a failed multi, every op) is `{ type: OpCode.error, err }`. */
export interface MultiResultBodies {
  [OpCode.create]: CreateResponse
  [OpCode.create2]: Create2Response
  [OpCode.createContainer]: Create2Response
  [OpCode.createTTL]: Create2Response
  [OpCode.delete]: EmptyBody
  [OpCode.setData]: SetDataResponse
  [OpCode.check]: EmptyBody
  [OpCode.getData]: GetDataResponse
  [OpCode.getChildren]: GetChildrenResponse
  [OpCode.error]: ErrorResponse
}
export type MultiResultType = keyof MultiResultBodies
export type MultiResult = { [K in MultiResultType]: { type: K } & MultiResultBodies[K] }[MultiResultType]

const multiResultCodecs: { [K in MultiResultType]: Codec<MultiResultBodies[K]> } = {
  [OpCode.create]: CreateResponse,
  [OpCode.create2]: Create2Response,
  [OpCode.createContainer]: Create2Response,
  [OpCode.createTTL]: Create2Response,
  [OpCode.delete]: emptyBody,
  [OpCode.setData]: SetDataResponse,
  [OpCode.check]: emptyBody,
  [OpCode.getData]: GetDataResponse,
  [OpCode.getChildren]: GetChildrenResponse,
  [OpCode.error]: ErrorResponse,
}

function codecFor(table: object, type: number): Codec<object> | undefined {
  return (table as Record<number, Codec<object> | undefined>)[type]
}

/** Both directions end the list with this header. */
const MULTI_END: MultiHeader = { type: -1, done: true, err: -1 }

/**
 * A multi's body in either direction: per item a MultiHeader naming its type, then that type's
 * record; then MULTI_END. `headerErr` is what the item's header carries in its err field.
 */
function multiList<T extends { type: number }>(table: object, what: string, headerErr: (item: T) => number): Codec<T[]> {
  return {
    encode(w, items) {
      for (const item of items) {
        const codec = codecFor(table, item.type)
        if (codec === undefined) throw new RangeError(`${what} type ${item.type} cannot be part of a multi`)
        MultiHeader.encode(w, { type: item.type, done: false, err: headerErr(item) })
        codec.encode(w, item)
      }
      MultiHeader.encode(w, MULTI_END)
    },
    decode(r) {
      const items: T[] = []
      // Each header takes 9 bytes, so the loop ends with the frame at the latest.
      for (let h = MultiHeader.decode(r); !h.done; h = MultiHeader.decode(r)) {
        const codec = codecFor(table, h.type)
        if (codec === undefined) throw new ProtocolError('malformed', `${what} type ${h.type} in a multi`, { offset: r.offset, opcode: h.type })
        items.push({ type: h.type, ...codec.decode(r) } as T)
      }
      return items
    },
  }
}

// Requests carry err -1 in each op's header; results carry 0, or the code of an error result.
const multiOps = multiList<MultiOp>(multiOpCodecs, 'op', () => -1)
const multiResults = multiList<MultiResult>(multiResultCodecs, 'result', (result) =>
  result.type === OpCode.error ? result.err : ErrorCode.OK,
)

export interface MultiRequest {
  ops: MultiOp[]
}
export const MultiRequest: Codec<MultiRequest> = {
  encode(w, v) {
    multiOps.encode(w, v.ops)
  },
  decode(r) {
    return { ops: multiOps.decode(r) }
  },
}

export interface MultiResponse {
  results: MultiResult[]
}
export const MultiResponse: Codec<MultiResponse> = {
  encode(w, v) {
    multiResults.encode(w, v.results)
  },
  decode(r) {
    return { results: multiResults.decode(r) }
  },
}

// ---------------------------------------------------------------- requests

/** The record each client request carries after its RequestHeader. */
export interface RequestBodies {
  [OpCode.create]: CreateRequest
  [OpCode.delete]: DeleteRequest
  [OpCode.exists]: ExistsRequest
  [OpCode.getData]: GetDataRequest
  [OpCode.setData]: SetDataRequest
  [OpCode.getACL]: GetACLRequest
  [OpCode.setACL]: SetACLRequest
  [OpCode.getChildren]: GetChildrenRequest
  [OpCode.sync]: SyncRequest
  [OpCode.ping]: EmptyBody
  [OpCode.getChildren2]: GetChildren2Request
  [OpCode.check]: CheckVersionRequest
  [OpCode.multi]: MultiRequest
  [OpCode.create2]: CreateRequest
  [OpCode.reconfig]: ReconfigRequest
  [OpCode.checkWatches]: CheckWatchesRequest
  [OpCode.removeWatches]: RemoveWatchesRequest
  [OpCode.createContainer]: CreateRequest
  [OpCode.deleteContainer]: DeleteRequest
  [OpCode.createTTL]: CreateTTLRequest
  [OpCode.multiRead]: MultiRequest
  [OpCode.auth]: AuthPacket
  [OpCode.setWatches]: SetWatches
  [OpCode.sasl]: GetSASLRequest
  [OpCode.getEphemerals]: GetEphemeralsRequest
  [OpCode.getAllChildrenNumber]: GetAllChildrenNumberRequest
  [OpCode.setWatches2]: SetWatches2
  [OpCode.addWatch]: AddWatchRequest
  [OpCode.whoAmI]: EmptyBody
  [OpCode.closeSession]: EmptyBody
}
export type RequestType = keyof RequestBodies
export type RequestOf<K extends RequestType> = { type: K } & RequestBodies[K]
/** One member per opcode a client can send, discriminated by `type`. */
export type Request = { [K in RequestType]: RequestOf<K> }[RequestType]

const requestCodecs: { [K in RequestType]: Codec<RequestBodies[K]> } = {
  [OpCode.create]: CreateRequest,
  [OpCode.delete]: DeleteRequest,
  [OpCode.exists]: ExistsRequest,
  [OpCode.getData]: GetDataRequest,
  [OpCode.setData]: SetDataRequest,
  [OpCode.getACL]: GetACLRequest,
  [OpCode.setACL]: SetACLRequest,
  [OpCode.getChildren]: GetChildrenRequest,
  [OpCode.sync]: SyncRequest,
  [OpCode.ping]: emptyBody,
  [OpCode.getChildren2]: GetChildren2Request,
  [OpCode.check]: CheckVersionRequest,
  [OpCode.multi]: MultiRequest,
  [OpCode.create2]: CreateRequest,
  [OpCode.reconfig]: ReconfigRequest,
  [OpCode.checkWatches]: CheckWatchesRequest,
  [OpCode.removeWatches]: RemoveWatchesRequest,
  [OpCode.createContainer]: CreateRequest,
  [OpCode.deleteContainer]: DeleteRequest,
  [OpCode.createTTL]: CreateTTLRequest,
  [OpCode.multiRead]: MultiRequest,
  [OpCode.auth]: AuthPacket,
  [OpCode.setWatches]: SetWatches,
  [OpCode.sasl]: GetSASLRequest,
  [OpCode.getEphemerals]: GetEphemeralsRequest,
  [OpCode.getAllChildrenNumber]: GetAllChildrenNumberRequest,
  [OpCode.setWatches2]: SetWatches2,
  [OpCode.addWatch]: AddWatchRequest,
  [OpCode.whoAmI]: emptyBody,
  [OpCode.closeSession]: emptyBody,
}

export function isRequestType(type: number): type is RequestType {
  return codecFor(requestCodecs, type) !== undefined
}

export interface DecodedRequest {
  header: RequestHeader
  request: Request
}

/** Adds the request's xid/opcode to a ProtocolError so a server can still answer that xid. */
function withRequestContext(e: unknown, header: RequestHeader): unknown {
  if (e instanceof ProtocolError) {
    e.xid ??= header.xid
    e.opcode ??= header.type
  }
  return e
}

/** Server side: one frame body (without its length) into its header and typed request. */
export function decodeRequest(body: Buffer, options?: JuteReaderOptions): DecodedRequest {
  const r = new JuteReader(body, options)
  const header = RequestHeader.decode(r)
  const codec = codecFor(requestCodecs, header.type)
  if (codec === undefined) {
    throw new ProtocolError('unknown-opcode', `request type ${header.type}`, { offset: 4, xid: header.xid, opcode: header.type })
  }
  try {
    // The type goes onto the decoded record, not into a spread copy of it (every request of
    // every client is decoded here: the spread was a fifth of the decode).
    const request = codec.decode(r) as { type?: number }
    request.type = header.type
    r.done()
    return { header, request: request as Request }
  } catch (e) {
    throw withRequestContext(e, header)
  }
}

/** Writes one request frame (length, header, record) at the end of `w`. */
export function writeRequest(w: JuteWriter, xid: number, request: Request): void {
  const codec = codecFor(requestCodecs, request.type)
  if (codec === undefined) throw new RangeError(`request type ${request.type} is not a client request`)
  const start = w.beginFrame()
  w.int(xid)
  w.int(request.type)
  codec.encode(w, request)
  w.endFrame(start)
}

/** Client side: a whole frame, length prefix included. */
export function encodeRequest(xid: number, request: Request): Buffer {
  const w = new JuteWriter()
  writeRequest(w, xid, request)
  return w.toBuffer()
}

// ---------------------------------------------------------------- replies

/** The record a successful reply carries, by the opcode of its request; undefined: header only. */
export interface ResponseBodies {
  [OpCode.notification]: WatcherEvent
  [OpCode.create]: CreateResponse
  [OpCode.delete]: undefined
  [OpCode.exists]: ExistsResponse
  [OpCode.getData]: GetDataResponse
  [OpCode.setData]: SetDataResponse
  [OpCode.getACL]: GetACLResponse
  [OpCode.setACL]: SetACLResponse
  [OpCode.getChildren]: GetChildrenResponse
  [OpCode.sync]: SyncResponse
  [OpCode.ping]: undefined
  [OpCode.getChildren2]: GetChildren2Response
  [OpCode.check]: undefined
  [OpCode.multi]: MultiResponse
  [OpCode.create2]: Create2Response
  [OpCode.reconfig]: GetDataResponse
  [OpCode.checkWatches]: undefined
  [OpCode.removeWatches]: undefined
  [OpCode.createContainer]: Create2Response
  [OpCode.deleteContainer]: undefined
  [OpCode.createTTL]: Create2Response
  [OpCode.multiRead]: MultiResponse
  [OpCode.auth]: undefined
  [OpCode.setWatches]: undefined
  [OpCode.sasl]: SetSASLResponse
  [OpCode.getEphemerals]: GetEphemeralsResponse
  [OpCode.getAllChildrenNumber]: GetAllChildrenNumberResponse
  [OpCode.setWatches2]: undefined
  [OpCode.addWatch]: ErrorResponse
  [OpCode.whoAmI]: WhoAmIResponse
  [OpCode.closeSession]: undefined
}
/** Opcodes a reply can answer: every request type, plus notification (0) for xid -1. */
export type ReplyType = keyof ResponseBodies
export type ResponseOf<K extends ReplyType> = ResponseBodies[K]
export type Response = Exclude<ResponseBodies[ReplyType], undefined>

const responseCodecs: { [K in ReplyType]: Codec<Exclude<ResponseBodies[K], undefined>> | null } = {
  [OpCode.notification]: WatcherEvent,
  [OpCode.create]: CreateResponse,
  [OpCode.delete]: null,
  [OpCode.exists]: ExistsResponse,
  [OpCode.getData]: GetDataResponse,
  [OpCode.setData]: SetDataResponse,
  [OpCode.getACL]: GetACLResponse,
  [OpCode.setACL]: SetACLResponse,
  [OpCode.getChildren]: GetChildrenResponse,
  [OpCode.sync]: SyncResponse,
  [OpCode.ping]: null,
  [OpCode.getChildren2]: GetChildren2Response,
  [OpCode.check]: null,
  [OpCode.multi]: MultiResponse,
  [OpCode.create2]: Create2Response,
  [OpCode.reconfig]: GetDataResponse,
  [OpCode.checkWatches]: null,
  [OpCode.removeWatches]: null,
  [OpCode.createContainer]: Create2Response,
  [OpCode.deleteContainer]: null,
  [OpCode.createTTL]: Create2Response,
  [OpCode.multiRead]: MultiResponse,
  [OpCode.auth]: null,
  [OpCode.setWatches]: null,
  [OpCode.sasl]: SetSASLResponse,
  [OpCode.getEphemerals]: GetEphemeralsResponse,
  [OpCode.getAllChildrenNumber]: GetAllChildrenNumberResponse,
  [OpCode.setWatches2]: null,
  [OpCode.addWatch]: ErrorResponse,
  [OpCode.whoAmI]: WhoAmIResponse,
  [OpCode.closeSession]: null,
}

function responseCodec(type: number): Codec<object> | null {
  const codec = (responseCodecs as Record<number, Codec<object> | null | undefined>)[type]
  if (codec === undefined) throw new ProtocolError('unknown-opcode', `no reply for request type ${type}`, { opcode: type })
  return codec
}

/** A reply's opcode: notifications (xid -1) are always opcode 0, whatever the caller expected. */
function replyType(header: ReplyHeader, opcode: number): number {
  return header.xid === Xid.NOTIFICATION ? OpCode.notification : opcode
}

export interface DecodedReply<K extends ReplyType = ReplyType> {
  header: ReplyHeader
  /** Absent when the reply has no body: an error (err != 0) or an op without a response record. */
  response?: ResponseBodies[K]
}

/** The xid of a reply or request body, so a client can find which request a reply answers. */
export function peekXid(body: Buffer): number {
  if (body.length < 4) throw new ProtocolError('truncated', `frame of ${body.length} bytes has no xid`, { offset: 0 })
  return body.readInt32BE(0)
}

/**
 * Client side: one frame body into its header and response. `opcode` is the type of the request
 * with this xid (use peekXid); a notification (xid -1) decodes to a WatcherEvent whatever it is.
 * Replies with err != 0 normally carry no record (a multi's header says 0 even when an op failed);
 * if one does anyway, it is decoded rather than dropped.
 */
export function decodeReply<K extends ReplyType>(body: Buffer, opcode: K, options?: JuteReaderOptions): DecodedReply<K> {
  const r = new JuteReader(body, options)
  const header = ReplyHeader.decode(r)
  const type = replyType(header, opcode)
  const codec = responseCodec(type)
  if (codec === null || r.atEnd && header.err !== ErrorCode.OK) {
    r.done()
    return { header }
  }
  const response = codec.decode(r) as ResponseBodies[K]
  r.done()
  return { header, response }
}

/** Writes one reply frame at the end of `w` (lets a server batch several replies in one write). */
export function writeReply<K extends ReplyType>(w: JuteWriter, header: ReplyHeader, response: ResponseBodies[K] | undefined, opcode: K): void {
  const codec = responseCodec(replyType(header, opcode))
  if (codec === null && response !== undefined) throw new TypeError(`a reply to request type ${opcode} has no body`)
  if (codec !== null && response === undefined && header.err === ErrorCode.OK && header.xid !== Xid.PING) {
    throw new TypeError(`a successful reply to request type ${opcode} needs its response record`)
  }
  const start = w.beginFrame()
  ReplyHeader.encode(w, header)
  if (codec !== null && response !== undefined) codec.encode(w, response)
  w.endFrame(start)
}

/** Server side: a whole reply frame, length prefix included. */
export function encodeReply<K extends ReplyType>(header: ReplyHeader, response: ResponseBodies[K] | undefined, opcode: K): Buffer {
  const w = new JuteWriter()
  writeReply(w, header, response, opcode)
  return w.toBuffer()
}

/** A watch notification frame (xid -1; Apache sends zxid -1 in its header). */
export function encodeNotification(event: WatcherEvent, zxid = -1n): Buffer {
  return encodeReply({ xid: Xid.NOTIFICATION, zxid, err: ErrorCode.OK }, event, OpCode.notification)
}

// ---------------------------------------------------------------- handshake

function encodeFramed<T>(codec: Codec<T>, value: T): Buffer {
  const w = JuteWriter.framed(64)
  codec.encode(w, value)
  return w.frame()
}

/** The first frame a client sends (no header); readOnly undefined leaves the byte out. */
export function encodeConnectRequest(request: ConnectRequest): Buffer {
  return encodeFramed(ConnectRequest, request)
}
export function decodeConnectRequest(body: Buffer, options?: JuteReaderOptions): ConnectRequest {
  return decodeRecord(ConnectRequest, body, options)
}
/** The first frame a server sends; answer `readOnly: undefined` to a request that had none. */
export function encodeConnectResponse(response: ConnectResponse): Buffer {
  return encodeFramed(ConnectResponse, response)
}
export function decodeConnectResponse(body: Buffer, options?: JuteReaderOptions): ConnectResponse {
  return decodeRecord(ConnectResponse, body, options)
}
