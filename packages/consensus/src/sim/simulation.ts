// One seeded run of a whole ensemble. The simulation owns time, the network and every disk.
// A run has two phases: chaos (loss, duplication, reordering, delay spikes, partitions, crashes
// at random moments and at disk writes, while clients propose, ask for barriers and use the
// member channel) and stable (network healed, all but a minority of voters up): within
// `liveBoundTicks` a leader must be established and a probe proposal applied on every live member.
import type { UnsafeTestFaults } from '../core/config.js'
import type { Message } from '../core/messages.js'
import type { Entry, Outbound, Ready } from '../core/types.js'
import type { NetConditions } from './network.js'
import { decodeMessage, encodeMessage } from '../core/messages.js'
import { formatZxid } from '../core/zxid.js'
import { applyEntry, decodeAppSnapshot, encodeAppSnapshot } from './app.js'
import { Checker, type Violation } from './checker.js'
import { SimNetwork, STABLE_NET } from './network.js'
import { SimNode } from './node.js'
import { Prng } from './prng.js'
import { EventQueue } from './queue.js'
import { Ev, Trace } from './trace.js'

export interface SimOptions {
  readonly seed: number
  readonly voters: number
  readonly observers: number
  /** Unsafe test switches (to prove the checkers catch the bugs they stand for). */
  readonly faults?: UnsafeTestFaults
  readonly liveBoundTicks?: number
  readonly maxTraceEvents?: number
}

export interface RunStats {
  simTimeMs: number
  events: number
  commits: number
  proposed: number
  refused: number
  epochsExhausted: number
  leadersEstablished: number
  crashes: number
  diskCrashes: number
  powerFailures: number
  tornTails: number
  partitions: number
  /** linkDown inputs delivered (a broken connection noticed by one end). */
  linksDown: number
  messages: number
  dropped: number
  duplicated: number
  syncs: { diff: number; trunc: number; snap: number }
  barriersOk: number
  barriersFailed: number
  channelRoundTrips: number
  snapshots: number
  liveTicks: number
  /**
   * Stable phase: learners that waited out initLimit for an answer to their FOLLOWERINFO from a
   * member that was up all along (the network is clean then, so only an unanswered handshake can
   * cause it: the election weakness a refusal by non-leaders removed).
   */
  stalledLearners: number
}

export interface RunResult {
  readonly seed: number
  readonly violation: Violation | undefined
  readonly trace: Trace
  readonly stats: RunStats
  readonly scenario: Scenario
}

export interface Scenario {
  readonly tickMs: number
  readonly chaosTicks: number
  readonly net: NetConditions
  readonly crashMeanMs: number
  readonly partitionMeanMs: number
  readonly crashPointRate: number
  readonly epochCrashRate: number
  readonly powerFailureRate: number
  readonly proposeMeanMs: number
  readonly barrierMeanMs: number
  readonly channelMeanMs: number
  readonly counterBits: number
  readonly snapEvery: number
  readonly snapshotFillerBytes: number
  readonly keepDown: number
  readonly peer: {
    readonly initLimitTicks: number
    readonly syncLimitTicks: number
    readonly electionFinalizeTicks: number
    readonly electionResendTicks: number
    readonly maxInflightProposals: number
    readonly maxEntriesPerMessage: number
    readonly maxSnapshotChunkBytes: number
    readonly maxPendingBarriers: number
  }
}

export function scenarioFor(rng: Prng, voters: number): Scenario {
  const some = (p: number, max: number) => (rng.chance(p) ? rng.float() * max : 0)
  return {
    tickMs: 50,
    chaosTicks: rng.int(30, 120),
    net: {
      minDelayMs: 1,
      maxDelayMs: rng.int(2, 25),
      lossRate: some(0.5, 0.05),
      duplicateRate: some(0.4, 0.05),
      reorderRate: some(0.3, 0.05),
      spikeRate: some(0.3, 0.05),
      spikeMs: rng.int(20, 400),
      staleDuplicateMs: rng.chance(0.5) ? rng.int(100, 4000) : 0,
    },
    crashMeanMs: rng.pick([300, 1000, 4000]),
    partitionMeanMs: rng.pick([400, 1500, 5000]),
    crashPointRate: some(0.5, 0.04),
    epochCrashRate: some(0.5, 0.5),
    powerFailureRate: some(0.5, 0.5),
    proposeMeanMs: rng.pick([4, 15, 60]),
    barrierMeanMs: rng.pick([40, 250]),
    channelMeanMs: rng.pick([40, 250]),
    counterBits: rng.chance(0.25) ? rng.int(2, 5) : 32,
    snapEvery: rng.int(3, 60),
    snapshotFillerBytes: rng.int(0, 3000),
    keepDown: rng.int(0, Math.floor((voters - 1) / 2)),
    peer: {
      initLimitTicks: 10,
      syncLimitTicks: 5,
      electionFinalizeTicks: 1,
      electionResendTicks: 2,
      maxInflightProposals: rng.int(2, 40),
      maxEntriesPerMessage: rng.int(1, 32),
      maxSnapshotChunkBytes: 1024,
      maxPendingBarriers: 16,
    },
  }
}

const text = new TextEncoder()
const MAX_EVENTS = 2_000_000

export class Simulation {
  readonly q = new EventQueue()
  readonly checker = new Checker()
  readonly trace: Trace
  readonly scenario: Scenario
  readonly nodes = new Map<number, SimNode>()
  readonly stats: RunStats
  private readonly rng: Prng
  private readonly net: SimNetwork
  private phase: 'chaos' | 'stable' | 'settling' | 'done' = 'chaos'
  private partitioned = false
  private proposals = 0
  private channelSeq = 0
  private readonly channelSeen = new Map<string, number>()
  private readonly barrierFloor = new Map<string, bigint>()
  private readonly lastSnapCount = new Map<number, number>()
  private readonly liveBoundTicks: number
  private probe: { payload: Uint8Array; leader: number; incarnation: number; zxid: bigint } | undefined
  private stableSinceMs = 0
  private readonly restartRng: Prng
  private readonly linkRng: Prng

  constructor(readonly options: SimOptions) {
    this.rng = new Prng(options.seed)
    this.scenario = scenarioFor(this.rng.fork('scenario'), options.voters)
    this.restartRng = this.rng.fork('restarts')
    this.linkRng = this.rng.fork('links')
    this.trace = new Trace(options.maxTraceEvents ?? 400_000)
    this.liveBoundTicks = options.liveBoundTicks ?? 60
    this.stats = {
      simTimeMs: 0,
      events: 0,
      commits: 0,
      proposed: 0,
      refused: 0,
      epochsExhausted: 0,
      leadersEstablished: 0,
      crashes: 0,
      diskCrashes: 0,
      powerFailures: 0,
      tornTails: 0,
      partitions: 0,
      linksDown: 0,
      messages: 0,
      dropped: 0,
      duplicated: 0,
      syncs: { diff: 0, trunc: 0, snap: 0 },
      barriersOk: 0,
      barriersFailed: 0,
      channelRoundTrips: 0,
      snapshots: 0,
      liveTicks: 0,
      stalledLearners: 0,
    }
    this.net = new SimNetwork(this.q, this.rng.fork('network'), {
      deliver: (from, inc, to, bytes) => this.deliver(from, inc, to, bytes),
      dropped: (from, to, bytes, reason) => {
        this.stats.dropped++
        this.trace.add(this.q.now, Ev.Drop, from, to, `${reason}: ${describeBytes(bytes)}`)
      },
      duplicated: (from, to) => {
        this.stats.duplicated++
        this.trace.add(this.q.now, Ev.Duplicate, from, to)
      },
    })
    this.net.conditions = this.scenario.net
    this.createNodes()
  }

  private createNodes(): void {
    const { voters: v, observers: o } = this.options
    const voters = Array.from({ length: v }, (_, i) => i + 1)
    const observers = Array.from({ length: o }, (_, i) => v + i + 1)
    const s = this.scenario
    for (const id of [...voters, ...observers]) {
      const config = { id, voters, observers, counterBits: s.counterBits, ...s.peer, unsafeTestFaults: this.options.faults ?? {} }
      const node = new SimNode(id, voters.includes(id), config, this.rng.fork(`node ${id}`), {
        q: this.q,
        trace: this.trace,
        crashPointRate: () => (this.phase === 'chaos' ? s.crashPointRate : 0),
        epochCrashRate: () => (this.phase === 'chaos' ? s.epochCrashRate : 0),
        send: (n, ready) => this.sendAll(n, ready),
        handle: (n, ready) => this.handle(n, ready),
        truncated: (n, removed) => this.checker.truncated(n.id, removed),
        invariantBroken: (n, e) => this.checker.fail('invariant', `member ${n.id}: ${e.message}`),
        crashed: (n, why) => this.onCrashed(n, why),
        recordNotes: () => true,
        noted: (n, event) => this.onNote(n, event),
      })
      this.nodes.set(id, node)
    }
  }

  run(): RunResult {
    const s = this.scenario
    const rng = this.rng.fork('schedule')
    for (const n of this.nodes.values()) {
      this.q.at(rng.int(0, s.tickMs), () => this.restart(n))
      this.scheduleTicks(n, rng.int(1, s.tickMs))
    }
    this.trace.add(0, Ev.Phase, 0, 0, `chaos for ${s.chaosTicks} ticks: ${JSON.stringify({ net: s.net, crashMeanMs: s.crashMeanMs, partitionMeanMs: s.partitionMeanMs, crashPointRate: s.crashPointRate, epochCrashRate: s.epochCrashRate, powerFailureRate: s.powerFailureRate, counterBits: s.counterBits })}`)
    this.loop(rng.fork('crashes'), s.crashMeanMs, (r) => this.randomCrash(r))
    this.loop(rng.fork('partitions'), s.partitionMeanMs, (r) => this.randomPartition(r))
    this.loop(rng.fork('resets'), s.partitionMeanMs, (r) => this.randomReset(r))
    this.loop(rng.fork('proposals'), s.proposeMeanMs, (r) => this.randomProposal(r))
    this.loop(rng.fork('barriers'), s.barrierMeanMs, (r) => this.randomBarrier(r), true)
    this.loop(rng.fork('channel'), s.channelMeanMs, (r) => this.randomChannel(r), true)
    this.q.at(s.chaosTicks * s.tickMs, () => this.stabilize(rng.fork('stable')))
    while (this.phase !== 'done' && this.checker.violation === undefined && this.q.step()) {
      if (++this.stats.events > MAX_EVENTS) this.checker.fail('liveness', `no progress after ${MAX_EVENTS} events`)
    }
    if (this.checker.violation !== undefined) this.trace.add(this.q.now, Ev.Violation, 0, 0, `${this.checker.violation.kind}: ${this.checker.violation.message}`)
    this.stats.simTimeMs = this.q.now
    this.stats.commits = this.checker.committedCount
    this.stats.messages = this.net.sent
    for (const n of this.nodes.values()) this.stats.tornTails += n.tornTails
    return { seed: this.options.seed, violation: this.checker.violation, trace: this.trace, stats: this.stats, scenario: s }
  }

  /** Runs `act` at exponentially distributed intervals (during chaos, or always). */
  private loop(rng: Prng, meanMs: number, act: (rng: Prng) => void, always = false): void {
    const next = () => {
      if (this.phase === 'done' || (!always && this.phase !== 'chaos')) return
      act(rng)
      this.q.after(Math.max(1, Math.round(rng.exp(meanMs))), next)
    }
    this.q.after(Math.max(1, Math.round(rng.exp(meanMs))), next)
  }

  private scheduleTicks(n: SimNode, offsetMs: number): void {
    const tick = () => {
      if (this.phase === 'done') return
      n.input((p) => p.tick())
      this.q.after(this.scenario.tickMs, tick)
    }
    this.q.at(offsetMs, tick)
  }

  private onNote(n: SimNode, event: string): void {
    const stall = /^looking: not synced with (\d+) within initLimit \(phase connecting\)/.exec(event)
    if (stall === null || this.phase === 'chaos') return
    // The attempt began (at most initLimit + 1 ticks ago) on the clean network, with the target up.
    const begunMs = this.q.now - (this.scenario.peer.initLimitTicks + 1) * this.scenario.tickMs
    const target = this.nodes.get(Number(stall[1]))
    if (begunMs >= this.stableSinceMs && target?.up === true && target.upSinceMs <= begunMs) this.stats.stalledLearners++
  }

  private restart(n: SimNode): void {
    if (n.up) return
    this.trace.add(this.q.now, Ev.Restart, n.id, 0, `from acceptedEpoch=${n.disk.acceptedEpoch} currentEpoch=${n.disk.currentEpoch} log..${formatZxid(n.disk.log.at(-1)?.zxid ?? 0n)} snapshot=${formatZxid(n.disk.snapshot?.zxid ?? 0n)}`)
    this.lastSnapCount.set(n.id, 0)
    n.start()
    this.checker.restored(n.id, n.app, 'restarted from')
  }

  // ---- faults ----
  private randomCrash(rng: Prng): void {
    const up = [...this.nodes.values()].filter((n) => n.up)
    if (up.length > 0) rng.pick(up).crash('fault')
  }

  /**
   * Every crash during chaos is followed by a restart after a random downtime. A crash at a disk
   * write is, with probability powerFailureRate, a power failure that takes every member down
   * at that same moment (each loses what it had not fsynced), the harshest test of write order.
   */
  private onCrashed(n: SimNode, why: string): void {
    this.stats.crashes++
    const atDisk = /^(during|before|after) /.test(why)
    if (atDisk) this.stats.diskCrashes++
    this.trace.add(this.q.now, Ev.Crash, n.id, 0, why)
    // The OS closes a dead process's sockets: its peers see the connections end.
    for (const o of this.nodes.keys()) if (o !== n.id) this.noticeLinkDown(o, n.id)
    if (this.phase !== 'chaos' || why.startsWith('invariant')) return
    const rng = this.restartRng
    this.q.after(rng.int(1, 40) * this.scenario.tickMs, () => {
      if (this.phase === 'chaos') this.restart(n)
    })
    if (atDisk && rng.chance(this.scenario.powerFailureRate)) {
      this.stats.powerFailures++
      for (const other of this.nodes.values()) other.crash(`power failure (with ${n.id})`)
    }
  }

  private randomPartition(rng: Prng): void {
    if (this.partitioned) return
    const ids = [...this.nodes.keys()]
    const kind = rng.int(0, 2)
    let what: string
    if (kind === 0) {
      const lone = rng.pick(ids)
      for (const o of ids) if (o !== lone) this.cutBoth(lone, o)
      what = `isolate ${lone}`
    } else if (kind === 1) {
      const side = new Set(ids.filter(() => rng.chance(0.5)))
      for (const a of side) for (const b of ids) if (!side.has(b)) this.cutBoth(a, b)
      what = `split {${[...side].join(',')}} | {${ids.filter((i) => !side.has(i)).join(',')}}`
    } else {
      const a = rng.pick(ids)
      const b = rng.pick(ids.filter((i) => i !== a))
      this.net.cut(a, b)
      // b's idle timeout ends the connection, which both ends then see.
      this.noticeLinkDown(a, b)
      this.noticeLinkDown(b, a)
      what = `one-way cut ${a}->${b}`
    }
    this.partitioned = true
    this.stats.partitions++
    this.trace.add(this.q.now, Ev.Partition, 0, 0, what)
    this.q.after(rng.int(2, 40) * this.scenario.tickMs, () => {
      if (this.phase !== 'chaos') return
      this.net.healAll()
      this.partitioned = false
      this.trace.add(this.q.now, Ev.Heal, 0, 0)
    })
  }

  private cutBoth(a: number, b: number): void {
    this.net.cut(a, b)
    this.net.cut(b, a)
    this.noticeLinkDown(a, b)
    this.noticeLinkDown(b, a)
  }

  /**
   * A connection reset with the network intact (as the transport does to a peer whose send
   * queue overflowed): both ends see it end and the next one carries on. Tests that a transient
   * reset costs an election at most, never safety.
   */
  private randomReset(rng: Prng): void {
    const up = [...this.nodes.values()].filter((n) => n.up).map((n) => n.id)
    if (up.length < 2) return
    const a = rng.pick(up)
    const b = rng.pick(up.filter((i) => i !== a))
    this.noticeLinkDown(a, b)
    this.noticeLinkDown(b, a)
  }

  /**
   * `at` learns (linkDown) that its connection to `lost` ended, after a seeded delay of up to a
   * few ticks (an RST arrives at once, an idle timeout later), or never: a host that vanished
   * without a reset may be noticed only by the core's own syncLimit/initLimit, which stays tested.
   */
  private noticeLinkDown(at: number, lost: number): void {
    const rng = this.linkRng
    if (rng.chance(0.2)) return
    const delayMs = rng.int(0, 3 * this.scenario.tickMs)
    const node = this.nodes.get(at)!
    const incarnation = node.incarnation
    this.q.after(delayMs, () => {
      // A restarted `at` has no connection from before: nothing to notice.
      if (!node.up || node.incarnation !== incarnation) return
      this.stats.linksDown++
      this.trace.add(this.q.now, Ev.LinkDown, at, lost)
      node.input((p) => p.linkDown(lost))
    })
  }

  // ---- workload ----
  private randomUp(rng: Prng, filter: (n: SimNode) => boolean = () => true): SimNode | undefined {
    const up = [...this.nodes.values()].filter((n) => n.up && filter(n))
    return up.length === 0 ? undefined : rng.pick(up)
  }

  private randomProposal(rng: Prng): void {
    // Clients mostly find the leader; sometimes they hit a member that must refuse.
    const leader = this.servingLeader()
    const n = leader !== undefined && rng.chance(0.9) ? leader : this.randomUp(rng)
    if (n === undefined) return
    const payload = text.encode(`s${this.options.seed}.${++this.proposals}`)
    const r = n.input((p) => p.propose(payload))
    if (r === undefined) return
    if (r.ok) {
      this.stats.proposed++
      this.trace.add(this.q.now, Ev.Propose, n.id, 0, `${formatZxid(r.zxid)} "s${this.options.seed}.${this.proposals}"`)
    } else {
      this.stats.refused++
      if (r.reason === 'epoch-exhausted') this.stats.epochsExhausted++
    }
  }

  private randomBarrier(rng: Prng): void {
    const n = this.randomUp(rng)
    if (n === undefined) return
    const floor = n.peer!.committedZxid
    const r = n.input((p) => p.barrier())
    if (r?.ok !== true) return
    // A leader orders its own barrier after what it committed so far.
    if (n.peer?.status().role === 'leading') this.barrierFloor.set(`${n.id}:${n.incarnation}:${r.id}`, floor)
    this.trace.add(this.q.now, Ev.Barrier, n.id, 0, `asks barrier ${r.id}`)
  }

  private randomChannel(rng: Prng): void {
    const n = this.randomUp(rng, (x) => x.peer!.status().serving && x.peer!.status().role !== 'leading')
    if (n === undefined) return
    n.input((p) => p.sendToLeader(text.encode(`q:${n.id}:${++this.channelSeq}`)))
  }

  private servingLeader(): SimNode | undefined {
    for (const n of this.nodes.values()) {
      const s = n.peer?.status()
      if (s?.role === 'leading' && s.serving) return n
    }
    return undefined
  }

  // ---- message flow ----
  private sendAll(n: SimNode, messages: readonly Outbound[]): void {
    for (const o of messages) this.net.send(n.id, n.incarnation, o.to, encodeMessage(o.message))
  }

  private deliver(from: number, fromIncarnation: number, to: number, bytes: Uint8Array): void {
    const node = this.nodes.get(to)!
    if (!node.up) {
      this.stats.dropped++
      this.trace.add(this.q.now, Ev.Drop, from, to, `down: ${describeBytes(bytes)}`)
      return
    }
    const m = decodeMessage(bytes)
    this.trace.add(this.q.now, Ev.Deliver, from, to, m)
    if (m.type === 'syncstart') this.stats.syncs[m.mode]++
    if (m.type === 'barrier' && node.peer!.status().role === 'leading') {
      const key = `${from}:${fromIncarnation}:${m.id}`
      if (!this.barrierFloor.has(key)) this.barrierFloor.set(key, node.peer!.committedZxid)
    }
    node.input((p) => p.step(from, m))
  }

  // ---- what a Ready hands to the application ----
  private handle(n: SimNode, ready: Ready): void {
    if (ready.status !== undefined) this.onStatus(n, ready)
    if (ready.restore !== undefined) {
      n.app = decodeAppSnapshot(ready.restore.data)
      this.checker.restored(n.id, n.app, 'restored (SNAP)')
      this.lastSnapCount.set(n.id, n.app.count)
    }
    if (ready.committed.length > 0) this.apply(n, ready.committed)
    for (const b of ready.barriers) this.onBarrier(n, b)
    for (const r of ready.received) this.onChannel(n, r.from, r.payload)
  }

  private onStatus(n: SimNode, ready: Ready): void {
    const s = ready.status!
    this.trace.add(this.q.now, Ev.Status, n.id, 0, `${s.role}${s.serving ? ' serving' : ''} leader=${s.leader ?? '-'} epoch=${s.epoch} last=${formatZxid(s.lastLoggedZxid)}`)
    const now = n.peer!.status()
    if (s.role === 'leading' && s.serving && now.role === 'leading' && now.serving && now.epoch === s.epoch) {
      this.stats.leadersEstablished++
      const p = n.peer!
      this.checker.established(n.id, s.epoch, p.snapshot?.data, (z) => p.loggedEntry(z))
    }
  }

  private apply(n: SimNode, entries: readonly Entry[]): void {
    for (const e of entries) {
      this.checker.applied(n.id, n.app, e)
      applyEntry(n.app, e)
    }
    this.trace.add(this.q.now, Ev.Apply, n.id, 0, `${formatZxid(entries[0]!.zxid)}..${formatZxid(entries.at(-1)!.zxid)} (${entries.length}) -> ${n.app.count} txns`)
    const since = this.lastSnapCount.get(n.id) ?? 0
    if (n.app.count - since >= this.scenario.snapEvery) this.snapshot(n)
  }

  /** The application snapshots its state (a crashable disk write), then lets the core compact. */
  private snapshot(n: SimNode): void {
    this.lastSnapCount.set(n.id, n.app.count)
    const snap = { zxid: n.app.lastZxid, data: encodeAppSnapshot(n.app, this.scenario.snapshotFillerBytes) }
    const incarnation = n.incarnation
    this.q.after(2, () => {
      if (n.incarnation !== incarnation) return
      if (this.rng.chance(this.phase === 'chaos' ? this.scenario.crashPointRate : 0)) return n.crash(`before app snapshot ${formatZxid(snap.zxid)}`)
      n.saveSnapshot(snap)
      this.stats.snapshots++
      this.trace.add(this.q.now, Ev.Disk, n.id, 0, `app snapshot ${formatZxid(snap.zxid)}`)
      n.input((p) => p.compact(snap))
    })
  }

  private onBarrier(n: SimNode, b: Ready['barriers'][number]): void {
    this.trace.add(this.q.now, Ev.Barrier, n.id, 0, b.ok ? `barrier ${b.id} done at ${formatZxid(b.zxid)}` : `barrier ${b.id} failed: ${b.reason}`)
    if (!b.ok) {
      this.stats.barriersFailed++
      return
    }
    this.stats.barriersOk++
    const floor = this.barrierFloor.get(`${n.id}:${n.incarnation}:${b.id}`) ?? 0n
    const applied = n.app.lastZxid
    if (applied < b.zxid || applied < floor) {
      this.checker.fail('safety', `member ${n.id}: barrier ${b.id} completed with ${formatZxid(applied)} applied, before ${formatZxid(b.zxid > floor ? b.zxid : floor)} its leader had committed`)
    }
  }

  private onChannel(n: SimNode, from: number, payload: Uint8Array): void {
    const [kind, origin, seq] = new TextDecoder().decode(payload).split(':')
    const sender = kind === 'q' ? Number(origin) : from
    const key = `${kind}:${sender}->${n.id}`
    const prev = this.channelSeen.get(key) ?? 0
    if (Number(seq) <= prev || (kind === 'q' && sender !== from) || (kind === 'r' && Number(origin) !== n.id)) {
      this.checker.fail('safety', `channel ${from}->${n.id}: "${new TextDecoder().decode(payload)}" after seq ${prev} (duplicated, reordered or misrouted)`)
      return
    }
    this.channelSeen.set(key, Number(seq))
    if (kind === 'q') n.input((p) => p.sendToMember(from, text.encode(`r:${origin}:${seq}`)))
    else this.stats.channelRoundTrips++
  }

  // ---- stable phase and liveness ----
  private stabilize(rng: Prng): void {
    this.phase = 'stable'
    this.stableSinceMs = this.q.now
    this.net.healAll()
    this.partitioned = false
    this.net.conditions = STABLE_NET
    const voters = [...this.nodes.values()].filter((n) => n.voter)
    const down = new Set<number>()
    while (down.size < this.scenario.keepDown) down.add(rng.pick(voters).id)
    this.trace.add(this.q.now, Ev.Phase, 0, 0, `stable: network healed, members ${[...down].join(',') || 'none'} kept down; liveness bound ${this.liveBoundTicks} ticks`)
    for (const n of this.nodes.values()) {
      if (down.has(n.id)) n.crash('kept down for the stable phase')
      else this.restart(n)
    }
    const watch = () => {
      if (this.phase === 'done') return
      this.checkLiveness()
      if (this.phase === 'stable') this.q.after(this.scenario.tickMs, watch)
    }
    this.q.after(1, watch)
  }

  private checkLiveness(): void {
    const elapsedTicks = Math.floor((this.q.now - this.stableSinceMs) / this.scenario.tickMs)
    const leader = this.servingLeader()
    const p = this.probe
    if (leader !== undefined && (p === undefined || p.leader !== leader.id || p.incarnation !== leader.incarnation) && !this.probeApplied(leader)) {
      const payload = text.encode(`probe${this.proposals++}`)
      const r = leader.input((x) => x.propose(payload))
      if (r?.ok === true) {
        this.probe = { payload, leader: leader.id, incarnation: leader.incarnation, zxid: r.zxid }
        this.trace.add(this.q.now, Ev.Propose, leader.id, 0, `liveness probe at ${formatZxid(r.zxid)}`)
      }
    }
    const up = [...this.nodes.values()].filter((n) => n.up)
    if (leader !== undefined && up.every((n) => this.probeApplied(n) && n.peer!.status().serving && n.peer!.status().leader === leader.id)) {
      this.stats.liveTicks = elapsedTicks
      this.phase = 'settling'
      this.q.after(3 * this.scenario.tickMs, () => (this.phase = 'done'))
      return
    }
    if (elapsedTicks >= this.liveBoundTicks) {
      const states = up.map((n) => {
        const s = n.peer!.status()
        return `${n.id}:${s.role}${s.serving ? '+' : ''}(leader ${s.leader ?? '-'}, epoch ${s.epoch}, last ${formatZxid(s.lastLoggedZxid)}, applied ${n.app.count})`
      })
      this.checker.fail('liveness', `no established leader with the probe applied everywhere ${elapsedTicks} ticks after the network became stable: ${states.join('; ')}`)
    }
  }

  private probeApplied(n: SimNode): boolean {
    const p = this.probe
    return p !== undefined && n.app.lastZxid >= p.zxid && this.checker.isCommitted({ zxid: p.zxid, payload: p.payload })
  }
}

function describeBytes(bytes: Uint8Array): string {
  try {
    const m: Message = decodeMessage(bytes)
    return m.type
  } catch {
    return `${bytes.length} bytes`
  }
}
