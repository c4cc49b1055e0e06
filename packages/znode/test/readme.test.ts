// The README's example, with its claims checked.
import t from 'tap'
import { ErrorCode, EventType, OpCode } from '@zoo/protocol'
import { DataTree, OPEN_ACL_UNSAFE, PrepareView, WatchRegistry, decodeTxn, encodeTxn, read } from '../src/index.js'

t.test('README example', async (t) => {
  const tree = new DataTree()
  const view = new PrepareView(tree)
  const watches = new WatchRegistry()
  const who = { sessionId: 0x100n, authInfo: [{ scheme: 'ip', id: '127.0.0.1' }] }
  const ctx = (zxid: bigint) => ({ ...who, cxid: Number(zxid), zxid, time: BigInt(Date.now()) })
  tree.apply(view.prepare({ type: OpCode.createSession, timeoutMs: 30_000, passwd: Buffer.alloc(16, 1) }, ctx(1n)))
  t.equal(read(tree, watches, who, { type: OpCode.exists, path: '/app', watch: true }).err, ErrorCode.NONODE)
  const bytes = encodeTxn(view.prepare({ type: OpCode.create, path: '/app', data: Buffer.from('v1'), acl: [...OPEN_ACL_UNSAFE], flags: 0 }, ctx(2n)))
  const result = tree.apply(decodeTxn(bytes))
  t.same(watches.trigger(result.triggers, () => who.authInfo), [{ sessionId: 0x100n, event: { type: EventType.NodeCreated, state: 3, path: '/app' } }])
})
