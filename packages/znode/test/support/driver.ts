// Unit-test helper: a tree with its prepare view, where a write is prepared and applied at once.
import { OpCode } from '@zoo/protocol'
import type { ACL, Id } from '@zoo/protocol'
import { DataTree, OPEN_ACL_UNSAFE, PrepareView } from '../../src/index.js'
import type { ApplyResult, PrepareOptions, Txn, WriteRequest } from '../../src/index.js'

export const S1 = 0x1001n
export const S2 = 0x1002n
export const LOCAL: Id = { scheme: 'ip', id: '127.0.0.1' }

export class Driver {
  readonly tree: DataTree
  readonly view: PrepareView
  zxid = 0n

  constructor(options: PrepareOptions = {}, tree = new DataTree()) {
    this.tree = tree
    this.view = new PrepareView(tree, options)
    this.zxid = tree.lastProcessedZxid
  }

  static timeOf(zxid: bigint): bigint {
    return 1_000_000n + zxid * 10n
  }

  /** Prepares without applying (the txn stays outstanding in the view). */
  prepare(request: WriteRequest, sessionId = S1, authInfo: Id[] = [LOCAL]): Txn {
    const zxid = ++this.zxid
    return this.view.prepare(request, { sessionId, cxid: Number(zxid), zxid, time: Driver.timeOf(zxid), authInfo })
  }

  write(request: WriteRequest, sessionId = S1, authInfo: Id[] = [LOCAL]): ApplyResult {
    return this.tree.apply(this.prepare(request, sessionId, authInfo))
  }

  session(sessionId = S1): ApplyResult {
    return this.write({ type: OpCode.createSession, timeoutMs: 30_000, passwd: Buffer.alloc(16, 7) }, sessionId)
  }

  create(path: string, flags = 0, data: Buffer | null = null, acl: readonly ACL[] = OPEN_ACL_UNSAFE, sessionId = S1, authInfo: Id[] = [LOCAL]): ApplyResult {
    return this.write({ type: OpCode.create2, path, data, acl: [...acl], flags }, sessionId, authInfo)
  }
}
