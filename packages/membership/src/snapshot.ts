/**
 * What readers see: a snapshot of the group (valid members, and invalid ones reported apart) and
 * the events between two snapshots. Pure: both backends build snapshots, and the watch derives
 * its events by comparing the last snapshot it delivered with the newest, so coalesced reads
 * still give events that take a consumer from one true state to the next.
 */
import type { CuratorInstance } from './curator.js'
import type { InvalidMemberDataError } from './errors.js'

export interface Member<T> {
  id: string
  /** the validated data the member published (the schema's output) */
  data: T
  /** its node (ZooKeeper) or key (Redis) */
  path: string
  /**
   * this registration's identity: the node's czxid (ZooKeeper) or a random token (Redis). A new
   * registration of the same id (after a session expiry) has a new one.
   */
  registration: string
  /** counts the updates of this registration (the node's data version) */
  version: number
  /** when this registration was made, by the server's clock (ms since the epoch) */
  registeredAtMs: number
  /** ZooKeeper: the owning session, in hex (`0x0` for a persistent node) */
  owner?: string
  /** Curator layout: the ServiceInstance fields around the payload */
  instance?: CuratorInstance
  /** Redis: when the member's key runs out unless its heartbeat renews it (server clock, ms) */
  expiresAtMs?: number
}

/** A listed member whose data could not be read or failed the schema: reported, never thrown. */
export interface InvalidMember {
  id: string
  path: string
  registration: string
  version: number
  raw: Buffer
  error: InvalidMemberDataError
}

export class GroupSnapshot<T> {
  private readonly byId: ReadonlyMap<string, Member<T>>
  private readonly invalidById: ReadonlyMap<string, InvalidMember>
  private sortedMembers: readonly Member<T>[] | undefined
  private sortedInvalid: readonly InvalidMember[] | undefined

  /** From members and invalid entries, or from maps by id that the snapshot then owns (never changed after). */
  constructor(members: Iterable<Member<T>> | ReadonlyMap<string, Member<T>>, invalid: Iterable<InvalidMember> | ReadonlyMap<string, InvalidMember> = []) {
    this.byId = members instanceof Map ? members : new Map([...(members as Iterable<Member<T>>)].map((m) => [m.id, m]))
    this.invalidById = invalid instanceof Map ? invalid : new Map([...(invalid as Iterable<InvalidMember>)].map((m) => [m.id, m]))
  }

  /** valid members, by id (sorted on first use: a watch builds a snapshot per read, most are never listed) */
  get members(): readonly Member<T>[] {
    return (this.sortedMembers ??= [...this.byId.values()].sort(byId))
  }
  /** members whose data is invalid, by id */
  get invalid(): readonly InvalidMember[] {
    return (this.sortedInvalid ??= [...this.invalidById.values()].sort(byId))
  }
  get size(): number {
    return this.byId.size
  }
  get ids(): string[] {
    return this.members.map((m) => m.id)
  }
  get(id: string): Member<T> | undefined {
    return this.byId.get(id)
  }
  has(id: string): boolean {
    return this.byId.has(id)
  }
  getInvalid(id: string): InvalidMember | undefined {
    return this.invalidById.get(id)
  }
  /** every id in the snapshot, valid or not (unordered) */
  allIds(): IterableIterator<string> {
    return new Set([...this.byId.keys(), ...this.invalidById.keys()]).values()
  }
}

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0
}

/**
 * Between two snapshots: `join`, `leave` and `change` track the valid members exactly (a member
 * that turned invalid leaves; one that turned valid joins; a new registration of the same id is a
 * leave and a join), and `invalid` reports data that fails to read or validate.
 */
export type MembershipEvent<T> =
  | { type: 'join'; member: Member<T> }
  | { type: 'leave'; member: Member<T> }
  | { type: 'change'; member: Member<T>; previous: Member<T> }
  | { type: 'invalid'; member: InvalidMember }

/**
 * Events that take a consumer from `before` (nothing, for the first) to `after`: leaves, changes,
 * joins, invalid, each by id. `only`: the ids that may differ (a watch knows which it re-read),
 * so the cost follows the changes, not the size of the group; without it every id is compared.
 */
export function diffSnapshots<T>(before: GroupSnapshot<T> | undefined, after: GroupSnapshot<T>, only?: Iterable<string>): MembershipEvent<T>[] {
  const ids = only === undefined ? new Set([...(before?.allIds() ?? []), ...after.allIds()]) : new Set(only)
  const leaves: MembershipEvent<T>[] = []
  const changes: MembershipEvent<T>[] = []
  const joins: MembershipEvent<T>[] = []
  const invalid: MembershipEvent<T>[] = []
  for (const id of ids) {
    const old = before?.get(id)
    const now = after.get(id)
    if (old !== now) {
      if (old && (!now || now.registration !== old.registration)) leaves.push({ type: 'leave', member: old })
      if (now && (!old || old.registration !== now.registration)) joins.push({ type: 'join', member: now })
      else if (now && old && old.version !== now.version) changes.push({ type: 'change', member: now, previous: old })
    }
    const oldInvalid = before?.getInvalid(id)
    const nowInvalid = after.getInvalid(id)
    if (nowInvalid && nowInvalid !== oldInvalid && (!oldInvalid || oldInvalid.registration !== nowInvalid.registration || oldInvalid.version !== nowInvalid.version)) {
      invalid.push({ type: 'invalid', member: nowInvalid })
    }
  }
  for (const list of [leaves, changes, joins, invalid]) list.sort((a, b) => byId(a.member, b.member))
  return [...leaves, ...changes, ...joins, ...invalid]
}
