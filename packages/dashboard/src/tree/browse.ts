/**
 * Lazy tree reads, bounded per request: one level at a time, a page of children at a time (only
 * the page's children are stat'ed, so 10,000 children cost one listing and `limit` exists), and
 * at most `maxDataBytes` of a node's data.
 */
import type { CallOptions, ZooKeeperClient } from '@zoo/client'
import type { ChildrenPage, ChildView, NodeView } from '../shared/api.js'
import { childPath } from '../shared/format.js'
import { aclView, statView } from './views.js'

export interface PageRequest {
  offset: number
  limit: number
  /** only children whose name contains this */
  filter?: string
}

export interface ReadLimits {
  maxDataBytes: number
  timeoutMs: number
}

function byName(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0
}

export async function listChildren(zk: ZooKeeperClient, path: string, page: PageRequest, limits: ReadLimits): Promise<ChildrenPage> {
  const call: CallOptions = { timeoutMs: limits.timeoutMs }
  const { children } = await zk.getChildren(path, call)
  const filter = page.filter ?? ''
  const matching = (filter === '' ? children : children.filter((name) => name.includes(filter))).sort(byName)
  const names = matching.slice(page.offset, page.offset + page.limit)
  const views = await Promise.all(names.map((name) => childView(zk, path, name, call)))
  return { path, total: matching.length, offset: page.offset, children: views }
}

async function childView(zk: ZooKeeperClient, parent: string, name: string, call: CallOptions): Promise<ChildView> {
  const stat = await zk.exists(childPath(parent, name), call)
  if (stat === null) return { name, numChildren: null, dataLength: null, ephemeral: false }
  return { name, numChildren: stat.numChildren, dataLength: stat.dataLength, ephemeral: stat.ephemeralOwner !== 0n }
}

export async function readNode(zk: ZooKeeperClient, path: string, limits: ReadLimits): Promise<NodeView> {
  const call: CallOptions = { timeoutMs: limits.timeoutMs }
  const [{ data, stat }, { acl }] = await Promise.all([zk.getData(path, call), zk.getACL(path, call)])
  const truncated = data.length > limits.maxDataBytes
  return {
    path,
    stat: statView(stat),
    data: (truncated ? data.subarray(0, limits.maxDataBytes) : data).toString('base64'),
    dataTruncated: truncated,
    acl: aclView(acl),
    ownedByDashboard: stat.ephemeralOwner !== 0n && stat.ephemeralOwner === zk.sessionId,
  }
}
