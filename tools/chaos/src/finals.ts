/**
 * What the harness reads after healing: each member's whole tree under the harness root, read
 * by a client connected to that member alone after a sync, and the facts the checks need from it.
 */
import { createClient, type ZooKeeperClient } from '@zoo/client'
import type { History, MemberTree, NodeSnapshot, RegisterState } from './checker/history.js'
import { EPHEMERALS_PATH, QUEUE_PATH, REGISTERS_PATH, ROOT } from './workload/workers.js'

/** Nodes read per tree: a bound, so a runaway workload cannot make the final read endless. */
const MAX_NODES = 500_000

async function walk(zk: ZooKeeperClient, path: string, out: NodeSnapshot[]): Promise<void> {
  if (out.length >= MAX_NODES) throw new Error(`more than ${MAX_NODES} znodes under ${ROOT}`)
  const [{ data, stat }, { children }] = await Promise.all([zk.getData(path), zk.getChildren(path)])
  out.push({
    path,
    data: data.toString('utf8'),
    version: stat.version,
    cversion: stat.cversion,
    czxid: stat.czxid.toString(),
    mzxid: stat.mzxid.toString(),
    pzxid: stat.pzxid.toString(),
    ephemeralOwner: stat.ephemeralOwner.toString(),
    numChildren: stat.numChildren,
  })
  // Siblings in parallel (the client pipelines them), levels in turn.
  await Promise.all(children.sort().map((child) => walk(zk, `${path}/${child}`, out)))
}

export async function readMemberTree(member: number, host: string, sessionTimeoutMs: number): Promise<MemberTree> {
  const zk = await createClient(host, { sessionTimeoutMs, requestTimeoutMs: 30_000 })
  try {
    await zk.sync(ROOT)
    const nodes: NodeSnapshot[] = []
    await walk(zk, ROOT, nodes)
    nodes.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))
    return { member, nodes }
  } finally {
    await zk.close().catch(() => undefined)
  }
}

/** The final facts, read off one member's tree (the trees check compares the members). */
export function finalsFrom(tree: MemberTree): Pick<History, 'finalRegisters' | 'finalQueue' | 'finalEphemerals'> {
  const finalRegisters: Record<string, RegisterState> = {}
  const finalQueue: History['finalQueue'] = []
  const finalEphemerals: History['finalEphemerals'] = []
  for (const node of tree.nodes) {
    const slash = node.path.lastIndexOf('/')
    const parent = node.path.slice(0, slash)
    const name = node.path.slice(slash + 1)
    if (parent === REGISTERS_PATH) finalRegisters[name] = { version: node.version, value: node.data }
    if (parent === QUEUE_PATH) finalQueue.push({ name, data: node.data, czxid: node.czxid })
    if (node.ephemeralOwner !== '0') finalEphemerals.push({ path: node.path, ephemeralOwner: node.ephemeralOwner })
  }
  return { finalRegisters, finalQueue, finalEphemerals }
}

/** Live ephemerals under the owners' parent, by owner session (for the wait after killing owners). */
export async function ephemeralOwners(zk: ZooKeeperClient): Promise<string[]> {
  const { children } = await zk.getChildren(EPHEMERALS_PATH)
  const stats = await Promise.all(children.map((child) => zk.exists(`${EPHEMERALS_PATH}/${child}`)))
  return stats.flatMap((stat) => (stat === null || stat.ephemeralOwner === 0n ? [] : [stat.ephemeralOwner.toString()]))
}
