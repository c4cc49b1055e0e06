import t from 'tap'
import { OpCode, describe, describeReply, describeRequest } from '../src/index.js'

t.test('buffers become bounded hex (and text when printable); bigints stay', async (t) => {
  t.same(describe({ data: Buffer.from('hi'), n: 5n, list: [Buffer.from([0, 255])], none: null }), {
    data: { bytes: 2, hex: '6869', text: 'hi' },
    n: 5n,
    list: [{ bytes: 2, hex: '00ff' }],
    none: null,
  })
  const big = describe(Buffer.alloc(1 << 20, 0x41)) as { bytes: number; hex: string; text: string }
  t.equal(big.bytes, 1 << 20)
  t.equal(big.hex.length, 129, '64 bytes shown, then an ellipsis')
  t.equal(big.text.length, 64)
})

t.test('requests and replies are named', async (t) => {
  t.same(describeRequest({ xid: 4, type: OpCode.getData }, { type: OpCode.getData, path: '/a', watch: true }), {
    xid: 4, op: 'getData', type: 4, path: '/a', watch: true,
  })
  t.same(describeReply({ xid: 4, zxid: 9n, err: -101 }, undefined, OpCode.getData), { xid: 4, zxid: 9n, err: 'NONODE', op: 'getData' })
  t.same(describeReply({ xid: 5, zxid: 9n, err: 0 }, { path: '/a' }, OpCode.sync), {
    xid: 5, zxid: 9n, err: 'OK', op: 'sync', response: { path: '/a' },
  })
})
