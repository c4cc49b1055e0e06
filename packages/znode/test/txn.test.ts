import t from 'tap'
import { ErrorCode, OpCode, ProtocolError, TxnHeader, JuteWriter } from '@zoo/protocol'
import { OPEN_ACL_UNSAFE, decodeTxn, encodeTxn } from '../src/index.js'
import type { Txn, TxnBody } from '../src/index.js'

const acl = [...OPEN_ACL_UNSAFE]
const bodies: TxnBody[] = [
  { type: OpCode.create, path: '/a', data: Buffer.from('x'), acl, ephemeral: true, parentCVersion: 3 },
  { type: OpCode.create2, path: '/a', data: null, acl, ephemeral: false, parentCVersion: -1 },
  { type: OpCode.createContainer, path: '/c', data: Buffer.alloc(0), acl, parentCVersion: 1 },
  { type: OpCode.createTTL, path: '/t', data: null, acl, parentCVersion: 1, ttl: 1000n },
  { type: OpCode.delete, path: '/a' },
  { type: OpCode.deleteContainer, path: '/c' },
  { type: OpCode.setData, path: '/a', data: Buffer.from('y'), version: 2 },
  { type: OpCode.setACL, path: '/a', acl, version: 1 },
  { type: OpCode.check, path: '/a', version: 4 },
  { type: OpCode.createSession, timeOut: 30000, passwd: Buffer.alloc(16, 9) },
  { type: OpCode.closeSession, paths2Delete: ['/e1', '/e2'] },
  { type: OpCode.error, err: ErrorCode.NONODE },
  { type: OpCode.multi, ops: [
    { type: OpCode.create, path: '/m', data: null, acl, ephemeral: false, parentCVersion: 5 },
    { type: OpCode.error, err: ErrorCode.BADVERSION },
    { type: OpCode.error, err: ErrorCode.RUNTIMEINCONSISTENCY },
  ] },
]

t.test('every txn body round-trips, with and without a digest', async (t) => {
  for (const body of bodies) {
    const txn: Txn = { clientId: -0x7fffffffffffffffn, cxid: 7, zxid: 0x500000001n, time: 1_700_000_000_000n, body }
    t.same(decodeTxn(encodeTxn(txn)), txn, `type ${body.type}`)
    const withDigest = { ...txn, digest: { version: 2, treeDigest: -5n } }
    t.same(decodeTxn(encodeTxn(withDigest)), withDigest, `type ${body.type} + digest`)
  }
})

t.test('the bytes are Apache txn log records: TxnHeader, then the record', async (t) => {
  const bytes = encodeTxn({ clientId: 1n, cxid: 2, zxid: 3n, time: 4n, body: { type: OpCode.delete, path: '/a' } })
  const w = new JuteWriter()
  TxnHeader.encode(w, { clientId: 1n, cxid: 2, zxid: 3n, time: 4n, type: OpCode.delete })
  w.ustring('/a')
  t.same(bytes, Buffer.from(w.toBuffer()))
})

t.test('bad bytes raise ProtocolError', async (t) => {
  const good = encodeTxn({ clientId: 1n, cxid: 2, zxid: 3n, time: 4n, body: { type: OpCode.setData, path: '/a', data: null, version: 1 } })
  t.throws(() => decodeTxn(good.subarray(0, good.length - 2)), ProtocolError)
  t.throws(() => decodeTxn(Buffer.concat([good, Buffer.alloc(3)])), ProtocolError, 'trailing bytes that are not a digest')
  const unknown = Buffer.from(good)
  unknown.writeInt32BE(77, 28)
  t.throws(() => decodeTxn(unknown), ProtocolError, 'unknown txn type')
  const w = new JuteWriter()
  TxnHeader.encode(w, { clientId: 1n, cxid: 2, zxid: 3n, time: 4n, type: OpCode.multi })
  w.int(1)
  w.int(OpCode.createSession)
  w.buffer(Buffer.alloc(4))
  t.throws(() => decodeTxn(Buffer.from(w.toBuffer())), ProtocolError, 'a multi cannot hold a createSession')
})

t.test('copyBuffers false: the body\'s data is a view of the bytes, the rest decodes as usual', async (t) => {
  const txn: Txn = { clientId: 5n, cxid: 1, zxid: 0x100000002n, time: 7n, body: { type: OpCode.setData, path: '/a', data: Buffer.from('abc'), version: 1 } }
  const bytes = encodeTxn(txn)
  const viewed = decodeTxn(bytes, { copyBuffers: false })
  t.same(viewed, txn)
  const copied = decodeTxn(bytes)
  bytes[bytes.indexOf('abc')] = 0x78
  t.equal((viewed.body as { data: Buffer }).data.toString(), 'xbc', 'shares the memory of the bytes')
  t.equal((copied.body as { data: Buffer }).data.toString(), 'abc', 'copied by default')
})
