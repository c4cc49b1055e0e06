// Txns: what prepare decides and every member applies. The shapes and bytes are Apache's txn log
// records (TxnHeader, then the record its type names, then an optional TxnDigest), so a txn is
// bytes the consensus layer can carry and import/export can read. One deliberate extension:
// createSession also carries the session's password, so that every member can check it.
import {
  CheckVersionTxn, CloseSessionTxn, CreateContainerTxn, CreateSessionTxn, CreateTTLTxn, CreateTxn, DeleteTxn, ErrorTxn,
  JuteReader, JuteWriter, MultiTxn, OpCode, ProtocolError, SetACLTxn, SetDataTxn, TxnDigest, TxnHeader,
} from '@zoo/protocol'
import type { Codec, JuteReaderOptions } from '@zoo/protocol'

/** CreateSessionTxn plus the 16-byte password (zoo's extension of Apache's record). */
export interface ZooCreateSessionTxn {
  timeOut: number
  passwd: Buffer
}
export const ZooCreateSessionTxn: Codec<ZooCreateSessionTxn> = {
  encode(w, v) {
    CreateSessionTxn.encode(w, v)
    w.buffer(v.passwd)
  },
  decode(r) {
    const { timeOut } = CreateSessionTxn.decode(r)
    return { timeOut, passwd: r.buffer() ?? Buffer.alloc(0) }
  },
}

/** The record each txn type carries (DataTree.processTxn's cases). */
export interface TxnBodies {
  [OpCode.create]: CreateTxn
  [OpCode.create2]: CreateTxn
  [OpCode.createContainer]: CreateContainerTxn
  [OpCode.createTTL]: CreateTTLTxn
  [OpCode.delete]: DeleteTxn
  [OpCode.deleteContainer]: DeleteTxn
  [OpCode.setData]: SetDataTxn
  [OpCode.setACL]: SetACLTxn
  [OpCode.check]: CheckVersionTxn
  [OpCode.createSession]: ZooCreateSessionTxn
  [OpCode.closeSession]: CloseSessionTxn
  [OpCode.error]: ErrorTxn
  [OpCode.multi]: { ops: SubTxn[] }
}
export type TxnType = keyof TxnBodies
export type TxnBody = { [K in TxnType]: { type: K } & TxnBodies[K] }[TxnType]

/** The ops a multi txn holds (Apache refuses anything else inside a MultiTxn). */
export type SubTxnType = typeof OpCode.create | typeof OpCode.create2 | typeof OpCode.createContainer | typeof OpCode.createTTL
  | typeof OpCode.delete | typeof OpCode.deleteContainer | typeof OpCode.setData | typeof OpCode.check | typeof OpCode.error
export type SubTxn = Extract<TxnBody, { type: SubTxnType }>

export interface Txn {
  /** The session the txn acts for (its ephemerals are owned by it). */
  clientId: bigint
  cxid: number
  zxid: bigint
  /** The leader's wall clock when it prepared the txn, in ms: ctime/mtime on every member. */
  time: bigint
  body: TxnBody
  /** The tree digest expected after applying the txn (Apache's TxnDigest). */
  digest?: TxnDigest
}

const bodyCodecs: { [K in Exclude<TxnType, typeof OpCode.multi>]: Codec<TxnBodies[K]> } = {
  [OpCode.create]: CreateTxn,
  [OpCode.create2]: CreateTxn,
  [OpCode.createContainer]: CreateContainerTxn,
  [OpCode.createTTL]: CreateTTLTxn,
  [OpCode.delete]: DeleteTxn,
  [OpCode.deleteContainer]: DeleteTxn,
  [OpCode.setData]: SetDataTxn,
  [OpCode.setACL]: SetACLTxn,
  [OpCode.check]: CheckVersionTxn,
  [OpCode.createSession]: ZooCreateSessionTxn,
  [OpCode.closeSession]: CloseSessionTxn,
  [OpCode.error]: ErrorTxn,
}

const SUB_TXN_TYPES: ReadonlySet<number> = new Set([
  OpCode.create, OpCode.create2, OpCode.createContainer, OpCode.createTTL, OpCode.delete, OpCode.deleteContainer,
  OpCode.setData, OpCode.check, OpCode.error,
])

function codecOf(type: number): Codec<object> | undefined {
  return (bodyCodecs as Record<number, Codec<object> | undefined>)[type]
}

function encodeSimpleBody(w: JuteWriter, body: TxnBody): void {
  const codec = codecOf(body.type)
  if (codec === undefined) throw new RangeError(`txn type ${body.type} has no record`)
  codec.encode(w, body)
}

function encodeBody(w: JuteWriter, body: TxnBody): void {
  if (body.type !== OpCode.multi) return encodeSimpleBody(w, body)
  const txns = body.ops.map((op) => {
    const sub = new JuteWriter()
    encodeSimpleBody(sub, op)
    return { type: op.type, data: Buffer.from(sub.toBuffer()) }
  })
  MultiTxn.encode(w, { txns })
}

function decodeBody(r: JuteReader, type: number): TxnBody {
  if (type === OpCode.multi) {
    const ops = MultiTxn.decode(r).txns.map((t) => {
      if (!SUB_TXN_TYPES.has(t.type)) throw new ProtocolError('malformed', `txn type ${t.type} inside a multi`, { opcode: t.type })
      const sub = new JuteReader(t.data)
      const op = decodeBody(sub, t.type) as SubTxn
      sub.done()
      return op
    })
    return { type: OpCode.multi, ops }
  }
  const codec = codecOf(type)
  if (codec === undefined) throw new ProtocolError('unknown-opcode', `txn type ${type}`, { opcode: type })
  // Adding the field beats copying the record with a spread: members decode every txn.
  const body = codec.decode(r) as TxnBody
  ;(body as { type: number }).type = type
  return body
}

/** The txn as Apache's log record: TxnHeader, the body's record, then the TxnDigest if any. */
export function encodeTxn(txn: Txn): Buffer {
  const w = new JuteWriter()
  TxnHeader.encode(w, { clientId: txn.clientId, cxid: txn.cxid, zxid: txn.zxid, time: txn.time, type: txn.body.type })
  encodeBody(w, txn.body)
  if (txn.digest !== undefined) TxnDigest.encode(w, txn.digest)
  return Buffer.from(w.toBuffer())
}

/**
 * Reads what encodeTxn wrote; bad bytes raise ProtocolError. `{ copyBuffers: false }` leaves the
 * body's buffers (data, passwd) as views of `bytes`, for a caller that is done with the txn before
 * `bytes` could change (DataTree.apply keeps nothing of a txn's buffers).
 */
export function decodeTxn(bytes: Buffer, options?: JuteReaderOptions): Txn {
  const r = new JuteReader(bytes, options)
  const header = TxnHeader.decode(r)
  const body = decodeBody(r, header.type)
  const txn: Txn = { clientId: header.clientId, cxid: header.cxid, zxid: header.zxid, time: header.time, body }
  if (!r.atEnd) txn.digest = TxnDigest.decode(r)
  r.done()
  return txn
}
