// The replicated tree's restore loads a snapshot a slice of nodes at a time, the event loop
// running in between, and puts the new tree in place only once it is whole.
import t from 'tap'
import { OpCode } from '@zoo/protocol'
import { DataTree, OPEN_ACL_UNSAFE, snapshotBytes } from '@zoo/znode'
import { ReplicatedTree } from '../../src/member/state.js'

function treeOf(nodes: number): DataTree {
  const tree = new DataTree()
  for (let i = 1; i <= nodes; i++) {
    const zxid = BigInt(i)
    tree.apply({ clientId: 0n, cxid: i, zxid, time: 1_000n, body: { type: OpCode.create, path: `/n${i}`, data: Buffer.from([i & 0xff]), acl: [...OPEN_ACL_UNSAFE], ephemeral: false, parentCVersion: i } })
  }
  return tree
}

t.test('restore reads a snapshot in slices, lets the event loop run, and swaps the tree in at the end', async (t) => {
  const source = treeOf(1_000)
  const bytes = snapshotBytes(source)
  const state = new ReplicatedTree(100)
  let restored = 0
  state.listener = { applied: () => undefined, restored: () => restored++ }
  const before = state.tree
  let turns = 0
  let sawOldTree = true
  let loaded = false
  const count = () => {
    if (loaded) return
    turns++
    if (state.tree !== before) sawOldTree = false
    setImmediate(count)
  }
  setImmediate(count)
  const loading = state.restore({ zxid: source.lastProcessedZxid, data: bytes })
  t.equal(state.tree, before, 'the old tree stays in place while it loads')
  await loading
  loaded = true
  t.ok(turns >= 5 && sawOldTree, `the event loop turned ${turns} times during the load (10 slices), each time with the old tree in place`)
  t.equal(restored, 1, 'the listener hears of it once, at the end')
  t.equal(state.tree.nodeCount, source.nodeCount)
  t.equal(state.tree.digest, source.digest)
  t.ok(snapshotBytes(state.tree).equals(bytes), 'the same tree')
  await t.rejects(state.restore({ zxid: source.lastProcessedZxid + 1n, data: bytes }), /holds a tree at/, 'a snapshot whose tree is at another zxid is refused')
})
