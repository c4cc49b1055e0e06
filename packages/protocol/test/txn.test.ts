// Field order of the txn records as Apache 3.8.0's serialize() writes them (checked with javap).
import t from 'tap'
import {
  CreateTTLTxn, CreateTxn, MultiTxn, OpCode, SetDataTxn, TxnHeader, decodeRecord, encodeRecord,
} from '../src/index.js'

const worldAnyone = [{ perms: 31, id: { scheme: 'world', id: 'anyone' } }]
const aclHex = '00000001' + '0000001f' + '00000005' + Buffer.from('world').toString('hex') + '00000006' + Buffer.from('anyone').toString('hex')

t.test('TxnHeader: clientId, cxid, zxid, time, type', async (t) => {
  const bytes = encodeRecord(TxnHeader, { clientId: 0x100006e7b4a0000n, cxid: 3, zxid: 0x200000001n, time: 1_795_575_724_637n, type: OpCode.create })
  t.equal(bytes.toString('hex'), '0100006e7b4a0000' + '00000003' + '0000000200000001' + '000001a210a73a5d' + '00000001')
})

t.test('CreateTxn: path, data, acl, ephemeral, parentCVersion', async (t) => {
  const txn = { path: '/a', data: Buffer.from('x'), acl: worldAnyone, ephemeral: true, parentCVersion: 7 }
  const bytes = encodeRecord(CreateTxn, txn)
  t.equal(bytes.toString('hex'), '00000002' + '2f61' + '00000001' + '78' + aclHex + '01' + '00000007')
  t.same(decodeRecord(CreateTxn, bytes), txn)
})

t.test('CreateTTLTxn puts the ttl after parentCVersion', async (t) => {
  const bytes = encodeRecord(CreateTTLTxn, { path: '/a', data: null, acl: worldAnyone, parentCVersion: 1, ttl: 5000n })
  t.equal(bytes.toString('hex'), '00000002' + '2f61' + 'ffffffff' + aclHex + '00000001' + '0000000000001388')
})

t.test('MultiTxn nests each op as type + encoded record', async (t) => {
  const setData = encodeRecord(SetDataTxn, { path: '/a', data: Buffer.from('v'), version: 2 })
  const multi = { txns: [{ type: OpCode.setData, data: setData }, { type: OpCode.error, data: Buffer.from('ffffff99', 'hex') }] }
  const bytes = encodeRecord(MultiTxn, multi)
  t.equal(bytes.toString('hex'), '00000002' + '00000005' + '0000000f' + setData.toString('hex') + 'ffffffff' + '00000004' + 'ffffff99')
  const decoded = decodeRecord(MultiTxn, bytes)
  t.same(decoded, multi)
  t.same(decodeRecord(SetDataTxn, decoded.txns[0]!.data), { path: '/a', data: Buffer.from('v'), version: 2 })
})
