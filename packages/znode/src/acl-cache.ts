// Nodes share ACL lists (most trees have a handful of distinct ones), so the tree stores each
// distinct list once, frozen, and nodes hold a small id with a reference count (as Apache's
// ReferenceCountedACLCache). Ids are internal: snapshots renumber them in node order.
import type { ACL } from '@zoo/protocol'
import { aclKey } from './acl.js'

function sameLists(a: readonly ACL[], b: readonly ACL[]): boolean {
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as ACL
    const y = b[i] as ACL
    if (x.perms !== y.perms || x.id.scheme !== y.id.scheme || x.id.id !== y.id.id) return false
  }
  return true
}

function frozenCopy(acl: readonly ACL[]): readonly ACL[] {
  return Object.freeze(acl.map((a) => Object.freeze({ perms: a.perms, id: Object.freeze({ scheme: a.id.scheme, id: a.id.id }) })))
}

export class AclCache {
  private readonly idsByKey = new Map<string, number>()
  private readonly lists: (readonly ACL[] | undefined)[] = []
  private readonly keys: string[] = []
  private readonly refs: number[] = []
  private readonly freeIds: number[] = []
  /** Most nodes get the ACL the previous one got: checked first, it spares building the key. */
  private lastId = -1

  /** The id of `acl`, with one more reference to it. */
  acquire(acl: readonly ACL[]): number {
    const last = this.lastId === -1 ? undefined : this.lists[this.lastId]
    if (last !== undefined && sameLists(last, acl)) {
      this.refs[this.lastId] = (this.refs[this.lastId] as number) + 1
      return this.lastId
    }
    const key = aclKey(acl)
    let id = this.idsByKey.get(key)
    if (id === undefined) {
      id = this.freeIds.pop() ?? this.lists.length
      this.lists[id] = frozenCopy(acl)
      this.keys[id] = key
      this.refs[id] = 0
      this.idsByKey.set(key, id)
    }
    this.refs[id] = (this.refs[id] ?? 0) + 1
    this.lastId = id
    return id
  }

  /** Drops one reference; the list is forgotten with its last reference. */
  release(id: number): void {
    const refs = this.refs[id]
    if (refs === undefined || refs <= 0) throw new Error(`ACL id ${id} released more often than acquired`)
    this.refs[id] = refs - 1
    if (refs > 1) return
    this.idsByKey.delete(this.keys[id] as string)
    this.lists[id] = undefined
    this.freeIds.push(id)
  }

  get(id: number): readonly ACL[] {
    const acl = this.lists[id]
    if (acl === undefined) throw new Error(`no ACL with id ${id}`)
    return acl
  }

  /** The lists by id as of now (a snapshot resolves the ids it read against this copy). */
  listsNow(): readonly (readonly ACL[] | undefined)[] {
    return this.lists.slice()
  }

  /** Number of distinct lists in use. */
  get size(): number {
    return this.idsByKey.size
  }
}
