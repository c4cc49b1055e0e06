import t from 'tap'
import { NodeTable } from '../src/node-table.js'

const stat = (n: number) => ({ czxid: BigInt(n), mzxid: BigInt(n + 1), pzxid: BigInt(n + 2), ctime: BigInt(n) * 1000n, mtime: -1n, version: n, cversion: -n, aversion: 3, ephemeralOwner: -0x8000000000000000n })

t.test('stores nodes in slots, grows, and reuses freed slots', async (t) => {
  const table = new NodeTable()
  for (let i = 0; i < 3000; i++) table.insert(`/n${i}`, { data: i % 2 ? null : `d${i}`, aclId: i % 5, stat: stat(i), pathDataCrc: i, digest: i * 2 })
  t.equal(table.size, 3000)
  const slot = table.slotOf('/n2999')
  t.same(table.stat(slot), stat(2999), 'every Stat field survives, full 64-bit range included')
  t.equal(table.dataString(table.slotOf('/n2')), 'd2')
  t.equal(table.dataString(table.slotOf('/n3')), null)
  t.equal(table.aclId(slot), 2999 % 5)
  t.equal(table.digest(slot), 5998)
  table.remove('/n5')
  t.equal(table.slotOf('/n5'), -1)
  const reused = table.insert('/again', { data: '', aclId: 0, stat: stat(1), pathDataCrc: 0, digest: 0 })
  t.equal(table.size, 3000)
  t.ok(reused < 3000, 'a freed slot is used again')
  t.throws(() => table.insert('/again', { data: '', aclId: 0, stat: stat(1), pathDataCrc: 0, digest: 0 }))
  t.same([...table.pathsInOrder()].slice(-2), ['/n2999', '/again'], 'insertion order, whatever the slot')
})

t.test('children sets come and go', async (t) => {
  const table = new NodeTable()
  const p = table.insert('/p', { data: '', aclId: 0, stat: stat(0), pathDataCrc: 0, digest: 0 })
  t.equal(table.childCount(p), 0)
  table.addChild(p, '/p/a')
  table.addChild(p, '/p/b')
  t.same([...(table.children(p) ?? [])], ['/p/a', '/p/b'])
  t.equal(table.removeChild(p, '/p/a'), true)
  t.equal(table.removeChild(p, '/p/a'), false)
  table.removeChild(p, '/p/b')
  t.equal(table.children(p), undefined, 'an empty set is dropped')
})
