// What applying a txn reports: per op what Apache's ProcessTxnResult holds (for the reply), and
// which watch triggers it fired (for the watch registry, which decides who gets which event).
import { OpCode } from '@zoo/protocol'
import type { ACL, ErrorCode, EventType, MultiResult, Stat } from '@zoo/protocol'

export interface OpResult {
  /** The txn type (create, create2, ..., error for a failed op). */
  type: number
  err: ErrorCode
  path?: string
  /** The node's Stat after a create2-family create, setData or setACL. */
  stat?: Stat
}

export interface ApplyResult extends OpResult {
  clientId: bigint
  cxid: number
  zxid: bigint
  /** A multi's per-op results, in op order. */
  multi?: OpResult[]
  /** What the txn fired, in Apache's order; WatchRegistry.trigger turns them into events. */
  triggers: WatchTrigger[]
  /** The txn carried a TxnDigest that differs from the tree's digest after applying it. */
  digestMismatch: boolean
}

/** The two watch tables Apache keeps per tree (dataWatches, childWatches). */
export type WatchTableName = 'data' | 'child'

/** One `triggerWatch` call of Apache's DataTree. */
export interface WatchTrigger {
  table: WatchTableName
  path: string
  event: EventType
  /** ACL of the node the event is about: only sessions that may READ it get the event (3.8.4+). */
  acl: readonly ACL[]
  /** Skip watchers the previous trigger already notified (a delete tells child watchers NodeDeleted once). */
  suppressPrevious: boolean
}

/** A multi's results in the reply layout (Apache's MultiResponse): every op an error if one failed. */
export function multiResults(result: ApplyResult): MultiResult[] {
  if (result.multi === undefined) throw new TypeError(`txn type ${result.type} is not a multi`)
  return result.multi.map(opReply)
}

function opReply(op: OpResult): MultiResult {
  switch (op.type) {
    case OpCode.create:
      return { type: OpCode.create, path: op.path ?? '' }
    case OpCode.create2:
    case OpCode.createContainer:
    case OpCode.createTTL:
      // Apache's CreateResult with a Stat always says create2, whatever created the node.
      return { type: OpCode.create2, path: op.path ?? '', stat: requireStat(op) }
    case OpCode.delete:
    case OpCode.deleteContainer:
      return { type: OpCode.delete }
    case OpCode.setData:
      return { type: OpCode.setData, stat: requireStat(op) }
    case OpCode.check:
      return { type: OpCode.check }
    case OpCode.error:
      return { type: OpCode.error, err: op.err }
    default:
      throw new TypeError(`txn type ${op.type} cannot be part of a multi`)
  }
}

function requireStat(op: OpResult): Stat {
  if (op.stat === undefined) throw new Error(`result of txn type ${op.type} has no stat`)
  return op.stat
}
