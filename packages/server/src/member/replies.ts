// Reply frames: for a write from the result of applying its txn, for anything else from what
// the member computed. Headers carry the zxid the client may remember as last seen.
import { encodeReply, ErrorCode, OpCode } from '@zoo/protocol'
import type { ReplyType, ResponseBodies } from '@zoo/protocol'
import { multiResults } from '@zoo/znode'
import type { ApplyResult } from '@zoo/znode'
import type { Reply } from './session-queue.js'

export function errorReply(xid: number, type: number, err: ErrorCode, zxid: bigint, close = false): Reply {
  return { frame: encodeReply({ xid, zxid, err }, undefined, replyType(type)), zxid, close }
}

export function okReply<K extends ReplyType>(xid: number, type: K, response: ResponseBodies[K] | undefined, zxid: bigint): Reply {
  return { frame: encodeReply({ xid, zxid, err: ErrorCode.OK }, response, type), zxid }
}

/** The reply to a write whose txn applied with `result` (an error txn carries the failure). */
export function writeReply(xid: number, requestType: number, result: ApplyResult): Reply {
  const zxid = result.zxid
  // A failed multi still answers OK in its header; each op's result carries the failure.
  if (requestType === OpCode.multi && result.multi !== undefined) return okReply(xid, OpCode.multi, { results: multiResults(result) }, zxid)
  if (result.type === OpCode.error || result.err !== ErrorCode.OK) return errorReply(xid, requestType, result.err, zxid)
  switch (requestType) {
    case OpCode.create:
      return okReply(xid, OpCode.create, { path: result.path ?? '' }, zxid)
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      return okReply(xid, requestType, { path: result.path ?? '', stat: requireStat(result) }, zxid)
    case OpCode.setData:
      return okReply(xid, OpCode.setData, { stat: requireStat(result) }, zxid)
    case OpCode.setACL:
      return okReply(xid, OpCode.setACL, { stat: requireStat(result) }, zxid)
    case OpCode.closeSession:
      return { ...okReply(xid, OpCode.closeSession, undefined, zxid), close: true }
    case OpCode.delete:
    case OpCode.deleteContainer:
    case OpCode.check:
      return okReply(xid, requestType, undefined, zxid)
    default:
      throw new Error(`no write reply for request type ${requestType}`)
  }
}

function requireStat(result: ApplyResult) {
  if (result.stat === undefined) throw new Error(`applied txn type ${result.type} has no stat`)
  return result.stat
}

/** Request types we cannot encode a reply for (unknown opcodes) answer as a header-only op. */
function replyType(type: number): ReplyType {
  return (type in REPLY_TYPES ? type : OpCode.ping) as ReplyType
}

const REPLY_TYPES: Record<number, true> = Object.fromEntries(
  [
    OpCode.create, OpCode.delete, OpCode.exists, OpCode.getData, OpCode.setData, OpCode.getACL, OpCode.setACL, OpCode.getChildren,
    OpCode.sync, OpCode.ping, OpCode.getChildren2, OpCode.check, OpCode.multi, OpCode.create2, OpCode.reconfig, OpCode.checkWatches,
    OpCode.removeWatches, OpCode.createContainer, OpCode.deleteContainer, OpCode.createTTL, OpCode.multiRead, OpCode.auth,
    OpCode.setWatches, OpCode.sasl, OpCode.getEphemerals, OpCode.getAllChildrenNumber, OpCode.setWatches2, OpCode.addWatch,
    OpCode.whoAmI, OpCode.closeSession,
  ].map((t) => [t, true]),
)
