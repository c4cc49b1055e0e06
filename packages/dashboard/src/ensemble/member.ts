/**
 * What a member is, decided from what it answered. Pure: the probe (probe.ts) collects the
 * answers, this decides the role and picks the figures.
 *
 * Role: from `mntr` (or the AdminServer's `monitor`, the same figures as JSON), else `srvr`,
 * else the AdminServer's `server_stats`. A member that accepted a connection but gave none of
 * these is `unknown` ("up, role unknown"); `down` is only for a member that accepts none.
 */
import type { Role, Source } from '../shared/api.js'
import { adminMonitorValues, parseConf, parseMntr, parseSrvr, rawJsonInteger, type AdminAnswer, type SrvrAnswer, type WordAnswer } from './parse.js'

export interface Observations {
  mntr: WordAnswer
  srvr: WordAnswer
  /** asked now and then, for the server id */
  conf?: WordAnswer
  /** AdminServer answers; undefined when not asked */
  adminMonitor?: AdminAnswer
  adminStats?: AdminAnswer
  adminConf?: AdminAnswer
}

/** Which counter `requestsTotal` is: rates are only taken between samples of the same one. */
export type RequestCounter = 'latencySamples' | 'packetsReceived'

export interface MemberMetrics {
  version?: string
  zxid?: bigint
  connections?: number
  outstanding?: number
  latencyMinMs?: number
  latencyAvgMs?: number
  latencyMaxMs?: number
  znodeCount?: number
  watchCount?: number
  ephemerals?: number
  requestsTotal?: number
  requestCounter?: RequestCounter
  readP50Ms?: number
  readP99Ms?: number
  writeP50Ms?: number
  writeP99Ms?: number
}

export interface MemberStatus {
  role: Role
  detail: string | undefined
  sources: Source[]
  serverId: number | undefined
  /** it answered something (a word, even a refusal to run it, or the AdminServer) */
  answered: boolean
  metrics: MemberMetrics
}

const ROLES: Record<string, Role> = { leader: 'leader', follower: 'follower', observer: 'observer', standalone: 'standalone' }

function finite(value: string | number | undefined): number | undefined {
  if (value === undefined || value === '') return undefined
  const n = Number(value)
  return Number.isFinite(n) ? n : undefined
}

function adminBody(answer: AdminAnswer | undefined): { body: Record<string, unknown>; raw: string } | undefined {
  return answer?.kind === 'json' ? answer : undefined
}

/** Figures from the mntr map (or the AdminServer monitor map: the same keys). */
function fromMonitor(values: Map<string, string>): MemberMetrics {
  const get = (key: string) => finite(values.get(key))
  const reads = get('cnt_readlatency')
  const writes = get('cnt_updatelatency')
  const samples = reads !== undefined && writes !== undefined ? reads + writes : undefined
  return {
    version: values.get('version'),
    connections: get('num_alive_connections'),
    outstanding: get('outstanding_requests'),
    latencyMinMs: get('min_latency'),
    latencyAvgMs: get('avg_latency'),
    latencyMaxMs: get('max_latency'),
    znodeCount: get('znode_count'),
    watchCount: get('watch_count'),
    ephemerals: get('ephemerals_count'),
    requestsTotal: samples ?? get('packets_received'),
    requestCounter: samples !== undefined ? 'latencySamples' : 'packetsReceived',
    readP50Ms: get('p50_readlatency'),
    readP99Ms: get('p99_readlatency'),
    writeP50Ms: get('p50_updatelatency'),
    writeP99Ms: get('p99_updatelatency'),
  }
}

function fromSrvr(srvr: SrvrAnswer): MemberMetrics {
  return {
    version: srvr.version,
    zxid: srvr.zxid,
    connections: finite(srvr.connections),
    outstanding: finite(srvr.outstanding),
    latencyMinMs: finite(srvr.latencyMinMs),
    latencyAvgMs: finite(srvr.latencyAvgMs),
    latencyMaxMs: finite(srvr.latencyMaxMs),
    znodeCount: finite(srvr.nodeCount),
    requestsTotal: finite(srvr.received),
    requestCounter: 'packetsReceived',
  }
}

/** The AdminServer's `server_stats`: zxid (read from the raw text, exact), state, counts. */
function fromAdminStats(answer: { body: Record<string, unknown>; raw: string }): { state: string | undefined; metrics: MemberMetrics } {
  const stats = (answer.body.server_stats ?? {}) as Record<string, unknown>
  const num = (v: unknown) => (typeof v === 'number' ? v : undefined)
  return {
    state: typeof stats.server_state === 'string' ? stats.server_state : undefined,
    metrics: {
      version: typeof answer.body.version === 'string' ? answer.body.version : undefined,
      zxid: rawJsonInteger(answer.raw, 'last_processed_zxid'),
      connections: num(stats.num_alive_client_connections),
      outstanding: num(stats.outstanding_requests),
      latencyMinMs: num(stats.min_latency),
      latencyAvgMs: num(stats.avg_latency),
      latencyMaxMs: num(stats.max_latency),
      znodeCount: num(answer.body.node_count),
    },
  }
}

/** Later sources only fill what earlier ones left out. */
function merge(...parts: (MemberMetrics | undefined)[]): MemberMetrics {
  const out: Record<string, unknown> = {}
  for (const part of parts) {
    if (!part) continue
    for (const [key, value] of Object.entries(part)) if (out[key] === undefined && value !== undefined) out[key] = value
  }
  return out as MemberMetrics
}

function serverIdOf(obs: Observations): number | undefined {
  const conf = obs.conf?.kind === 'text' ? parseConf(obs.conf.text) : undefined
  if (conf?.serverId !== undefined) return conf.serverId
  const id = adminBody(obs.adminConf)?.body.server_id
  return typeof id === 'number' ? id : undefined
}

function answeredAnything(obs: Observations): boolean {
  const words = [obs.mntr, obs.srvr, obs.conf].some((a) => a !== undefined && a.kind !== 'refused' && a.kind !== 'silent')
  const admin = [obs.adminMonitor, obs.adminStats, obs.adminConf].some((a) => a !== undefined && a.kind !== 'refused' && a.kind !== 'silent')
  return words || admin
}

function acceptedConnection(obs: Observations): boolean {
  return [obs.mntr, obs.srvr, obs.conf, obs.adminMonitor, obs.adminStats, obs.adminConf].some((a) => a !== undefined && a.kind !== 'refused')
}

/** Why a member that accepts connections has no role. */
function unknownDetail(obs: Observations): string {
  const words = [obs.mntr, obs.srvr]
  if (words.some((a) => a.kind === 'notServing')) return 'not serving requests (electing a leader?)'
  const adminAsked = obs.adminMonitor !== undefined
  if (words.every((a) => a.kind === 'disabled')) return adminAsked ? 'four-letter words disabled; the AdminServer gave no role' : 'four-letter words disabled and no AdminServer configured'
  if (!answeredAnything(obs)) return 'accepts connections but answers nothing'
  return 'answers, but gives no role'
}

export function decideMember(obs: Observations): MemberStatus {
  const mntr = obs.mntr.kind === 'text' ? parseMntr(obs.mntr.text) : undefined
  const monitorBody = adminBody(obs.adminMonitor)
  const adminMonitor = monitorBody ? adminMonitorValues(monitorBody.body) : undefined
  const srvr = obs.srvr.kind === 'text' ? parseSrvr(obs.srvr.text) : undefined
  const statsBody = adminBody(obs.adminStats)
  const adminStats = statsBody ? fromAdminStats(statsBody) : undefined
  const monitor = mntr ?? adminMonitor
  const sources: Source[] = []
  if (mntr) sources.push('mntr')
  else if (adminMonitor) sources.push('admin')
  if (srvr) sources.push('srvr')
  if (adminStats && !sources.includes('admin')) sources.push('admin')
  const state = monitor?.get('server_state') ?? srvr?.mode ?? adminStats?.state
  const metrics = merge(monitor ? fromMonitor(monitor) : undefined, srvr ? fromSrvr(srvr) : undefined, adminStats?.metrics)
  const serverId = serverIdOf(obs)
  const answered = answeredAnything(obs)
  const role = state === undefined ? undefined : ROLES[state]
  if (role !== undefined) return { role, detail: undefined, sources, serverId, answered, metrics }
  if (!acceptedConnection(obs)) return { role: 'down', detail: refusalDetail(obs), sources: [], serverId, answered: false, metrics: {} }
  const detail = state !== undefined ? `state ${state}` : unknownDetail(obs)
  return { role: 'unknown', detail, sources, serverId, answered, metrics }
}

function refusalDetail(obs: Observations): string {
  return obs.mntr.kind === 'refused' ? obs.mntr.reason : 'refuses connections'
}
