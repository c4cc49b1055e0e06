/**
 * Watches every member: one probe loop per member (so a slow member never delays the others),
 * a snapshot of the whole ensemble every interval and at once when a role changes, and the
 * chart history. The probes are bounded (probe.ts); the loops never overlap themselves.
 */
import { EventEmitter } from 'node:events'
import type { ConnectionOptions } from 'node:tls'
import type { EnsembleSnapshot, HistoryView, MemberView, Sample, SessionView } from '../shared/api.js'
import { History } from './history.js'
import { decideMember, type MemberStatus } from './member.js'
import { endpointKey, planMembers, type Endpoint, type MemberPlan } from './membership.js'
import { parseConf, type EnsembleConfig } from './parse.js'
import { probeMember, type ProbeOptions, type ProbeTarget } from './probe.js'
import type { Observations } from './member.js'

export interface MonitorOptions {
  connect: readonly Endpoint[]
  intervalMs: number
  /** per phase of a probe (four-letter words, then the AdminServer) */
  probeTimeoutMs: number
  /** chart points kept per member */
  historySamples: number
  /** the AdminServer to ask for a member, if any */
  adminUrl: (plan: MemberPlan) => string | undefined
  /** ask for server ids every this many polls (and until known) */
  identityEveryPolls?: number
  now?: () => number
  probe?: (target: ProbeTarget, options: ProbeOptions) => Promise<Observations>
  /** four-letter words over TLS */
  tls?: ConnectionOptions
}

interface MemberState {
  status: MemberStatus | undefined
  lastAnswerAtMs: number | undefined
  polls: number
  sample: Sample | undefined
}

export interface MonitorEvents {
  /** a snapshot and the chart points recorded since the last one */
  snapshot: [snapshot: EnsembleSnapshot, samples: Record<string, Sample>]
}

const HALF_EPOCH = 32n
const LOW_32 = 0xffffffffn

export class EnsembleMonitor extends EventEmitter<MonitorEvents> {
  private plans: MemberPlan[] = []
  private readonly states = new Map<string, MemberState>()
  private readonly idByKey = new Map<string, number>()
  private readonly history: History
  private readonly running = new Set<string>()
  private pending: Record<string, Sample> = {}
  private config: EnsembleConfig | undefined
  private configFromConf: EnsembleConfig | undefined
  private stopped = false
  private timer: NodeJS.Timeout | undefined
  private readonly wakeups = new Set<() => void>()
  private readonly now: () => number
  private readonly probe: (target: ProbeTarget, options: ProbeOptions) => Promise<Observations>

  constructor(
    private readonly options: MonitorOptions,
    private readonly session: () => SessionView,
  ) {
    super()
    if (options.connect.length === 0) throw new RangeError('the monitor needs at least one member address')
    this.history = new History(options.historySamples)
    this.now = options.now ?? Date.now
    this.probe = options.probe ?? probeMember
  }

  start(): void {
    this.replan()
    this.timer = setInterval(() => this.emitSnapshot(), this.options.intervalMs)
    this.timer.unref()
  }

  stop(): void {
    this.stopped = true
    clearInterval(this.timer)
    for (const wake of this.wakeups) wake()
  }

  /** The ensemble's config as /zookeeper/config says (read through the client session). */
  setConfig(config: EnsembleConfig | undefined): void {
    if (config !== undefined && config.members.length === 0) return
    this.config = config
    this.replan()
  }

  historyView(): HistoryView {
    return { intervalMs: this.options.intervalMs, members: this.history.snapshot() }
  }

  snapshot(): EnsembleSnapshot {
    const nowMs = this.now()
    const rows = this.plans.map((plan) => this.view(plan, nowMs))
    const leader = leaderOf(rows)
    for (const row of rows) Object.assign(row, lagBehind(row, leader))
    return { at: nowMs, members: rows, leaderId: leader?.id ?? null, configVersion: (this.config ?? this.configFromConf)?.version ?? null, session: this.session() }
  }

  private emitSnapshot(): void {
    if (this.stopped) return
    const samples = this.pending
    this.pending = {}
    this.emit('snapshot', this.snapshot(), samples)
  }

  private replan(): void {
    const identified = this.options.connect.every((endpoint) => this.idByKey.has(endpointKey(endpoint)))
    this.plans = planMembers(this.options.connect, this.config ?? this.configFromConf, this.idByKey, identified)
    const keys = new Set(this.plans.map((p) => p.key))
    this.history.retain(keys)
    for (const key of [...this.states.keys()]) if (!keys.has(key)) this.states.delete(key)
    for (const plan of this.plans) {
      if (!this.states.has(plan.key)) this.states.set(plan.key, { status: undefined, lastAnswerAtMs: undefined, polls: 0, sample: undefined })
      if (!this.running.has(plan.key) && !this.stopped) void this.loop(plan.key)
    }
  }

  private async loop(key: string): Promise<void> {
    this.running.add(key)
    try {
      while (!this.stopped) {
        const plan = this.plans.find((p) => p.key === key)
        const state = this.states.get(key)
        if (!plan || !state) return
        const startedMs = this.now()
        await this.poll(plan, state)
        await this.sleep(this.options.intervalMs - (this.now() - startedMs))
      }
    } finally {
      this.running.delete(key)
    }
  }

  private async poll(plan: MemberPlan, state: MemberState): Promise<void> {
    const every = this.options.identityEveryPolls ?? 10
    // Unknown ids are asked for on the first polls (an AdminServer may start after the client
    // port), then as rarely as known ones: a member that never tells costs little.
    const askIdentity = (plan.id === undefined && state.polls < 5) || state.polls % every === 0
    const target = { client: plan.client, adminUrl: this.options.adminUrl(plan) }
    // Nothing to ask: a configured member with neither a client address nor an AdminServer.
    if (target.client === undefined && target.adminUrl === undefined) return
    let observations: Observations
    let status: MemberStatus
    try {
      observations = await this.probe(target, { timeoutMs: this.options.probeTimeoutMs, askIdentity, tls: this.options.tls })
      status = decideMember(observations)
    } catch (error) {
      // A probe is built not to fail; should it, the row says so instead of going stale.
      observations = { mntr: { kind: 'silent' }, srvr: { kind: 'silent' } }
      status = { role: 'unknown', detail: `probe failed: ${(error as Error).message}`, sources: [], serverId: undefined, answered: false, metrics: {} }
    }
    if (this.stopped) return
    const atMs = this.now()
    const roleChanged = state.status?.role !== status.role
    state.polls++
    state.status = status
    if (status.answered) state.lastAnswerAtMs = atMs
    state.sample = this.history.record(plan.key, atMs, status.role === 'down' ? undefined : status.metrics)
    this.pending[plan.key] = state.sample
    this.learnIdentity(plan, status, observations)
    if (roleChanged) this.emitSnapshot()
  }

  private learnIdentity(plan: MemberPlan, status: MemberStatus, observations: Observations): void {
    let changed = false
    if (status.serverId !== undefined && plan.client && this.idByKey.get(endpointKey(plan.client)) !== status.serverId) {
      this.idByKey.set(endpointKey(plan.client), status.serverId)
      changed = true
    }
    const conf = observations.conf?.kind === 'text' ? parseConf(observations.conf.text) : undefined
    if (conf && conf.config.members.length > 0 && conf.config.version !== this.configFromConf?.version) {
      this.configFromConf = conf.config
      changed = true
    }
    if (changed) this.replan()
  }

  private sleep(ms: number): Promise<void> {
    if (ms <= 0 || this.stopped) return Promise.resolve()
    return new Promise((resolve) => {
      const wake = () => {
        clearTimeout(timer)
        this.wakeups.delete(wake)
        resolve()
      }
      const timer = setTimeout(wake, ms)
      this.wakeups.add(wake)
    })
  }

  private view(plan: MemberPlan, nowMs: number): MemberView {
    const state = this.states.get(plan.key)
    const status = state?.status
    const m = status?.metrics ?? {}
    // Its client port was never tried, so a silent AdminServer does not make it down.
    const noClient = plan.client === undefined && (status === undefined || status.role === 'down')
    return {
      key: plan.key,
      id: plan.id ?? status?.serverId ?? null,
      address: plan.client ? endpointKey(plan.client) : null,
      quorumAddress: plan.quorumAddress ?? null,
      peerType: plan.peerType ?? null,
      role: noClient ? 'unknown' : (status?.role ?? 'unknown'),
      detail: noClient ? 'no client address in the config, and no AdminServer answered' : status ? (status.detail ?? null) : 'not probed yet',
      sources: status?.sources ?? [],
      version: m.version ?? null,
      zxid: m.zxid === undefined ? null : `0x${m.zxid.toString(16)}`,
      epoch: m.zxid === undefined ? null : Number(m.zxid >> HALF_EPOCH),
      lagTxns: null,
      lagNote: null,
      connections: m.connections ?? null,
      outstanding: m.outstanding ?? null,
      latencyMinMs: m.latencyMinMs ?? null,
      latencyAvgMs: m.latencyAvgMs ?? null,
      latencyMaxMs: m.latencyMaxMs ?? null,
      znodeCount: m.znodeCount ?? null,
      watchCount: m.watchCount ?? null,
      ephemerals: m.ephemerals ?? null,
      requestsPerSec: state?.sample?.requestsPerSec ?? null,
      lastAnswerAgeMs: state?.lastAnswerAtMs === undefined ? null : nowMs - state.lastAnswerAtMs,
    }
  }
}

/** The leader row; should two claim it (one not yet told it lost), the newer epoch. */
export function leaderOf(rows: readonly MemberView[]): MemberView | undefined {
  const leaders = rows.filter((r) => r.role === 'leader')
  return leaders.sort((a, b) => (b.epoch ?? -1) - (a.epoch ?? -1))[0]
}

/** How far a member is behind the leader, in transactions of the same epoch. */
export function lagBehind(row: MemberView, leader: MemberView | undefined): Pick<MemberView, 'lagTxns' | 'lagNote'> {
  if (row.role === 'down' || row.zxid === null) return { lagTxns: null, lagNote: null }
  if (leader === undefined || leader.zxid === null) return { lagTxns: null, lagNote: row.role === 'standalone' ? null : 'no leader known' }
  if (row === leader) return { lagTxns: 0, lagNote: null }
  const mine = BigInt(row.zxid)
  const theirs = BigInt(leader.zxid)
  if (mine >> HALF_EPOCH > theirs >> HALF_EPOCH) return { lagTxns: null, lagNote: 'a later epoch than the leader' }
  if (mine >> HALF_EPOCH < theirs >> HALF_EPOCH) {
    // A member synced with the new leader keeps its last zxid of the old epoch until a txn of
    // the new epoch commits; it misses (at least) every txn of the new epoch so far.
    const newEpochTxns = Number(theirs & LOW_32)
    return { lagTxns: newEpochTxns, lagNote: newEpochTxns === 0 ? null : 'at least: its last txn is of an earlier epoch' }
  }
  // Members are polled a moment apart: a follower may look ahead of the leader's last reading.
  const behind = (theirs & LOW_32) - (mine & LOW_32)
  return { lagTxns: behind > 0n ? Number(behind) : 0, lagNote: null }
}
