// A point-in-time view of a member, built by the member and read by the four-letter words,
// the admin HTTP commands and /metrics. Plain data: the formatters are pure functions of it.

export type ServerMode = 'standalone' | 'leader' | 'follower' | 'observer' | 'read-only'

export interface ConnectionSnapshot {
  /** Apache's InetSocketAddress form: `/127.0.0.1:53168`. */
  remote: string
  interestOps: number
  queued: number
  received: number
  sent: number
  /** When the member would close this connection if nothing arrives (dump). */
  expiresAtMs: number
  session?: {
    id: bigint
    lastOperation: string
    establishedMs: number
    timeoutMs: number
    lastCxid: number
    lastZxid: bigint
    lastResponseMs: number
    lastLatencyMs: number
    minLatencyMs: number
    avgLatencyMs: number
    maxLatencyMs: number
  }
}

export interface SessionSnapshot {
  id: bigint
  timeoutMs: number
  /** Known to the member that tracks expiry (leader, standalone); undefined elsewhere. */
  expiresAtMs: number | undefined
  /** Ephemeral nodes it owns, sorted. */
  ephemerals: string[]
}

export interface ServerStatus {
  version: string
  /** Serving clients (false while electing or syncing). */
  serving: boolean
  mode: ServerMode
  myid: number
  /** Consensus epoch (0 when standalone). */
  epoch: number
  leaderId: number | undefined
  latency: { minMs: number; avgMs: number; maxMs: number }
  packetsReceived: number
  packetsSent: number
  connections: ConnectionSnapshot[]
  outstandingRequests: number
  lastZxid: bigint
  nodeCount: number
  /** Leader only: proposal sizes last/min/max in bytes (-1 before the first). */
  proposalSizes?: { last: number; min: number; max: number }
  /** mntr's key/values without the `zk_` prefix, in Apache's order. */
  monitor: [string, number | string][]
  /** Data and exist watches of this member's sessions (what Apache's wchs/wchc/wchp count). */
  watchesBySession: Map<bigint, string[]>
  /** Every live session (the leader's view, or the replicated table). */
  sessions: SessionSnapshot[]
  /** conf's key=value lines, in Apache's order; a null value prints the key alone (`membership: `). */
  conf: [string, string | number | null][]
  /** envi's key=value lines. */
  environment: [string, string][]
  readOnly: boolean
}

/** Apache's Long.toHexString for zxids and session ids (two's complement for negatives). */
export function hex(value: bigint): string {
  return BigInt.asUintN(64, value).toString(16)
}

/** What wchs counts: sessions with a watch, distinct watched paths, watches in all. */
export function watchSummary(s: Pick<ServerStatus, 'watchesBySession'>): { sessions: number; paths: number; total: number } {
  const paths = new Set<string>()
  let total = 0
  let sessions = 0
  for (const watched of s.watchesBySession.values()) {
    if (watched.length > 0) sessions++
    total += watched.length
    for (const p of watched) paths.add(p)
  }
  return { sessions, paths: paths.size, total }
}
