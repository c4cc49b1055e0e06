// The AdminServer's commands (`/commands/<name>`) as pure functions of a ServerStatus, shaped
// as Apache 3.8's JSON: the command's fields, then "command" and "error".
import { hex, watchSummary } from '../status.js'
import type { ServerStatus } from '../status.js'

export type Json = null | boolean | number | bigint | string | Json[] | { [key: string]: Json }

interface AdminCommand {
  /** Primary name first, then aliases (the four-letter word). */
  names: readonly string[]
  /** Needs a serving member (Apache answers an error otherwise). */
  needsServing: boolean
  run(s: ServerStatus): Record<string, Json>
}

const commands: AdminCommand[] = [
  { names: ['ruok'], needsServing: false, run: () => ({}) },
  { names: ['server_stats', 'srvr'], needsServing: true, run: (s) => serverStats(s) },
  { names: ['stat'], needsServing: true, run: (s) => ({ ...serverStats(s), connections: connections(s) }) },
  { names: ['monitor', 'mntr'], needsServing: false, run: (s) => Object.fromEntries(s.monitor.map(([k, v]) => [k, jsonNumber(v)])) },
  { names: ['configuration', 'conf', 'config'], needsServing: false, run: (s) => configuration(s) },
  { names: ['connections', 'cons'], needsServing: true, run: (s) => ({ connections: connections(s), secure_connections: [] }) },
  {
    names: ['watch_summary', 'wchs'],
    needsServing: true,
    run: (s) => {
      const { sessions, paths, total } = watchSummary(s)
      return { num_connections: sessions, num_paths: paths, num_total_watches: total }
    },
  },
  {
    names: ['watches', 'wchc'],
    needsServing: true,
    run: (s) => ({ session_id_to_watched_paths: Object.fromEntries([...s.watchesBySession].map(([id, paths]) => [id.toString(), paths])) }),
  },
  {
    names: ['watches_by_path', 'wchp'],
    needsServing: true,
    run: (s) => {
      const byPath: Record<string, bigint[]> = {}
      for (const [id, paths] of s.watchesBySession) for (const p of paths) (byPath[p] ??= []).push(id)
      return { path_to_session_ids: byPath }
    },
  },
  {
    names: ['dump'],
    needsServing: true,
    run: (s) => ({
      session_id_to_ephemeral_paths: Object.fromEntries(s.sessions.filter((x) => x.ephemerals.length > 0).map((x) => [x.id.toString(), x.ephemerals])),
      session_timeouts_ms: Object.fromEntries(s.sessions.map((x) => [x.id.toString(), x.timeoutMs])),
    }),
  },
  { names: ['environment', 'envi', 'env'], needsServing: false, run: (s) => Object.fromEntries(s.environment) },
  { names: ['is_read_only', 'isro'], needsServing: true, run: (s) => ({ read_only: s.readOnly }) },
  {
    names: ['leader', 'lead'],
    needsServing: false,
    run: (s) => ({ is_leader: s.mode === 'leader', leader_id: s.leaderId ?? null, serving: s.serving }),
  },
]

const byName = new Map<string, AdminCommand>(commands.flatMap((c) => c.names.map((n) => [n, c] as const)))

export function adminCommandNames(): string[] {
  return commands.map((c) => c.names[0] as string)
}

/** Runs a command: `undefined` when no command has that name. */
export function runAdminCommand(name: string, status: () => ServerStatus): Record<string, Json> | undefined {
  const command = byName.get(name)
  if (command === undefined) return undefined
  const primary = command.names[0] as string
  const s = status()
  if (command.needsServing && !s.serving) {
    return { command: primary, error: 'This ZooKeeper instance is not currently serving requests' }
  }
  return { ...command.run(s), command: primary, error: null }
}

function serverStats(s: ServerStatus): Record<string, Json> {
  const get = (key: string): Json => jsonNumber(s.monitor.find(([k]) => k === key)?.[1] ?? 0)
  const stats: Record<string, Json> = {
    packets_sent: s.packetsSent,
    packets_received: s.packetsReceived,
    client_response_stats: {
      last_buffer_size: get('last_client_response_size'),
      min_buffer_size: get('min_client_response_size'),
      max_buffer_size: get('max_client_response_size'),
    },
    provider_null: false,
    server_state: s.mode,
    outstanding_requests: s.outstandingRequests,
    avg_latency: s.latency.avgMs,
    max_latency: s.latency.maxMs,
    min_latency: s.latency.minMs,
    num_alive_client_connections: s.connections.length,
    last_processed_zxid: s.lastZxid,
    auth_failed_count: get('auth_failed_count'),
    uptime: get('uptime'),
  }
  const out: Record<string, Json> = { version: s.version, read_only: s.readOnly, server_stats: stats, node_count: s.nodeCount }
  if (s.proposalSizes !== undefined) out.proposal_stats = { last_buffer_size: s.proposalSizes.last, min_buffer_size: s.proposalSizes.min, max_buffer_size: s.proposalSizes.max }
  return out
}

function connections(s: ServerStatus): Json[] {
  return s.connections.map((c) => {
    const info: Record<string, Json> = {
      remote_socket_address: c.remote.slice(1),
      interest_ops: c.interestOps,
      outstanding_requests: c.queued,
      packets_received: c.received,
      packets_sent: c.sent,
    }
    const session = c.session
    if (session !== undefined) {
      Object.assign(info, {
        session_id: `0x${hex(session.id)}`,
        last_operation: session.lastOperation,
        established: new Date(session.establishedMs).toISOString(),
        session_timeout: session.timeoutMs,
        last_cxid: `0x${(session.lastCxid >>> 0).toString(16)}`,
        last_zxid: `0x${hex(session.lastZxid)}`,
        last_response_time: session.lastResponseMs,
        last_latency: session.lastLatencyMs,
        min_latency: session.minLatencyMs,
        avg_latency: session.avgLatencyMs,
        max_latency: session.maxLatencyMs,
      })
    }
    return info
  })
}

/** mntr prints doubles as strings ("0.0"); JSON carries them as numbers. */
function jsonNumber(v: number | string): Json {
  if (typeof v === 'number') return v
  return /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : v
}

/** JSON.stringify that writes bigints as plain numbers (exact digits), as Jackson writes longs. */
export function toJson(value: Json, indent = 2): string {
  const write = (v: Json, depth: number): string => {
    const pad = ' '.repeat(indent * (depth + 1))
    const end = ' '.repeat(indent * depth)
    if (typeof v === 'bigint') return v.toString()
    if (v === null || typeof v !== 'object') return JSON.stringify(v)
    if (Array.isArray(v)) return v.length === 0 ? '[]' : `[\n${v.map((x) => pad + write(x, depth + 1)).join(',\n')}\n${end}]`
    const keys = Object.keys(v)
    if (keys.length === 0) return '{}'
    return `{\n${keys.map((k) => `${pad}${JSON.stringify(k)} : ${write(v[k] as Json, depth + 1)}`).join(',\n')}\n${end}}`
  }
  return write(value, 0)
}

/**
 * Apache 3.8's `configuration` is its ZooKeeperServerConf: these keys in snake_case (not the
 * `conf` word's camelCase lines, whose quorum part it leaves out). Tools read `server_id` here.
 */
const CONFIGURATION_KEYS: readonly (readonly [string, string])[] = [
  ['clientPort', 'client_port'],
  ['dataDir', 'data_dir'],
  ['dataLogDir', 'data_log_dir'],
  ['tickTime', 'tick_time'],
  ['maxClientCnxns', 'max_client_cnxns'],
  ['minSessionTimeout', 'min_session_timeout'],
  ['maxSessionTimeout', 'max_session_timeout'],
  ['serverId', 'server_id'],
  ['clientPortListenBacklog', 'client_port_listen_backlog'],
]

function configuration(s: ServerStatus): Record<string, Json> {
  const conf = new Map(s.conf)
  const out: Record<string, Json> = {}
  for (const [from, to] of CONFIGURATION_KEYS) {
    const value = conf.get(from)
    if (value !== undefined) out[to] = typeof value === 'string' && /^-?\d+$/.test(value) ? Number(value) : value
  }
  return out
}
