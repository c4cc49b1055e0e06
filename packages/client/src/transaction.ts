/**
 * multi: several writes applied atomically, all or none. The builder collects ops; commit sends
 * one multi request and either returns every op's result or throws a TransactionError naming
 * the op that failed.
 */
import { ErrorCode, KeeperError, OpCode, errorName, type ACL, type ErrorCode as ErrorCodeValue, type MultiResult, type MultiWriteOp, type Stat } from '@zoo/protocol'
import type { CallOptions } from './core.js'
import { createRequestFields, toData, type CreateOptions, type NodeData } from './modes.js'
import type { Chroot } from './paths.js'
import { validatePath } from './paths.js'

export type TransactionResult =
  | { type: 'create'; path: string; stat: Stat | undefined }
  | { type: 'delete' }
  | { type: 'setData'; stat: Stat }
  | { type: 'check' }

/** A multi failed: nothing was applied. `index` is the op that failed; `codes` every op's code. */
export class TransactionError extends KeeperError {
  constructor(
    code: ErrorCodeValue,
    path: string | undefined,
    readonly index: number,
    readonly codes: readonly number[],
  ) {
    super(code, path, { cause: new Error(`op ${index} of a transaction failed (${codes.map(errorName).join(', ')})`) })
  }
}

export interface TransactionOp {
  op: MultiWriteOp
  /** the user's path, for errors */
  path: string
}

export class Transaction {
  private readonly ops: TransactionOp[] = []

  constructor(
    private readonly chroot: Chroot,
    private readonly run: (ops: TransactionOp[], options: CallOptions | undefined) => Promise<TransactionResult[]>,
  ) {}

  create(path: string, data?: NodeData, options: Omit<CreateOptions, keyof CallOptions> = {}): this {
    const fields = createRequestFields(path, data, options)
    const server = this.chroot.toServer(path)
    const op: MultiWriteOp =
      fields.type === OpCode.createTTL ? { ...fields, type: OpCode.createTTL, path: server } : { ...fields, type: fields.type, path: server }
    this.ops.push({ op, path })
    return this
  }

  delete(path: string, version = -1): this {
    validatePath(path)
    checkVersion(version)
    this.ops.push({ op: { type: OpCode.delete, path: this.chroot.toServer(path), version }, path })
    return this
  }

  setData(path: string, data: NodeData, version = -1): this {
    validatePath(path)
    checkVersion(version)
    this.ops.push({ op: { type: OpCode.setData, path: this.chroot.toServer(path), data: toData(data), version }, path })
    return this
  }

  /** Fails the whole transaction unless `path` is at `version`. */
  check(path: string, version: number): this {
    validatePath(path)
    checkVersion(version)
    this.ops.push({ op: { type: OpCode.check, path: this.chroot.toServer(path), version }, path })
    return this
  }

  get size(): number {
    return this.ops.length
  }

  commit(options?: CallOptions): Promise<TransactionResult[]> {
    return this.run(this.ops.slice(), options)
  }
}

export function checkVersion(version: number): void {
  if (!Number.isInteger(version) || version < -1 || version > 0x7fffffff) throw new RangeError(`version must be an int32 >= -1, got ${version}`)
}

/** Turns a multi reply into results, or throws the error of the op that failed. */
export function transactionResults(ops: readonly TransactionOp[], results: readonly MultiResult[], chroot: Chroot): TransactionResult[] {
  if (results.length !== ops.length) throw new KeeperError(ErrorCode.MARSHALLINGERROR, undefined, { cause: new Error(`${results.length} results for ${ops.length} ops`) })
  const codes = results.map((r) => (r.type === OpCode.error ? r.err : ErrorCode.OK))
  const failed = codes.findIndex((code) => code !== ErrorCode.OK && code !== ErrorCode.RUNTIMEINCONSISTENCY)
  const anyError = codes.some((code) => code !== ErrorCode.OK)
  if (anyError) {
    const index = failed === -1 ? codes.findIndex((code) => code !== ErrorCode.OK) : failed
    throw new TransactionError(codes[index] as ErrorCodeValue, ops[index]!.path, index, codes)
  }
  return results.map((result): TransactionResult => {
    switch (result.type) {
      case OpCode.create:
        return { type: 'create', path: chroot.fromServer(result.path), stat: undefined }
      case OpCode.create2:
      case OpCode.createContainer:
      case OpCode.createTTL:
        return { type: 'create', path: chroot.fromServer(result.path), stat: result.stat }
      case OpCode.delete:
        return { type: 'delete' }
      case OpCode.setData:
        return { type: 'setData', stat: result.stat }
      case OpCode.check:
        return { type: 'check' }
      default:
        throw new KeeperError(ErrorCode.MARSHALLINGERROR, undefined, { cause: new Error(`unexpected result type ${result.type} in a multi`) })
    }
  })
}

export type { ACL }
