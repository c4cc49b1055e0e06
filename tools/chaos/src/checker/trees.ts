/**
 * After healing, every member must hold the same tree under the harness's root: the same paths
 * with the same data and Stat (times and zxids come from the txns, so they match too).
 */
import type { MemberTree, NodeSnapshot } from './history.js'

const MAX_REPORTED = 10

function render(node: NodeSnapshot | undefined): string {
  if (node === undefined) return 'absent'
  return `data ${JSON.stringify(node.data.slice(0, 40))} version ${node.version} cversion ${node.cversion} czxid ${node.czxid} mzxid ${node.mzxid} pzxid ${node.pzxid} owner ${node.ephemeralOwner} children ${node.numChildren}`
}

export function checkTrees(trees: MemberTree[]): string[] {
  if (trees.length < 2) return []
  const [reference, ...others] = trees as [MemberTree, ...MemberTree[]]
  const violations: string[] = []
  const referenceNodes = new Map(reference.nodes.map((n) => [n.path, n]))
  for (const tree of others) {
    const nodes = new Map(tree.nodes.map((n) => [n.path, n]))
    const paths = [...new Set([...referenceNodes.keys(), ...nodes.keys()])].sort()
    const differing = paths.filter((path) => render(referenceNodes.get(path)) !== render(nodes.get(path)))
    for (const path of differing.slice(0, MAX_REPORTED)) {
      violations.push(`member ${tree.member} differs from member ${reference.member} at ${path}: ${render(nodes.get(path))} vs ${render(referenceNodes.get(path))}`)
    }
    if (differing.length > MAX_REPORTED) violations.push(`member ${tree.member}: ${differing.length - MAX_REPORTED} more differing paths`)
  }
  return violations
}
