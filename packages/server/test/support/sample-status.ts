// A ServerStatus with the values of the captured Apache session (for formatter tests).
import { whitelist } from '../../src/config/schema.js'
import type { ServerConfig } from '../../src/config/schema.js'
import { confEntries } from '../../src/conf.js'
import { environmentEntries } from '../../src/environment.js'
import { ServerMetrics } from '../../src/metrics.js'
import type { LiveValues } from '../../src/metrics.js'
import type { ServerMode, ServerStatus } from '../../src/status.js'
import { ZOOKEEPER_VERSION } from '../../src/version.js'

const all = whitelist('*', false)

const config: ServerConfig = {
  myid: 0, tickTimeMs: 2000, initLimitTicks: 10, syncLimitTicks: 5, dataDir: '/d', dataLogDir: '/d', clientPort: 2181,
  clientPortAddress: '127.0.0.1', secureClientPort: undefined, secureClientPortAddress: '127.0.0.1', x509SuperUser: undefined, clientTls: undefined, quorumTls: undefined, maxClientCnxns: 60, minSessionTimeoutMs: 4000, maxSessionTimeoutMs: 40000,
  autopurge: { snapRetainCount: 3, purgeIntervalHours: 0 }, fourLetterWords: all, maxFrameBytes: 0xfffff,
  admin: { enabled: false, serverAddress: '127.0.0.1', serverPort: 0 }, readOnlyModeEnabled: false, standaloneEnabled: true,
  servers: [], snapCount: 100000, globalOutstandingLimit: 1000, maxOutstandingPerConnection: 1000,
}

export function sampleStatus(mode: ServerMode): ServerStatus {
  const metrics = new ServerMetrics()
  for (const ms of [2, 7, 12]) metrics.observe('updatelatency', ms)
  metrics.observeIn('write_per_namespace', 'app', 18)
  const live: LiveValues = { version: ZOOKEEPER_VERSION, server_state: mode, avg_latency: 6.8, znode_count: 7, peer_state: 'leading - broadcast' }
  const servers = mode === 'standalone' ? [] : [1, 2, 3].map((id) => ({ id, host: '127.0.0.1', quorumPort: 3000 + id, electionPort: 4000 + id, role: 'participant' as const }))
  const session = {
    id: 0x1000017dfae0000n, lastOperation: 'EXIS', establishedMs: 1795787778609, timeoutMs: 10000, lastCxid: 9, lastZxid: 4n,
    lastResponseMs: 1565148, lastLatencyMs: 0, minLatencyMs: 0, avgLatencyMs: 4, maxLatencyMs: 23,
  }
  return {
    version: ZOOKEEPER_VERSION, serving: true, mode, myid: mode === 'standalone' ? 0 : 2, epoch: 1, leaderId: 2,
    latency: { minMs: 2, avgMs: 6.8, maxMs: 12 }, packetsReceived: 17, packetsSent: 18,
    connections: [
      { remote: '/127.0.0.1:60706', interestOps: 1, queued: 0, received: 10, sent: 10, expiresAtMs: 1795787793000, session },
      { remote: '/127.0.0.1:60792', interestOps: 0, queued: 0, received: 1, sent: 0, expiresAtMs: 1795787793000 },
    ],
    outstandingRequests: 0, lastZxid: 0x1dn, nodeCount: 7,
    proposalSizes: mode === 'leader' ? { last: 93, min: 48, max: 93 } : undefined,
    monitor: metrics.monitor(live, mode),
    watchesBySession: new Map([[0x1000017dfae0000n, ['/app/x', '/nope']]]),
    sessions: [{ id: 0x1000017dfae0000n, timeoutMs: 10000, expiresAtMs: 1795787789000, ephemerals: ['/app/eph'] }],
    conf: confEntries({ ...config, myid: mode === 'standalone' ? 0 : 2, servers }, { dataDirBytes: 1, dataLogDirBytes: 1 }, 0n),
    environment: environmentEntries(),
    readOnly: false,
  }
}

