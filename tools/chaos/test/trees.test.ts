import t from 'tap'
import { checkTrees } from '../src/checker/trees.js'
import type { NodeSnapshot } from '../src/checker/history.js'

const node = (path: string, version = 0): NodeSnapshot => ({ path, data: 'x', version, cversion: 0, czxid: '1', mzxid: String(1 + version), pzxid: '1', ephemeralOwner: '0', numChildren: 0 })

t.test('members must agree after healing', async (t) => {
  t.same(checkTrees([{ member: 1, nodes: [node('/a'), node('/b')] }, { member: 2, nodes: [node('/b'), node('/a')] }]), [], 'order does not matter')
  const differ = checkTrees([{ member: 1, nodes: [node('/a'), node('/b', 1)] }, { member: 2, nodes: [node('/a'), node('/b', 2)] }, { member: 3, nodes: [node('/a')] }])
  t.equal(differ.length, 2)
  t.match(differ[0], /member 2 differs from member 1 at \/b: .*version 2.* vs .*version 1/)
  t.match(differ[1], /member 3 differs from member 1 at \/b: absent/)
  const many = checkTrees([{ member: 1, nodes: Array.from({ length: 15 }, (_, i) => node(`/n${i}`)) }, { member: 2, nodes: [] }])
  t.equal(many.length, 11, 'ten differences shown, then a count')
  t.match(many[10], /5 more differing paths/)
})
