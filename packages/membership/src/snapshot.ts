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
  /** valid members, by id */
  readonly members: readonly Member<T>[]
  /** members whose data is invalid, by id */
  readonly invalid: readonly InvalidMember[]
  private readonly byId: ReadonlyMap<string, Member<T>>

  constructor(members: Iterable<Member<T>>, invalid: Iterable<InvalidMember> = []) {
    this.members = [...members].sort(byId)
    this.invalid = [...invalid].sort(byId)
    this.byId = new Map(this.members.map((m) => [m.id, m]))
  }

  get size(): number {
    return this.members.length
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

/** Events that take a consumer from `before` (nothing, for the first) to `after`: leaves, changes, joins, invalid. */
export function diffSnapshots<T>(before: GroupSnapshot<T> | undefined, after: GroupSnapshot<T>): MembershipEvent<T>[] {
  const leaves: MembershipEvent<T>[] = []
  const changes: MembershipEvent<T>[] = []
  const joins: MembershipEvent<T>[] = []
  for (const old of before?.members ?? []) {
    const now = after.get(old.id)
    if (!now || now.registration !== old.registration) leaves.push({ type: 'leave', member: old })
  }
  for (const member of after.members) {
    const old = before?.get(member.id)
    if (!old || old.registration !== member.registration) joins.push({ type: 'join', member })
    else if (old.version !== member.version) changes.push({ type: 'change', member, previous: old })
  }
  const seenInvalid = new Map((before?.invalid ?? []).map((m) => [m.id, m]))
  const invalid: MembershipEvent<T>[] = []
  for (const member of after.invalid) {
    const old = seenInvalid.get(member.id)
    if (!old || old.registration !== member.registration || old.version !== member.version) invalid.push({ type: 'invalid', member })
  }
  return [...leaves, ...changes, ...joins, ...invalid]
}
