// Apache's replicated txn records (org.apache.zookeeper.txn in zookeeper-jute-3.8.0.jar), the shapes
// of its txn log and snapshots. znode builds its txns on them; import/export reads Apache's files.
import type { JuteReader, JuteWriter } from './jute.js'
import { MIN_STRING_BYTES, readStringItem, writeStringItem } from './jute.js'
import { ProtocolError } from './errors.js'
import { ACL, ACL_MIN_BYTES } from './records.js'
import type { Codec } from './records.js'

const writeACL = ACL.encode
const readACL = ACL.decode

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
  w.vector(v.acl, writeACL)
}

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
    return { path: r.string(), data: r.buffer(), acl: r.list(readACL, ACL_MIN_BYTES), ephemeral: r.bool(), parentCVersion: r.int() }
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
    return { path: r.string(), data: r.buffer(), acl: r.list(readACL, ACL_MIN_BYTES), parentCVersion: r.int() }
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
    return { path: r.string(), data: r.buffer(), acl: r.list(readACL, ACL_MIN_BYTES), parentCVersion: r.int(), ttl: r.long() }
  },
}

export interface DeleteTxn {
  path: string
}
export const DeleteTxn: Codec<DeleteTxn> = {
  encode(w, v) {
    w.ustring(v.path)
  },
  decode(r) {
    return { path: r.string() }
  },
}

export interface SetDataTxn {
  path: string
  data: Buffer | null
  version: number
}
export const SetDataTxn: Codec<SetDataTxn> = {
  encode(w, v) {
    w.ustring(v.path)
    w.buffer(v.data)
    w.int(v.version)
  },
  decode(r) {
    return { path: r.string(), data: r.buffer(), version: r.int() }
  },
}

export interface SetACLTxn {
  path: string
  acl: ACL[]
  version: number
}
export const SetACLTxn: Codec<SetACLTxn> = {
  encode(w, v) {
    w.ustring(v.path)
    w.vector(v.acl, writeACL)
    w.int(v.version)
  },
  decode(r) {
    return { path: r.string(), acl: r.list(readACL, ACL_MIN_BYTES), version: r.int() }
  },
}

export interface CheckVersionTxn {
  path: string
  version: number
}
export const CheckVersionTxn: Codec<CheckVersionTxn> = {
  encode(w, v) {
    w.ustring(v.path)
    w.int(v.version)
  },
  decode(r) {
    return { path: r.string(), version: r.int() }
  },
}

export interface CreateSessionTxn {
  timeOut: number
}
export const CreateSessionTxn: Codec<CreateSessionTxn> = {
  encode(w, v) {
    w.int(v.timeOut)
  },
  decode(r) {
    return { timeOut: r.int() }
  },
}

/** Apache 3.8 lists the session's ephemerals to delete (older logs have an empty record). */
export interface CloseSessionTxn {
  paths2Delete: string[]
}
export const CloseSessionTxn: Codec<CloseSessionTxn> = {
  encode(w, v) {
    w.vector(v.paths2Delete, writeStringItem)
  },
  decode(r) {
    return { paths2Delete: r.list(readStringItem, MIN_STRING_BYTES) }
  },
}

export interface ErrorTxn {
  err: number
}
export const ErrorTxn: Codec<ErrorTxn> = {
  encode(w, v) {
    w.int(v.err)
  },
  decode(r) {
    return { err: r.int() }
  },
}

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

export interface MultiTxn {
  txns: Txn[]
}
export const MultiTxn: Codec<MultiTxn> = {
  encode(w, v) {
    w.vector(v.txns, writeTxn)
  },
  decode(r) {
    return { txns: r.list(readTxn, 8) }
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
