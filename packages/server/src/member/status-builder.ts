// The ServerStatus snapshot (what 4lw, admin commands and /metrics read), built from a member's parts.
import { readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import type { LearnerCounts, PeerStatus } from '@zoo/consensus'
import type { DataTree, WatchRegistry } from '@zoo/znode'
import type { ServerConfig } from '../config/index.js'
import { confEntries } from '../conf.js'
import { environmentEntries } from '../environment.js'
import type { ServerMetrics } from '../metrics.js'
import type { Connection } from '../net/connection.js'
import type { ConnectionSnapshot, ServerMode, ServerStatus } from '../status.js'
import { ZOOKEEPER_VERSION } from '../version.js'
import type { LeaderIntake } from './leader.js'
import type { Pipeline } from './pipeline.js'

export interface StatusSources {
  config: ServerConfig
  tree: DataTree
  mode: ServerMode
  /** Answering clients (quorum, or read-only mode). */
  serving: boolean
  readOnly: boolean
  peer: PeerStatus | undefined
  leader: LeaderIntake
  pipeline: Pipeline
  connections: Connection[]
  watches: WatchRegistry
  metrics: ServerMetrics
  snapshotsTaken: number
  leadingSinceMs: number
  /** The consensus leader's learner counts; undefined unless leading. */
  learners: LearnerCounts | undefined
}

export function buildStatus(src: StatusSources): ServerStatus {
  const { tree, mode, config, leader, pipeline, watches, metrics } = src
  const connections = src.connections.map(connectionSnapshot)
  const sessions = [...tree.sessions].map(([id, record]) => ({
    id,
    timeoutMs: record.timeoutMs,
    expiresAtMs: leader.isActive ? wallClockDeadline(leader.tracker.get(id)?.expiresAtMs) : undefined,
    ephemerals: tree.ephemerals(id),
  }))
  const watchesBySession = new Map<bigint, string[]>()
  for (const id of pipeline.sessions.keys()) {
    const paths = watches.data.pathsOf(id)
    if (paths.length > 0) watchesBySession.set(id, paths)
  }
  const latency = pipeline.latency
  const outstanding = connections.reduce((n, c) => n + c.queued, 0)
  const serving = src.serving
  return {
    version: ZOOKEEPER_VERSION,
    serving,
    mode,
    myid: config.myid,
    epoch: src.peer?.epoch ?? 0,
    leaderId: src.peer?.leader,
    latency: { minMs: latency.min, avgMs: latency.avg, maxMs: latency.max },
    packetsReceived: metrics.get('packets_received'),
    packetsSent: metrics.get('packets_sent'),
    connections,
    outstandingRequests: outstanding,
    lastZxid: tree.lastProcessedZxid,
    nodeCount: tree.nodeCount,
    proposalSizes: mode === 'leader' ? { ...leader.proposalSizes } : undefined,
    monitor: metrics.monitor(
      {
        version: ZOOKEEPER_VERSION,
        server_state: mode,
        peer_state: `${src.peer?.role ?? 'looking'}${serving ? ' - broadcast' : ''}`,
        ephemerals_count: tree.sessionsWithEphemerals().reduce((n, id) => n + tree.ephemerals(id).length, 0),
        num_alive_connections: connections.length,
        avg_latency: latency.avg,
        min_latency: latency.min,
        max_latency: latency.max,
        outstanding_requests: outstanding,
        znode_count: tree.nodeCount,
        approximate_data_size: tree.approximateDataSize,
        global_sessions: tree.sessions.size,
        watch_count: watches.data.size + watches.child.size,
        open_file_descriptor_count: openFileDescriptors(),
        uptime: Date.now() - metrics.startedAtMs,
        leader_uptime: mode === 'leader' ? Date.now() - src.leadingSinceMs : 0,
        quorum_size: config.servers.filter((s) => s.role === 'participant').length,
        proposal_count: leader.proposals,
        digest_mismatches_count: tree.digestMismatches,
        min_proposal_size: leader.proposalSizes.min,
        max_proposal_size: leader.proposalSizes.max,
        last_proposal_size: leader.proposalSizes.last,
        snap_count: src.snapshotsTaken,
        ...learnerCounts(src),
      },
      mode,
    ),
    watchesBySession,
    sessions,
    conf: confEntries(config, { dataDirBytes: directoryBytes(config.dataDir), dataLogDirBytes: directoryBytes(join(config.dataDir, 'log')) }, 0n),
    environment: environmentEntries(),
    readOnly: src.readOnly,
  }
}

/**
 * Leader: its learners as Apache's leader counts them: every learner link (learners), voters and
 * observers it forwards to from the start of their sync (synced_*), learner syncs waiting on a
 * commit (pending_syncs).
 */
function learnerCounts(src: StatusSources): Record<string, number> {
  const counts = src.learners
  if (src.mode !== 'leader' || counts === undefined) return {}
  return {
    learners: counts.learners,
    synced_followers: counts.syncedFollowers,
    // Apache's non-voting followers are participants outside the voting view (after a reconfig);
    // without reconfig every following participant votes.
    synced_non_voting_followers: 0,
    synced_observers: counts.syncedObservers,
    pending_syncs: counts.pendingSyncs,
  }
}

function wallClockDeadline(monotonicMs: number | undefined): number | undefined {
  return monotonicMs === undefined ? undefined : Math.round(Date.now() + (monotonicMs - performance.now()))
}

function connectionSnapshot(c: Connection): ConnectionSnapshot {
  const s = c.stats
  const session = c.session
  const avg = s.replies === 0 ? 0 : Math.floor(s.totalLatencyMs / s.replies)
  return {
    remote: `/${c.remoteAddress}:${c.remotePort}`,
    interestOps: c.interestOps,
    queued: c.outstanding,
    received: s.received,
    sent: s.sent,
    expiresAtMs: Date.now() + (session?.timeoutMs ?? 10_000),
    session:
      session === undefined
        ? undefined
        : {
            id: session.sessionId, lastOperation: s.lastOperation, establishedMs: c.establishedMs, timeoutMs: session.timeoutMs,
            lastCxid: s.lastCxid, lastZxid: s.lastZxid, lastResponseMs: s.lastResponseMs, lastLatencyMs: s.lastLatencyMs,
            minLatencyMs: s.replies === 0 ? 0 : s.minLatencyMs, avgLatencyMs: avg, maxLatencyMs: s.maxLatencyMs,
          },
  }
}

function openFileDescriptors(): number {
  try {
    return readdirSync('/proc/self/fd').length
  } catch {
    return -1
  }
}

/** Bytes of the files directly in `dir` (conf's dataDirSize; not recursive, to stay cheap). */
function directoryBytes(dir: string): number {
  try {
    return readdirSync(dir).reduce((n, name) => {
      try {
        const st = statSync(join(dir, name))
        return st.isFile() ? n + st.size : n
      } catch {
        return n
      }
    }, 0)
  } catch {
    return 0
  }
}
