// One ensemble member (or a standalone server): consensus Member + replicated tree + client
// port + admin port, wired together. The pieces with logic live beside it (pipeline, leader,
// session queue/tracker); this file is lifecycle and plumbing.
import { mkdirSync } from 'node:fs'
import { Member } from '@zoo/consensus'
import type { PeerStatus, PeerTlsOptions, Received } from '@zoo/consensus'
import { decodeRequest, OpCode } from '@zoo/protocol'
import { isWriteRequest, WatchRegistry } from '@zoo/znode'
import { AdminServer } from '../admin/http.js'
import type { ServerConfig } from '../config/index.js'
import { configText } from '../conf.js'
import { answerFourLetterWord } from '../four-letter-words.js'
import { jsonLogger } from '../log.js'
import type { Logger } from '../log.js'
import { ServerMetrics } from '../metrics.js'
import { ClientPort } from '../net/client-port.js'
import type { ClientPortOptions } from '../net/client-port.js'
import { OutstandingBudget } from '../net/connection.js'
import type { ServerMode, ServerStatus } from '../status.js'
import { loadTlsMaterial, secureContextOptions } from '../tls/material.js'
import { TlsReloader } from '../tls/reloader.js'
import { ChannelType, decodeChannel, encodeChannel } from './channel.js'
import type { ChannelMessage } from './channel.js'
import { LeaderIntake } from './leader.js'
import type { PendingWrite } from './leader.js'
import { Pipeline } from './pipeline.js'
import type { Quorum } from './quorum.js'
import { ReplicatedTree } from './state.js'
import { buildStatus } from './status-builder.js'

export interface ZooServerOptions {
  logger?: Logger
  /** How often the leader looks for empty containers and expired TTL nodes (Apache: 60 s). */
  containerCheckIntervalMs?: number
  /** Consensus stopped on an error (a write that did not become durable, a broken invariant). Default: stop. */
  onFatal?: (error: Error) => void
  /** `super:<base64 sha1>` digest whose password makes a session super (zookeeper.DigestAuthenticationProvider.superDigest). */
  superDigest?: string
  /** How often the TLS store files are checked for a new certificate (default 1000 ms). */
  tlsReloadPollIntervalMs?: number
  /**
   * Longest wait of a client handshake that arrives during an election, for its outcome
   * (default 2000 ms, and never over a tenth of the session timeout; 0 refuses it at once, as Apache does).
   */
  maxHandshakeParkMs?: number
}

const MAX_INFLIGHT_PROPOSALS = 1000
const MAX_QUEUED_WRITES = 100_000
const MAX_REAPED_PER_RUN = 1000

export class ZooServer {
  readonly metrics = new ServerMetrics()
  readonly watches = new WatchRegistry()
  private readonly state = new ReplicatedTree()
  private readonly leader: LeaderIntake
  private readonly pipeline: Pipeline
  private readonly clientPort: ClientPort | undefined
  private readonly secureClientPort: ClientPort | undefined
  private readonly admin: AdminServer | undefined
  private member: Member | undefined
  private quorumApi: Quorum | undefined
  /** Rereads the ssl.quorum.* stores when they change (TLS between members only). */
  private quorumTlsReloader: TlsReloader | undefined
  private peer: PeerStatus | undefined
  private timer: NodeJS.Timeout | undefined
  private lastReapMs = 0
  /** Since when this member has been without a quorum (performance.now), for read-only mode. */
  private notServingSinceMs = performance.now()
  private readOnlyActive = false
  /** The member's own timer: touches to the leader, expiry, idle connections, reaping. */
  private readonly tickIntervalMs: number
  private lastTickMs = 0
  private leadingSinceMs = 0
  private readonly log: Logger
  private readonly consensusId: number
  private stopped = false

  private constructor(
    readonly config: ServerConfig,
    private readonly options: ZooServerOptions,
  ) {
    this.log = options.logger ?? jsonLogger({ base: { member: config.myid } })
    this.consensusId = config.myid === 0 ? 1 : config.myid
    this.tickIntervalMs = Math.max(10, Math.floor(config.tickTimeMs / 2))
    const log = (message: string, fields?: Record<string, unknown>) => this.log('info', message, fields)
    this.leader = new LeaderIntake({
      myid: this.consensusId,
      quorum: this.quorum(),
      tree: () => this.state.tree,
      maxInflightProposals: MAX_INFLIGHT_PROPOSALS,
      maxQueuedWrites: MAX_QUEUED_WRITES,
      ttlEnabled: true,
      // Apache registers the x509 provider only with TLS configured (QuorumPeerConfig.configureSSLAuth).
      x509Enabled: config.secureClientPort !== undefined || config.quorumTls !== undefined,
      configData: config.servers.length === 0 ? undefined : Buffer.from(configText(config)),
      refuse: (write, reason) => this.refuse(write, reason),
      log,
      nowMs: () => performance.now(),
      wallClockMs: () => Date.now(),
    })
    this.pipeline = new Pipeline({
      myid: this.consensusId,
      tree: () => this.state.tree,
      watches: this.watches,
      quorum: () => this.quorum(),
      leader: this.leader,
      isLeader: () => this.peer?.role === 'leading',
      serving: () => this.isServing(),
      readOnly: () => this.readOnlyActive,
      maxHandshakeParkMs: options.maxHandshakeParkMs ?? 2000,
      electionUnderWay: () => !this.isServing() && !this.readOnlyActive && performance.now() - this.notServingSinceMs < this.readOnlyAfterMs(),
      fourLetterWord: (word) => answerFourLetterWord(word, config.fourLetterWords, () => this.status()),
      metrics: this.metrics,
      superDigest: options.superDigest,
      log,
    })
    this.state.proposed = this.leader
    this.state.listener = {
      applied: (txn, result) => {
        this.metrics.inc('commit_count')
        if (result.digestMismatch) this.log('error', 'tree digest differs from the leader\'s after a txn', { zxid: result.zxid })
        this.pipeline.applied(txn, result)
        this.leader.applied(txn)
      },
      restored: () => this.leader.restored(),
    }
    const limits: Omit<ClientPortOptions, 'host' | 'port'> = {
      maxClientCnxns: config.maxClientCnxns,
      maxFrameBytes: config.maxFrameBytes,
      maxOutstandingRequests: config.maxOutstandingPerConnection,
      maxPendingWriteBytes: 4 << 20,
      minSessionTimeoutMs: config.minSessionTimeoutMs,
      maxSessionTimeoutMs: config.maxSessionTimeoutMs,
      handshakeTimeoutMs: 10_000,
      budget: new OutstandingBudget(config.globalOutstandingLimit),
      onRejected: (address, reason) => {
        this.metrics.inc('connection_rejected')
        this.log('warn', 'connection refused', { address, reason })
      },
      // As Apache: every refusal counts as a failed authentication, a failed handshake also as such.
      onTlsRefused: (address, reason, kind) => {
        this.metrics.inc('auth_failed_count')
        if (kind === 'handshake') this.metrics.inc('unsuccessful_handshake')
        this.log('warn', 'TLS client refused', { address, reason })
      },
    }
    if (config.clientPort !== undefined) {
      this.clientPort = new ClientPort({ ...limits, host: config.clientPortAddress, port: config.clientPort }, this.pipeline)
    }
    if (config.secureClientPort !== undefined) {
      const settings = config.clientTls
      if (settings === undefined) throw new Error('secureClientPort without ssl settings (resolveConfig guarantees them)')
      const tls = { settings, material: loadTlsMaterial(settings), reloadPollIntervalMs: options.tlsReloadPollIntervalMs, superUser: config.x509SuperUser, log: (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => this.log(level, message, fields) }
      this.secureClientPort = new ClientPort({ ...limits, host: config.secureClientPortAddress, port: config.secureClientPort, tls }, this.pipeline)
    }
    if (config.admin.enabled) {
      this.admin = new AdminServer({ host: config.admin.serverAddress, port: config.admin.serverPort, metrics: this.metrics, status: () => this.status() })
    }
  }

  static async start(config: ServerConfig, options: ZooServerOptions = {}): Promise<ZooServer> {
    const server = new ZooServer(config, options)
    try {
      await server.run()
    } catch (e) {
      await server.stop()
      throw e
    }
    return server
  }

  /** The client port as bound (the OS's choice for 0): the plain one, or on a TLS-only member the secure one. */
  get clientPortNumber(): number {
    const port = this.clientPort ?? this.secureClientPort
    if (port === undefined) throw new Error('no client port (resolveConfig requires clientPort or secureClientPort)')
    return port.port
  }

  /** The TLS client port as bound, when secureClientPort is configured. */
  get secureClientPortNumber(): number | undefined {
    return this.secureClientPort?.port
  }

  get adminPortNumber(): number | undefined {
    return this.admin?.port
  }

  async stop(): Promise<void> {
    if (this.stopped) return
    this.stopped = true
    clearInterval(this.timer)
    await this.clientPort?.close()
    await this.secureClientPort?.close()
    await this.admin?.close()
    this.leader.stop()
    this.quorumTlsReloader?.stop()
    await this.member?.close()
  }

  private async run(): Promise<void> {
    mkdirSync(this.config.dataDir, { recursive: true })
    if (this.config.unsafeTest?.ackBeforeQuorum === true) {
      this.log('warn', 'TEST-ONLY BROKEN BUILD: zoo.test.ackBeforeQuorum=true: as leader this member acknowledges writes before a quorum has them; acknowledged writes WILL be lost on failover. Never set it outside tests.')
    }
    const { voters, observers, addresses } = this.topology()
    const snapCount = this.config.snapCount
    const timing = consensusTiming(this.config.tickTimeMs)
    const tls = this.quorumTls()
    this.member = await Member.start({
      id: this.consensusId,
      voters,
      observers,
      addresses,
      dataDir: this.config.dataDir,
      stateMachine: this.state,
      tickMs: timing.tickMs,
      consensus: {
        initLimitTicks: this.config.initLimitTicks * timing.ticksPerTickTime,
        syncLimitTicks: this.config.syncLimitTicks * timing.ticksPerTickTime,
        electionResendTicks: timing.electionResendTicks,
        maxInflightProposals: MAX_INFLIGHT_PROPOSALS + 1,
        maxPayloadBytes: 2 * this.config.maxFrameBytes + (64 << 10),
        unsafeTestFaults: { ackBeforeQuorum: this.config.unsafeTest?.ackBeforeQuorum === true },
      },
      // Apache snapshots after snapCount/2 + random(snapCount/2) txns, rolled again after each
      // snapshot, so members that started together do not all snapshot at once.
      snapshotEveryEntries: () => Math.floor(snapCount / 2 + Math.random() * (snapCount / 2)),
      // Or after as many txn bytes as Apache's zookeeper.snapSizeLimitInKb (4 GiB): half of it plus
      // a random half, so a few huge multis do not grow the log without bound.
      snapshotEveryBytes: () => (1 + Math.random()) * 2 ** 31,
      keepSnapshots: this.config.autopurge.snapRetainCount,
      maxFrameBytes: 4 * this.config.maxFrameBytes + (1 << 20),
      tls,
      handshakeTimeoutMs: this.config.quorumTls?.settings.handshakeTimeoutMs,
      logger: (message, fields) => this.log('info', message, fields),
    })
    this.member.on('status', (status) => this.onStatus(status))
    this.member.on('received', (received) => this.onChannel(received))
    this.member.on('error', (error) => {
      this.log('error', 'consensus member stopped', { error: error.stack ?? error.message })
      this.pipeline.closeAll('member stopped')
      if (this.options.onFatal !== undefined) this.options.onFatal(error)
      else void this.stop()
    })
    this.member.on('snapshot', (snapshot) => {
      this.metrics.observe('snapshottime', snapshot.ms)
      this.log('info', 'snapshot taken', { zxid: `0x${snapshot.zxid.toString(16)}`, bytes: snapshot.bytes, ms: snapshot.ms })
    })
    this.onStatus(this.member.status())
    await this.clientPort?.listen()
    await this.secureClientPort?.listen()
    await this.admin?.listen()
    this.lastTickMs = performance.now()
    this.timer = setInterval(() => this.tick(), this.tickIntervalMs)
    this.log('info', 'serving', { clientPort: this.clientPort?.port, secureClientPort: this.secureClientPort?.port, adminPort: this.admin?.port, voters, observers })
  }

  /**
   * TLS between members from the ssl.quorum.* stores (read now: a bad store stops start-up with
   * a ConfigError naming its key). New connections use reloaded files; links already up stay.
   */
  private quorumTls(): PeerTlsOptions | undefined {
    const quorumTls = this.config.quorumTls
    if (quorumTls === undefined || this.config.servers.length === 0) return undefined
    const { settings } = quorumTls
    const material = loadTlsMaterial(settings)
    let current = secureContextOptions(settings, material)
    const log = (level: 'info' | 'warn', message: string, fields?: Record<string, unknown>) => this.log(level, message, fields)
    this.quorumTlsReloader = new TlsReloader(settings, material, {
      pollIntervalMs: this.options.tlsReloadPollIntervalMs,
      apply: (material) => (current = secureContextOptions(settings, material)),
      log,
    })
    this.quorumTlsReloader.start()
    this.log('info', 'links between members use TLS', { dialTls: quorumTls.dialTls, acceptPlain: quorumTls.acceptPlain, hostnameVerification: settings.hostnameVerification })
    return {
      material: () => current,
      hostnameVerification: settings.hostnameVerification,
      clientHostnameVerification: settings.clientHostnameVerification,
      acceptPlain: quorumTls.acceptPlain,
      dialPlain: !quorumTls.dialTls,
    }
  }

  private topology() {
    const servers = this.config.servers
    if (servers.length === 0) {
      return { voters: [this.consensusId], observers: [], addresses: new Map([[this.consensusId, { host: '127.0.0.1', port: 0 }]]) }
    }
    return {
      voters: servers.filter((s) => s.role === 'participant').map((s) => s.id),
      observers: servers.filter((s) => s.role === 'observer').map((s) => s.id),
      addresses: new Map(servers.map((s) => [s.id, { host: s.host, port: s.quorumPort }])),
    }
  }

  /**
   * The pipeline asks for this on every forwarded write: built once (it reads `this.member` at
   * each call), not six closures per request.
   */
  private quorum(): Quorum {
    return (this.quorumApi ??= this.makeQuorum())
  }

  private makeQuorum(): Quorum {
    const member = () => {
      if (this.member === undefined) throw new Error('consensus is not running')
      return this.member
    }
    return {
      propose: (payload) => member().propose(payload),
      barrier: () => member().barrier(),
      sendToLeader: (payload) => member().sendToLeader(payload),
      sendToMember: (to, payload) => member().sendToMember(to, payload),
      status: () => member().status(),
    }
  }

  private isServing(): boolean {
    return this.peer?.serving === true && !this.stopped
  }

  private onStatus(status: PeerStatus): void {
    const before = this.peer
    this.peer = status
    const changed = before !== undefined && (before.leader !== status.leader || before.epoch !== status.epoch || before.role !== status.role)
    if ((changed || !status.serving) && before?.serving === true) {
      this.pipeline.closeAll('leader changed or quorum lost')
      this.notServingSinceMs = performance.now()
    }
    if (status.serving && this.readOnlyActive) {
      this.readOnlyActive = false
      this.pipeline.closeAll('quorum regained: leaving read-only mode')
      this.log('info', 'read-only mode ends')
    }
    if (status.role === 'leading' && status.serving) {
      if (!this.leader.isActive) {
        this.leadingSinceMs = Date.now()
        // As Apache's ContainerManager: the first check one interval after leading starts, not at
        // once (an emptied container a client is about to reuse is not reaped under it at start).
        this.lastReapMs = Date.now()
        this.leader.start()
      }
    } else if (this.leader.isActive) {
      this.leader.stop()
    }
    // After the leader's session tracker started: a parked handshake may open a session there.
    if (status.serving) this.pipeline.resumeParked()
    this.log('info', 'consensus status', { role: status.role, leader: status.leader, epoch: status.epoch, serving: status.serving })
  }

  private tick(): void {
    const now = performance.now()
    const stalledMs = now - this.lastTickMs - 2 * this.tickIntervalMs
    this.lastTickMs = now
    // Time this member did not run (a snapshot of a big tree, a pause) is no session's silence.
    if (stalledMs > 0 && this.leader.isActive) {
      this.leader.tracker.extendAll(stalledMs)
      this.log('warn', 'event loop stalled; session deadlines extended', { stalledMs: Math.round(stalledMs) })
    }
    this.maybeEnterReadOnly()
    const touched = this.pipeline.takeTouched()
    this.pipeline.closeIdle(Date.now())
    if (this.leader.isActive) {
      for (const id of touched) this.leader.tracker.touch(id, now, this.consensusId)
      this.leader.expireSessions()
      const interval = this.options.containerCheckIntervalMs ?? 60_000
      if (Date.now() - this.lastReapMs >= interval) {
        this.lastReapMs = Date.now()
        this.leader.reapContainers(MAX_REAPED_PER_RUN)
      }
    } else if (touched.length > 0 && this.isServing()) {
      this.send(undefined, { type: ChannelType.touch, sessionIds: touched })
    }
  }

  /** How long a lost quorum counts as an election under way (then read-only mode may start). */
  private readOnlyAfterMs(): number {
    return Math.max(2000, this.config.tickTimeMs)
  }

  /** Apache starts its read-only server once a member has looked for a quorum for a while. */
  private maybeEnterReadOnly(): void {
    if (!this.config.readOnlyModeEnabled || this.readOnlyActive || this.isServing()) return
    if (performance.now() - this.notServingSinceMs < this.readOnlyAfterMs()) return
    this.readOnlyActive = true
    this.log('info', 'no quorum: serving read-only clients')
  }

  /** To the leader (`to` undefined) or to one member; an unreachable peer is logged, not thrown. */
  private send(to: number | undefined, message: ChannelMessage): void {
    try {
      const bytes = encodeChannel(message)
      if (to === undefined) this.member?.sendToLeader(bytes)
      else this.member?.sendToMember(to, bytes)
    } catch (e) {
      this.log('warn', 'member channel send failed', { to, type: message.type, error: (e as Error).message })
    }
  }

  private refuse(write: PendingWrite, reason: string): void {
    this.log('warn', 'write refused by the leader', { session: write.sessionId, reason })
    if (write.from === undefined || write.from === this.consensusId) this.pipeline.refused(write.sessionId, reason)
    else this.send(write.from, { type: ChannelType.refused, sessionId: write.sessionId, cxid: write.cxid, reason })
  }

  private onChannel({ from, payload }: Received): void {
    let message: ChannelMessage
    try {
      message = decodeChannel(payload)
    } catch (e) {
      return this.log('error', 'undecodable member channel message', { from, error: (e as Error).message })
    }
    const now = performance.now()
    switch (message.type) {
      case ChannelType.forward:
        return this.onForward(from, message)
      case ChannelType.createSession:
        return this.leader.submit({
          request: { type: OpCode.createSession, timeoutMs: message.timeoutMs, passwd: message.passwd },
          sessionId: message.sessionId, cxid: 0, authInfo: [], from,
        })
      case ChannelType.touch:
        for (const id of message.sessionIds) this.leader.tracker.touch(id, now, from)
        return
      case ChannelType.revalidate: {
        const result = this.leader.isActive ? this.leader.tracker.revalidate(message.sessionId, now, from) : { valid: false as const }
        this.send(from, { type: ChannelType.revalidated, sessionId: message.sessionId, valid: result.valid })
        if (result.valid && result.previousOwner !== undefined) {
          if (result.previousOwner === this.consensusId) this.pipeline.moved(message.sessionId)
          else this.send(result.previousOwner, { type: ChannelType.moved, sessionId: message.sessionId })
        }
        return
      }
      case ChannelType.revalidated:
        return this.pipeline.revalidated(message.sessionId, message.valid)
      case ChannelType.moved:
        return this.pipeline.moved(message.sessionId)
      case ChannelType.refused:
        return this.pipeline.refused(message.sessionId, message.reason)
    }
  }

  private onForward(from: number, message: Extract<ChannelMessage, { type: typeof ChannelType.forward }>): void {
    let decoded
    try {
      decoded = decodeRequest(message.body)
    } catch (e) {
      return this.log('error', 'undecodable forwarded request', { from, error: (e as Error).message })
    }
    if (!isWriteRequest(decoded.request)) return this.log('error', 'forwarded request is not a write', { from, type: decoded.request.type })
    this.leader.tracker.touch(message.sessionId, performance.now(), from)
    this.leader.submit({ request: decoded.request, sessionId: message.sessionId, cxid: decoded.header.xid, authInfo: message.authInfo, from })
  }

  // ---------------------------------------------------------------- status

  mode(): ServerMode {
    if (this.config.servers.length === 0) return 'standalone'
    if (this.readOnlyActive) return 'read-only'
    switch (this.peer?.role) {
      case 'leading':
        return 'leader'
      case 'observing':
        return 'observer'
      default:
        return 'follower'
    }
  }

  status(): ServerStatus {
    return buildStatus({
      config: this.config,
      tree: this.state.tree,
      mode: this.mode(),
      serving: this.isServing() || this.readOnlyActive,
      readOnly: this.readOnlyActive,
      peer: this.peer,
      leader: this.leader,
      pipeline: this.pipeline,
      connections: [...(this.clientPort?.connections ?? []), ...(this.secureClientPort?.connections ?? [])],
      watches: this.watches,
      metrics: this.metrics,
      snapshotsTaken: this.member?.stats.snapshotsTaken ?? 0,
      leadingSinceMs: this.leadingSinceMs,
      learners: this.member?.learnerCounts(),
    })
  }
}

/**
 * Consensus counts its limits in ticks. A tick of tickTime (2 s by default) would make elections
 * move in 2 s steps; Apache's election runs on its own 200 ms timers. So the core ticks every
 * 100 ms at most, and initLimit/syncLimit are scaled to keep their wall-clock length.
 */
export function consensusTiming(tickTimeMs: number): { tickMs: number; ticksPerTickTime: number; electionResendTicks: number } {
  const tickMs = Math.min(100, tickTimeMs)
  const ticksPerTickTime = Math.max(1, Math.round(tickTimeMs / tickMs))
  return { tickMs, ticksPerTickTime, electionResendTicks: Math.max(1, Math.round(200 / tickMs)) }
}
