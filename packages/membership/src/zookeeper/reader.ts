/**
 * Reads a group from ZooKeeper into a snapshot: list the group node's children, read each
 * member's node, decode and validate. Keeps what it read, so a watch can re-read only the
 * members an event named, and never replaces a node's state with an older one (compared by
 * (czxid, mzxid), not by version alone: a re-created node restarts its version, pitfall #5).
 */
import { isNoNode, type Stat, type ZooKeeperClient } from '@zoo/client'
import * as z from 'zod'
import type { Layout } from '../layouts.js'
import { GroupSnapshot, type InvalidMember, type Member } from '../snapshot.js'
import { checkMember, type Checked } from '../validate.js'

/** getData calls in flight per read pass: pipelined, but bounded */
const MAX_PARALLEL_READS = 512

interface Entry<T> {
  id: string
  czxid: bigint
  mzxid: bigint
  checked: Checked<T>
}

export class ZkGroupReader<T> {
  /** by node name */
  private readonly entries = new Map<string, Entry<T>>()
  /** node names by member id (one, but for odd kazoo names) */
  private readonly namesById = new Map<string, Set<string>>()
  /** what the snapshot shows, kept as entries change (by id) */
  private readonly valid = new Map<string, Member<T>>()
  private readonly invalid = new Map<string, InvalidMember>()
  /** ids whose entry changed since the last snapshot() */
  private changed = new Set<string>()
  /** getData calls made (for tests and benchmarks) */
  reads = 0

  constructor(
    private readonly zk: ZooKeeperClient,
    readonly path: string,
    private readonly layout: Layout,
    private readonly schema: z.ZodType<T>,
  ) {}

  /** Lists the group and reads every member in it; forgets members no longer listed. */
  async readAll(signal?: AbortSignal): Promise<void> {
    let children: string[]
    try {
      children = (await this.zk.getChildren(this.path, { signal })).children
    } catch (error) {
      if (!isNoNode(error)) throw error
      children = []
    }
    const names = children.filter((name) => this.layout.idOf(name) !== undefined)
    const listed = new Set(names)
    for (const name of [...this.entries.keys()]) if (!listed.has(name)) this.forget(name)
    await this.readNames(names, signal)
  }

  /** Reads these members (child names) again. */
  async readNames(names: Iterable<string>, signal?: AbortSignal): Promise<void> {
    const list = [...names]
    // The signal is checked per batch, not handed to each of hundreds of calls in flight.
    for (let i = 0; i < list.length; i += MAX_PARALLEL_READS) {
      signal?.throwIfAborted()
      await Promise.all(list.slice(i, i + MAX_PARALLEL_READS).map((name) => this.readOne(name)))
    }
    signal?.throwIfAborted()
  }

  private async readOne(name: string): Promise<void> {
    const id = this.layout.idOf(name)
    if (id === undefined) return
    const path = `${this.path === '/' ? '' : this.path}/${name}`
    let data: Buffer
    let stat: Stat
    try {
      this.reads++
      ;({ data, stat } = await this.zk.getData(path))
    } catch (error) {
      if (!isNoNode(error)) throw error
      this.forget(name)
      return
    }
    const old = this.entries.get(name)
    if (old && (stat.czxid < old.czxid || (stat.czxid === old.czxid && stat.mzxid <= old.mzxid))) return
    const meta = {
      id,
      path,
      registration: stat.czxid.toString(),
      version: stat.version,
      registeredAtMs: Number(stat.ctime),
      owner: `0x${stat.ephemeralOwner.toString(16)}`,
      raw: data,
    }
    this.entries.set(name, { id, czxid: stat.czxid, mzxid: stat.mzxid, checked: checkMember(this.schema, meta, () => this.layout.decode(data, id)) })
    let names = this.namesById.get(id)
    if (!names) this.namesById.set(id, (names = new Set()))
    names.add(name)
    this.show(id)
  }

  private forget(name: string): void {
    const entry = this.entries.get(name)
    if (!entry) return
    this.entries.delete(name)
    const names = this.namesById.get(entry.id)
    names?.delete(name)
    if (names?.size === 0) this.namesById.delete(entry.id)
    this.show(entry.id)
  }

  /**
   * Puts what the entries say about `id` into the shown maps. Two node names can map to one id
   * (kazoo's marker elsewhere in a name): the newest node (czxid) wins.
   */
  private show(id: string): void {
    let winner: Entry<T> | undefined
    for (const name of this.namesById.get(id) ?? []) {
      const entry = this.entries.get(name)!
      if (!winner || entry.czxid > winner.czxid) winner = entry
    }
    this.valid.delete(id)
    this.invalid.delete(id)
    const checked = winner?.checked
    if (checked?.ok) this.valid.set(id, checked.member)
    else if (checked) this.invalid.set(id, checked.invalid)
    this.changed.add(id)
  }

  /** The group as read so far, and the ids that changed since the last call. */
  snapshot(): { snapshot: GroupSnapshot<T>; changed: Set<string> } {
    const changed = this.changed
    this.changed = new Set()
    return { snapshot: new GroupSnapshot(new Map(this.valid), new Map(this.invalid)), changed }
  }
}

/** The child's name when `path` is a direct child of `group`, else undefined. */
export function childName(group: string, path: string): string | undefined {
  const prefix = group === '/' ? '/' : `${group}/`
  if (!path.startsWith(prefix)) return undefined
  const rest = path.slice(prefix.length)
  return rest.length > 0 && !rest.includes('/') ? rest : undefined
}
