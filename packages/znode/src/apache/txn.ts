// Apache's txn records as they sit in its log: TxnHeader, the type's record, an optional
// TxnDigest. zoo's own txns have the same shape (txn.ts) with two differences handled here:
// Apache's createSession carries no password (derived from the session id instead), a
// closeSession written before 3.6 has no record, and reconfig is a setData of /zookeeper/config.
import { CloseSessionTxn, CreateSessionTxn, JuteReader, JuteWriter, OpCode, SetDataTxn, TxnDigest, TxnHeader } from '@zoo/protocol'
import { decodeTxn, encodeTxn } from '../txn.js'
import type { Txn, TxnBody } from '../txn.js'
import { apacheSessionPasswd } from './java-random.js'

/** Apache's jute.maxbuffer bounds a record's fields; a log record is bounded by its own length. */
const MAX_FIELD_BYTES = 0x7fffffff

/** Reads one txn record of Apache's log (the bytes its CRC covers); bad bytes raise ProtocolError. */
export function decodeApacheTxn(bytes: Buffer): Txn {
  const r = new JuteReader(bytes, { maxLengthBytes: MAX_FIELD_BYTES, copyBuffers: true })
  const header = TxnHeader.decode(r)
  let body: TxnBody
  switch (header.type) {
    case OpCode.createSession:
      body = { type: OpCode.createSession, timeOut: CreateSessionTxn.decode(r).timeOut, passwd: apacheSessionPasswd(header.clientId) }
      break
    case OpCode.closeSession:
      body = { type: OpCode.closeSession, paths2Delete: r.atEnd ? [] : CloseSessionTxn.decode(r).paths2Delete }
      break
    case OpCode.reconfig:
      // DataTree.processTxn applies a reconfig exactly as a setData (of /zookeeper/config).
      body = { type: OpCode.setData, ...SetDataTxn.decode(r) }
      break
    default:
      // Every other type has the same bytes in zoo's txns.
      return decodeTxn(bytes)
  }
  const txn: Txn = { clientId: header.clientId, cxid: header.cxid, zxid: header.zxid, time: header.time, body }
  if (!r.atEnd) txn.digest = TxnDigest.decode(r)
  r.done()
  return txn
}

/** A txn as Apache logs it: zoo's bytes, but a createSession carries only its timeout. */
export function encodeApacheTxn(txn: Txn): Buffer {
  if (txn.body.type !== OpCode.createSession) return encodeTxn(txn)
  const w = new JuteWriter()
  TxnHeader.encode(w, { clientId: txn.clientId, cxid: txn.cxid, zxid: txn.zxid, time: txn.time, type: OpCode.createSession })
  CreateSessionTxn.encode(w, { timeOut: txn.body.timeOut })
  if (txn.digest !== undefined) TxnDigest.encode(w, txn.digest)
  return Buffer.from(w.toBuffer())
}
