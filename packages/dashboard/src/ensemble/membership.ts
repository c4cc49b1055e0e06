/**
 * Which members the ensemble view shows: every host of the connect string, joined with the
 * ensemble's own config (/zookeeper/config, or `conf`) so that a member missing from the
 * connect string still gets a row. Pure.
 */
import type { ConfigMember, EnsembleConfig } from './parse.js'

export interface Endpoint {
  host: string
  port: number
}

export interface MemberPlan {
  /** the client address (`host:port`), or `server.N` for a configured member without one */
  key: string
  id: number | undefined
  /** the member's host (its client address's, else its quorum address's) */
  host: string
  /** where to probe: the client port's address; undefined when the config gives none */
  client: Endpoint | undefined
  quorumAddress: string | undefined
  peerType: 'participant' | 'observer' | undefined
}

export function endpointKey(endpoint: Endpoint): string {
  return endpoint.host.includes(':') ? `[${endpoint.host}]:${endpoint.port}` : `${endpoint.host}:${endpoint.port}`
}

const WILDCARDS = new Set(['0.0.0.0', '::', '0:0:0:0:0:0:0:0'])

/** Where clients reach a configured member, if its config line says. */
function clientEndpoint(member: ConfigMember): Endpoint | undefined {
  if (member.clientPort === undefined) return undefined
  const host = member.clientHost === undefined || WILDCARDS.has(member.clientHost) ? member.host : member.clientHost
  return { host, port: member.clientPort }
}

function quorumAddress(member: ConfigMember): string {
  const host = member.host.includes(':') ? `[${member.host}]` : member.host
  return `${host}:${member.quorumPort}:${member.electionPort}`
}

/**
 * @param connect the connect string's hosts, in its order
 * @param config the ensemble's config, when read
 * @param idByKey server ids the members told us (`conf`, AdminServer), by client address key
 * @param identified every connect-string member's id is known: only then can a configured member
 *   without a client address be told apart from one of them (else it would show twice)
 */
export function planMembers(connect: readonly Endpoint[], config: EnsembleConfig | undefined, idByKey: ReadonlyMap<string, number>, identified = true): MemberPlan[] {
  const configured = new Map((config?.members ?? []).map((m) => [m.id, m]))
  const plans: MemberPlan[] = []
  const seenKeys = new Set<string>()
  const seenIds = new Set<number>()
  const add = (plan: MemberPlan) => {
    if (seenKeys.has(plan.key) || (plan.id !== undefined && seenIds.has(plan.id))) return
    seenKeys.add(plan.key)
    if (plan.id !== undefined) seenIds.add(plan.id)
    plans.push(plan)
  }
  for (const endpoint of connect) {
    const key = endpointKey(endpoint)
    const id = idByKey.get(key) ?? [...configured.values()].find((m) => sameEndpoint(clientEndpoint(m), endpoint))?.id
    const member = id === undefined ? undefined : configured.get(id)
    add({ key, id, host: endpoint.host, client: endpoint, quorumAddress: member && quorumAddress(member), peerType: member?.peerType })
  }
  for (const member of configured.values()) {
    if (seenIds.has(member.id)) continue
    const client = clientEndpoint(member)
    if (client === undefined && !identified) continue
    const key = client ? endpointKey(client) : `server.${member.id}`
    add({ key, id: member.id, host: client?.host ?? member.host, client, quorumAddress: quorumAddress(member), peerType: member.peerType })
  }
  return plans.sort(byIdThenOrder(plans))
}

function sameEndpoint(a: Endpoint | undefined, b: Endpoint): boolean {
  return a !== undefined && a.port === b.port && a.host === b.host
}

/** Known ids first in id order, then the rest in the order they came. */
function byIdThenOrder(plans: readonly MemberPlan[]): (a: MemberPlan, b: MemberPlan) => number {
  const order = new Map(plans.map((p, i) => [p.key, i]))
  return (a, b) => {
    if (a.id !== undefined && b.id !== undefined) return a.id - b.id
    if (a.id !== undefined) return -1
    if (b.id !== undefined) return 1
    return order.get(a.key)! - order.get(b.key)!
  }
}
