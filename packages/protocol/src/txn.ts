// Apache's replicated txn records (org.apache.zookeeper.txn in zookeeper-jute-3.8.0.jar), the shapes
// of its txn log and snapshots. znode builds its txns on them; import/export reads Apache's files.
import type { JuteReader, JuteWriter } from './jute.js'
import { ProtocolError } from './errors.js'
import { ACL, ACL_MIN_BYTES, SetACLRequest, SetDataRequest } from './records.js'
import { intRecord, pathCodec, pathVersionCodec, stringsRecord } from './shapes.js'
import type { Codec } from './shapes.js'

/** type is the OpCode of the txn (createSession -10, closeSession -11, error -1, ...). */
export interface TxnHeader {
  clientId: bigint
  cxid: number
  zxid: bigint
  time: bigint
  type: number
}
export const TxnHeader: Codec<TxnHeader> = {
  encode(w, v) {
    w.long(v.clientId)
    w.int(v.cxid)
    w.long(v.zxid)
    w.long(v.time)
    w.int(v.type)
  },
  decode(r) {
    return { clientId: r.long(), cxid: r.int(), zxid: r.long(), time: r.long(), type: r.int() }
  },
}

function encodeCreateBase(w: JuteWriter, v: { path: string; data: Buffer | null; acl: ACL[] }): void {
  w.ustring(v.path)
  w.buffer(v.data)
  w.vector(v.acl, ACL.encode)
}
const readACLs = (r: JuteReader): ACL[] => r.list(ACL.decode, ACL_MIN_BYTES)

export interface CreateTxn {
  path: string
  data: Buffer | null
  acl: ACL[]
  ephemeral: boolean
  parentCVersion: number
}
export const CreateTxn: Codec<CreateTxn> = {
  encode(w, v) {
    encodeCreateBase(w, v)
    w.bool(v.ephemeral)
    w.int(v.parentCVersion)
  },
  decode(r) {
    return { path: r.string(), data: r.buffer(), acl: readACLs(r), ephemeral: r.bool(), parentCVersion: r.int() }
  },
}

export interface CreateContainerTxn {
  path: string
  data: Buffer | null
  acl: ACL[]
  parentCVersion: number
}
export const CreateContainerTxn: Codec<CreateContainerTxn> = {
  encode(w, v) {
    encodeCreateBase(w, v)
    w.int(v.parentCVersion)
  },
  decode(r) {
    return { path: r.string(), data: r.buffer(), acl: readACLs(r), parentCVersion: r.int() }
  },
}

export interface CreateTTLTxn extends CreateContainerTxn {
  ttl: bigint
}
export const CreateTTLTxn: Codec<CreateTTLTxn> = {
  encode(w, v) {
    CreateContainerTxn.encode(w, v)
    w.long(v.ttl)
  },
  decode(r) {
    return { path: r.string(), data: r.buffer(), acl: readACLs(r), parentCVersion: r.int(), ttl: r.long() }
  },
}

export interface DeleteTxn {
  path: string
}
export const DeleteTxn: Codec<DeleteTxn> = pathCodec

/** Same layout as SetDataRequest: path, data, version (the node's new version). */
export interface SetDataTxn {
  path: string
  data: Buffer | null
  version: number
}
export const SetDataTxn: Codec<SetDataTxn> = SetDataRequest

/** Same layout as SetACLRequest: path, acl, version (the node's new aversion). */
export interface SetACLTxn {
  path: string
  acl: ACL[]
  version: number
}
export const SetACLTxn: Codec<SetACLTxn> = SetACLRequest

export interface CheckVersionTxn {
  path: string
  version: number
}
export const CheckVersionTxn: Codec<CheckVersionTxn> = pathVersionCodec

export interface CreateSessionTxn {
  timeOut: number
}
export const CreateSessionTxn: Codec<CreateSessionTxn> = intRecord('timeOut')

/** Apache 3.8 lists the session's ephemerals to delete. */
export interface CloseSessionTxn {
  paths2Delete: string[]
}
export const CloseSessionTxn: Codec<CloseSessionTxn> = stringsRecord('paths2Delete')

export interface ErrorTxn {
  err: number
}
export const ErrorTxn: Codec<ErrorTxn> = intRecord('err')

/** One op of a MultiTxn: its txn type and that txn's encoded record. */
export interface Txn {
  type: number
  data: Buffer
}
const writeTxn = (w: JuteWriter, v: Txn): void => {
  w.int(v.type)
  w.buffer(v.data)
}
const readTxn = (r: JuteReader): Txn => {
  const type = r.int()
  const at = r.offset
  const data = r.buffer()
  // Apache reads a sub-txn's data unconditionally: null cannot come from a valid log.
  if (data === null) throw new ProtocolError('malformed', 'null txn data', { offset: at })
  return { type, data }
}
export const Txn: Codec<Txn> = { encode: writeTxn, decode: readTxn }
/** A Txn is at least its type and its data length. */
const TXN_MIN_BYTES = 8

export interface MultiTxn {
  txns: Txn[]
}
export const MultiTxn: Codec<MultiTxn> = {
  encode(w, v) {
    w.vector(v.txns, writeTxn)
  },
  decode(r) {
    return { txns: r.list(readTxn, TXN_MIN_BYTES) }
  },
}

export interface TxnDigest {
  version: number
  treeDigest: bigint
}
export const TxnDigest: Codec<TxnDigest> = {
  encode(w, v) {
    w.int(v.version)
    w.long(v.treeDigest)
  },
  decode(r) {
    return { version: r.int(), treeDigest: r.long() }
  },
}
