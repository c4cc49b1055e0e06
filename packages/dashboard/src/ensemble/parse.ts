/**
 * Parsers for what ZooKeeper members say about themselves: the four-letter words `mntr`,
 * `srvr` and `conf`, the AdminServer's JSON, and the dynamic config in /zookeeper/config.
 * Pure: text in, values out. Layouts are Apache 3.8's (zoo's server prints the same).
 */

/** What a four-letter word got back, before parsing. */
export type WordAnswer =
  /** the connection was refused or could not be made in time: nothing accepts connections there */
  | { kind: 'refused'; reason: string }
  /** connected, but no answer before the deadline (or an empty one) */
  | { kind: 'silent' }
  /** "<word> is not executed because it is not in the whitelist." */
  | { kind: 'disabled' }
  /** "This ZooKeeper instance is not currently serving requests" */
  | { kind: 'notServing' }
  | { kind: 'text'; text: string }

/** What an AdminServer command got back. */
export type AdminAnswer =
  | { kind: 'refused'; reason: string }
  | { kind: 'silent' }
  /** answered, but not a usable command result (HTTP error, not JSON, or an `error` field) */
  | { kind: 'error'; message: string }
  | { kind: 'json'; body: Record<string, unknown>; raw: string }

export function classifyWordAnswer(text: string): WordAnswer {
  if (text.length === 0) return { kind: 'silent' }
  if (/^\w{4} is not executed because it is not in the whitelist\./.test(text)) return { kind: 'disabled' }
  if (text.startsWith('This ZooKeeper instance is not currently serving requests')) return { kind: 'notServing' }
  return { kind: 'text', text }
}

/** `mntr`: `zk_<key>\t<value>` lines, as a map without the `zk_` prefix (the AdminServer's keys). */
export function parseMntr(text: string): Map<string, string> | undefined {
  const values = new Map<string, string>()
  for (const line of text.split('\n')) {
    const tab = line.indexOf('\t')
    if (tab <= 3 || !line.startsWith('zk_')) continue
    values.set(line.slice(3, tab), line.slice(tab + 1).trim())
  }
  return values.has('server_state') ? values : undefined
}

export interface SrvrAnswer {
  version: string
  latencyMinMs: number
  latencyAvgMs: number
  latencyMaxMs: number
  received: number
  sent: number
  connections: number
  outstanding: number
  zxid: bigint
  mode: string
  nodeCount: number
}

/** `srvr` (and the head of `stat`). */
export function parseSrvr(text: string): SrvrAnswer | undefined {
  const field = (name: string) => new RegExp(`^${name}: (.*)$`, 'm').exec(text)?.[1]?.trim()
  const mode = field('Mode')
  const zxid = field('Zxid')
  if (mode === undefined || zxid === undefined || !/^0x[0-9a-f]+$/i.test(zxid)) return undefined
  const latency = (field('Latency min/avg/max') ?? '').split('/').map(Number)
  return {
    version: field('Zookeeper version') ?? '',
    latencyMinMs: latency[0] ?? NaN,
    latencyAvgMs: latency[1] ?? NaN,
    latencyMaxMs: latency[2] ?? NaN,
    received: Number(field('Received')),
    sent: Number(field('Sent')),
    connections: Number(field('Connections')),
    outstanding: Number(field('Outstanding')),
    zxid: BigInt(zxid),
    mode,
    nodeCount: Number(field('Node count')),
  }
}

/** A member as the ensemble's config lists it. */
export interface ConfigMember {
  id: number
  host: string
  quorumPort: number
  electionPort: number
  peerType: 'participant' | 'observer'
  /** from `;[clientHost:]clientPort` (dynamic config syntax); absent in static configs */
  clientHost: string | undefined
  clientPort: number | undefined
}

export interface EnsembleConfig {
  members: ConfigMember[]
  /** `version=<hex>` of the dynamic config */
  version: string | undefined
}

/** Splits `host:port` (IPv6 in brackets) from the right. */
function splitHostPort(text: string): { host: string; port: number } | undefined {
  const match = /^(\[[^\]]+\]|[^:]*):(\d+)$/.exec(text.trim())
  if (!match) return undefined
  return { host: match[1]!.replace(/^\[|\]$/g, ''), port: Number(match[2]) }
}

/**
 * One `server.N=` line: `host:quorum:election[:role][;[clientHost:]clientPort]`. With several
 * addresses (`a:1:2|b:3:4`, ZooKeeper 3.6+), the first is kept.
 */
export function parseServerLine(key: string, value: string): ConfigMember | undefined {
  const id = /^server\.(\d+)$/.exec(key.trim())?.[1]
  if (id === undefined) return undefined
  const [serverPart = '', clientPart] = value.trim().split(';')
  const first = serverPart.split('|')[0]!
  const match = /^(\[[^\]]+\]|[^:]+):(\d+):(\d+)(?::(participant|observer))?$/.exec(first)
  if (!match) return undefined
  let client: { host: string | undefined; port: number } | undefined
  if (clientPart !== undefined && clientPart.trim() !== '') {
    client = /^\d+$/.test(clientPart.trim()) ? { host: undefined, port: Number(clientPart) } : splitHostPort(clientPart)
  }
  return {
    id: Number(id),
    host: match[1]!.replace(/^\[|\]$/g, ''),
    quorumPort: Number(match[2]),
    electionPort: Number(match[3]),
    peerType: match[4] === 'observer' ? 'observer' : 'participant',
    clientHost: client?.host,
    clientPort: client?.port,
  }
}

/** The text of /zookeeper/config (also the `membership:` part of `conf`). */
export function parseEnsembleConfig(text: string): EnsembleConfig {
  const members: ConfigMember[] = []
  let version: string | undefined
  for (const line of text.split('\n')) {
    const eq = line.indexOf('=')
    if (eq < 0) continue
    const key = line.slice(0, eq).trim()
    const value = line.slice(eq + 1)
    if (key === 'version') version = value.trim()
    const member = parseServerLine(key, value)
    if (member) members.push(member)
  }
  members.sort((a, b) => a.id - b.id)
  return { members, version }
}

export interface ConfAnswer {
  serverId: number | undefined
  clientPort: number | undefined
  /** the ensemble as this member knows it (empty for a standalone member) */
  config: EnsembleConfig
}

/** `conf`: `key=value` lines, then `membership:` and the dynamic config on quorum members. */
export function parseConf(text: string): ConfAnswer | undefined {
  const serverId = /^serverId=(\d+)$/m.exec(text)?.[1]
  const clientPort = /^clientPort=(\d+)$/m.exec(text)?.[1]
  if (serverId === undefined && clientPort === undefined) return undefined
  const membership = text.indexOf('membership:')
  return {
    serverId: serverId === undefined ? undefined : Number(serverId),
    clientPort: clientPort === undefined ? undefined : Number(clientPort),
    config: membership < 0 ? { members: [], version: undefined } : parseEnsembleConfig(text.slice(membership)),
  }
}

/**
 * A 64-bit integer field of the AdminServer's raw JSON, read from the text: JSON.parse would
 * round a zxid past 2^53.
 */
export function rawJsonInteger(raw: string, field: string): bigint | undefined {
  const digits = new RegExp(`"${field}"\\s*:\\s*(-?\\d+)\\b`).exec(raw)?.[1]
  return digits === undefined ? undefined : BigInt(digits)
}

/** The AdminServer's `monitor` answer as the same map as `mntr` gives (keys without `zk_`). */
export function adminMonitorValues(body: Record<string, unknown>): Map<string, string> | undefined {
  if (typeof body.server_state !== 'string') return undefined
  const values = new Map<string, string>()
  for (const [key, value] of Object.entries(body)) {
    if (key === 'command' || key === 'error') continue
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') values.set(key, String(value))
  }
  return values
}
