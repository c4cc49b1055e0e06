// The four-letter words as pure formatters of a ServerStatus, byte for byte in Apache 3.8's
// layout (FourLetterCommands, StatCommand, ServerStats.toString, ServerCnxn.dumpConnectionInfo).
import { javaDouble } from './summary.js'
import { hex, watchSummary } from './status.js'
import type { ConnectionSnapshot, ServerStatus } from './status.js'

export const NOT_SERVING = 'This ZooKeeper instance is not currently serving requests\n'

/** Answers `word`, honouring the whitelist (Apache: unknown or unlisted words get this sentence). */
export function answerFourLetterWord(word: string, whitelist: ReadonlySet<string>, status: () => ServerStatus): string {
  if (!whitelist.has(word)) return `${word} is not executed because it is not in the whitelist.\n`
  const formatter = formatters[word]
  if (formatter === undefined) return `${word} is not executed because it is not in the whitelist.\n`
  return formatter(status())
}

type Formatter = (s: ServerStatus) => string

const formatters: Record<string, Formatter> = {
  ruok: () => 'imok',
  srvr: (s) => (s.serving ? stat(s, false) : NOT_SERVING),
  stat: (s) => (s.serving ? stat(s, true) : NOT_SERVING),
  mntr: (s) => (s.serving ? monitor(s) : NOT_SERVING),
  conf: (s) => s.conf.map(([k, v]) => (v === null ? `${k}\n` : `${k}=${v}\n`)).join(''),
  cons: (s) => (s.serving ? s.connections.map((c) => `${connectionInfo(c, false)}\n`).join('') + '\n' : NOT_SERVING),
  wchs: (s) => (s.serving ? watchSummaryText(s) : NOT_SERVING),
  wchc: (s) => (s.serving ? watchesBySession(s) : NOT_SERVING),
  wchp: (s) => (s.serving ? watchesByPath(s) : NOT_SERVING),
  dump: (s) => (s.serving ? dump(s) : NOT_SERVING),
  envi: (s) => `Environment:\n${s.environment.map(([k, v]) => `${k}=${v}\n`).join('')}`,
  isro: (s) => (s.readOnly ? 'ro' : 'rw'),
}

function stat(s: ServerStatus, withClients: boolean): string {
  let out = `Zookeeper version: ${s.version}\n`
  if (s.readOnly) out += 'READ-ONLY mode; serving only read-only clients\n'
  if (withClients) {
    out += 'Clients:\n'
    for (const c of s.connections) out += `${connectionInfo(c, true)}\n`
    out += '\n'
  }
  out += `Latency min/avg/max: ${s.latency.minMs}/${javaDouble(s.latency.avgMs)}/${s.latency.maxMs}\n`
  out += `Received: ${s.packetsReceived}\n`
  out += `Sent: ${s.packetsSent}\n`
  out += `Connections: ${s.connections.length}\n`
  out += `Outstanding: ${s.outstandingRequests}\n`
  out += `Zxid: 0x${hex(s.lastZxid)}\n`
  out += `Mode: ${s.mode}\n`
  out += `Node count: ${s.nodeCount}\n`
  if (s.proposalSizes !== undefined) {
    const p = s.proposalSizes
    out += `Proposal sizes last/min/max: ${p.last}/${p.min}/${p.max}\n`
  }
  return out
}

/** One line of `cons` (full) or of `stat`'s client list (brief). */
export function connectionInfo(c: ConnectionSnapshot, brief: boolean): string {
  let out = ` ${c.remote}[${c.interestOps === 0 ? '0' : c.interestOps.toString(16)}](queued=${c.queued},recved=${c.received},sent=${c.sent}`
  const session = c.session
  if (!brief && session !== undefined && session.id !== 0n) {
    out += `,sid=0x${hex(session.id)},lop=${session.lastOperation},est=${session.establishedMs},to=${session.timeoutMs}`
    if (session.lastCxid >= 0) out += `,lcxid=0x${(session.lastCxid >>> 0).toString(16)}`
    out += `,lzxid=0x${hex(session.lastZxid)},lresp=${session.lastResponseMs},llat=${session.lastLatencyMs}`
    out += `,minlat=${session.minLatencyMs},avglat=${session.avgLatencyMs},maxlat=${session.maxLatencyMs}`
  }
  return `${out})`
}

function monitor(s: ServerStatus): string {
  return s.monitor.map(([k, v]) => `zk_${k}\t${v}\n`).join('')
}

function watchSummaryText(s: ServerStatus): string {
  const { sessions, paths, total } = watchSummary(s)
  return `${sessions} connections watching ${paths} paths\nTotal watches:${total}\n`
}

function watchesBySession(s: ServerStatus): string {
  let out = ''
  for (const [session, paths] of s.watchesBySession) {
    if (paths.length === 0) continue
    out += `0x${hex(session)}\n${paths.map((p) => `\t${p}\n`).join('')}`
  }
  return `${out}\n`
}

function watchesByPath(s: ServerStatus): string {
  const byPath = new Map<string, bigint[]>()
  for (const [session, paths] of s.watchesBySession) {
    for (const p of paths) byPath.set(p, [...(byPath.get(p) ?? []), session])
  }
  let out = ''
  for (const [path, sessions] of byPath) out += `${path}\n${sessions.map((id) => `\t0x${hex(id)}\n`).join('')}`
  return `${out}\n`
}

function dump(s: ServerStatus): string {
  let out = 'SessionTracker dump:\n'
  if (s.mode === 'leader' || s.mode === 'standalone') {
    const buckets = bucketsByExpiry(s.sessions.map((x) => [x.expiresAtMs ?? 0, `\t0x${hex(x.id)}`]))
    out += `Session Sets (${buckets.length})/(${s.sessions.length}):\n${buckets.join('')}`
  } else {
    out += `Global Sessions(${s.sessions.length}):\n`
    for (const session of s.sessions) out += `0x${hex(session.id)}\t${session.timeoutMs}ms\n`
  }
  const withEphemerals = s.sessions.filter((x) => x.ephemerals.length > 0)
  out += 'ephemeral nodes dump:\n'
  out += `Sessions with Ephemerals (${withEphemerals.length}):\n`
  for (const session of withEphemerals) out += `0x${hex(session.id)}:\n${session.ephemerals.map((p) => `\t${p}\n`).join('')}`
  const connections = bucketsByExpiry(s.connections.map((c) => [c.expiresAtMs, `\tip: ${c.remote} sessionId: 0x${hex(c.session?.id ?? 0n)}`]))
  out += `Connections dump:\nConnections Sets (${connections.length})/(${s.connections.length}):\n${connections.join('')}`
  return out
}

/** Apache's ExpiryQueue dump: per expiry time, "<n> expire at <date>:" and one line per member. */
function bucketsByExpiry(items: [number, string][]): string[] {
  const byTime = new Map<number, string[]>()
  for (const [at, line] of items) byTime.set(at, [...(byTime.get(at) ?? []), line])
  return [...byTime.entries()]
    .sort(([a], [b]) => a - b)
    .map(([at, lines]) => `${lines.length} expire at ${javaDate(at)}:\n${lines.map((l) => `${l}\n`).join('')}`)
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat']
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

/** java.util.Date.toString in UTC: `Fri Nov 27 13:56:29 UTC 2026`. */
export function javaDate(ms: number): string {
  const d = new Date(ms)
  const two = (n: number) => String(n).padStart(2, '0')
  const time = `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())}`
  return `${DAYS[d.getUTCDay()]} ${MONTHS[d.getUTCMonth()]} ${two(d.getUTCDate())} ${time} UTC ${d.getUTCFullYear()}`
}
