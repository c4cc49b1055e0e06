/**
 * One chaos run: start the ensemble behind the proxies, run the workload while the nemesis
 * follows its seeded schedule, heal, wait for recovery, read every member, check, report.
 */
import { setMaxListeners } from 'node:events'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createClient } from '@zoo/client'
import { fourLetterWord, freePort } from '@zoo/testkit'
import { checkHistory, type CheckReport } from './checker/index.js'
import type { History, MemberTree, RegisterState } from './checker/history.js'
import { Network } from './faults/network.js'
import { currentLeader, Nemesis, type FaultRecord } from './faults/nemesis.js'
import { sleep } from './sleep.js'
import { Rng } from './faults/rng.js'
import { planSchedule, type FaultKind, type ScheduledFault } from './faults/schedule.js'
import { ephemeralOwners, finalsFrom, readMemberTree } from './finals.js'
import { writeReport, type ChaosReport } from './report/report.js'
import { createTarget } from './targets/index.js'
import type { ChaosTarget, MemberPorts, TargetName } from './targets/target.js'
import { Monitor } from './workload/monitor.js'
import { Owners } from './workload/owners.js'
import { Recorder } from './workload/recorder.js'
import { EPHEMERALS_PATH, INITIAL_VALUE, QUEUE_PATH, REGISTERS_PATH, registerKey, registerPath, ROOT, Worker } from './workload/workers.js'
import { BROKEN_MODES, type BrokenMode, breakEnsemble, ZOO_ACK_BEFORE_QUORUM_KEY } from './broken.js'

export interface RunOptions {
  target: TargetName
  members: number
  durationMs: number
  faults: FaultKind[]
  seed: number
  reportDir: string
  tickTimeMs?: number
  sessionTimeoutMs?: number
  registers?: number
  processes?: number
  opsPerSecond?: number
  /** test-only: make the ensemble misbehave on purpose (the checker must catch it) */
  broken?: BrokenMode
  /** search bound of the linearizability checker, per register */
  maxSteps?: number
  log?: (line: string) => void
}

export interface RunResult {
  report: ChaosReport
  check: CheckReport
  reportDir: string
}

interface Ctx {
  options: Required<Omit<RunOptions, 'broken' | 'log' | 'maxSteps'>> & Pick<RunOptions, 'broken' | 'maxSteps'>
  log: (line: string) => void
  recorder: Recorder
  target: ChaosTarget
  network: Network
  hosts: string[]
  reportDir: string
}

export function withDefaults(options: RunOptions): Ctx['options'] {
  if (options.broken !== undefined && !BROKEN_MODES.includes(options.broken)) throw new RangeError(`unknown broken mode ${options.broken}`)
  const defined = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as RunOptions
  return {
    tickTimeMs: 1_000,
    sessionTimeoutMs: 6_000,
    registers: 3,
    processes: options.members * 2,
    opsPerSecond: 150,
    ...defined,
  }
}

/** Distinct free ports for every member (the OS may hand a just-freed port out twice). */
async function allocatePorts(members: number): Promise<MemberPorts[]> {
  const taken = new Set<number>()
  const port = async () => {
    for (let attempt = 0; attempt < 100; attempt++) {
      const candidate = await freePort()
      if (!taken.has(candidate)) {
        taken.add(candidate)
        return candidate
      }
    }
    throw new Error('no distinct free port after 100 attempts')
  }
  const ports: MemberPorts[] = []
  for (let id = 1; id <= members; id++) ports.push({ id, clientPort: await port(), quorumPort: await port(), electionPort: await port() })
  return ports
}

export async function runChaos(input: RunOptions): Promise<RunResult> {
  const options = withDefaults(input)
  const log = input.log ?? ((line: string) => process.stdout.write(`${line}\n`))
  const reportDir = resolve(options.reportDir)
  mkdirSync(reportDir, { recursive: true })
  const recorder = new Recorder()
  const stamp = (line: string) => log(`[${(recorder.now() / 1000).toFixed(1).padStart(6)}s] ${line}`)
  const ports = await allocatePorts(options.members)
  const extraConfig = options.broken === 'ack-before-quorum' && options.target === 'zoo' ? { [ZOO_ACK_BEFORE_QUORUM_KEY]: 'true' } : undefined
  const { network, target } = await createTarget(options.target, { members: ports, dir: join(reportDir, 'cluster'), tickTimeMs: options.tickTimeMs, extraConfig })
  const ctx: Ctx = { options, log: stamp, recorder, target, network, hosts: ports.map((p) => `127.0.0.1:${p.clientPort}`), reportDir }
  try {
    stamp(`starting ${target.description}`)
    await target.start()
    await waitForRecovery(ctx, 90_000)
    const initial = await setUp(ctx)
    recorder.restartClock()
    return await runWorkload(ctx, initial, reportDir)
  } finally {
    await target.stop()
    await network.close()
  }
}

async function setUp(ctx: Ctx): Promise<Record<string, RegisterState>> {
  const zk = await createClient(ctx.hosts.join(','), { sessionTimeoutMs: ctx.options.sessionTimeoutMs, requestTimeoutMs: 30_000 })
  try {
    for (const path of [ROOT, REGISTERS_PATH, QUEUE_PATH, EPHEMERALS_PATH]) await zk.create(path)
    const initial: Record<string, RegisterState> = {}
    for (let i = 0; i < ctx.options.registers; i++) {
      const key = registerKey(i)
      await zk.create(registerPath(key), INITIAL_VALUE)
      initial[key] = { version: 0, value: INITIAL_VALUE }
    }
    return initial
  } finally {
    await zk.close()
  }
}

interface Participants {
  workers: Worker[]
  owners: Owners
  nemesis: Nemesis
  monitor: Monitor
  brokenRecords: FaultRecord[]
  schedule: ScheduledFault[]
}

async function runWorkload(ctx: Ctx, initial: Record<string, RegisterState>, reportDir: string): Promise<RunResult> {
  const parts = participants(ctx)
  const monitoring = new AbortController()
  const monitorRun = parts.monitor.run(monitoring.signal)
  await drive(ctx, parts)
  const notes: string[] = []
  const settled = await settle(ctx, parts, notes)
  monitoring.abort()
  await monitorRun
  const history: History = {
    ops: ctx.recorder.ops,
    initial,
    ...(settled.trees[0] ? finalsFrom(settled.trees[0]) : { finalRegisters: {}, finalQueue: [], finalEphemerals: [] }),
    owners: parts.owners.owners.map(({ index: _index, ...owner }) => owner),
    trees: settled.trees,
  }
  ctx.log(`checking ${ctx.recorder.ops.length} operations`)
  const check = checkHistory(history, { maxSteps: ctx.options.maxSteps })
  const report: ChaosReport = {
    // No recovery, or members that could not be read, fail the run whatever the history says.
    verdict: settled.recoveredMs === undefined || settled.trees.length === 0 ? 'fail' : check.verdict,
    target: ctx.target.description,
    options: { ...ctx.options },
    durationMs: ctx.recorder.now(),
    recoveryMs: settled.recoveredMs,
    schedule: parts.schedule,
    faults: ctx.options.broken === undefined ? parts.nemesis.records : parts.brokenRecords,
    leaderChanges: parts.monitor.leaderChanges(),
    modeSamples: parts.monitor.samples,
    counts: check.counts,
    sections: check.sections,
    notes,
  }
  writeReport(reportDir, report, history)
  writeFileSync(join(reportDir, 'members.txt'), ctx.target.members.map((m) => `member ${m.id}: client ${m.clientPort}, quorum ${m.quorumPort}, election ${m.electionPort}`).join('\n') + '\n')
  return { report, check, reportDir }
}

function participants(ctx: Ctx): Participants {
  const { options, recorder, log, target, network } = ctx
  const schedule = planSchedule({ seed: options.seed, durationMs: options.durationMs, faults: options.faults, members: options.members, sessionTimeoutMs: options.sessionTimeoutMs, tickTimeMs: options.tickTimeMs })
  log(`schedule (seed ${options.seed}): ${schedule.length} faults`)
  const rng = new Rng(options.seed ^ 0x5eed)
  const workload = { hosts: ctx.hosts, registers: options.registers, processes: options.processes, opsPerSecond: options.opsPerSecond, sessionTimeoutMs: options.sessionTimeoutMs, opTimeoutMs: options.sessionTimeoutMs }
  return {
    schedule,
    workers: Array.from({ length: options.processes }, (_, i) => new Worker(i, workload, recorder, rng.fork(i))),
    owners: new Owners({ hosts: ctx.hosts, sessionTimeoutMs: options.sessionTimeoutMs, everyMs: 8_000, maxAlive: 3, nodesPerOwner: 3, now: () => recorder.now(), log }, rng.fork(1_000)),
    nemesis: new Nemesis({ target, network, now: () => recorder.now(), log, recoveryTimeoutMs: 60_000 }),
    monitor: new Monitor(target, () => recorder.now()),
    brokenRecords: [],
  }
}

/** The workload and the faults for the run's duration; then everything healed and every client gone. */
async function drive(ctx: Ctx, parts: Participants): Promise<void> {
  const { options, recorder, target, network, log } = ctx
  const stop = new AbortController()
  // Every process and the nemesis wait on this one signal.
  setMaxListeners(options.processes + 16, stop.signal)
  const running = [...parts.workers.map((w) => w.run(stop.signal)), parts.owners.run(stop.signal)]
  const faultRun = options.broken === undefined ? parts.nemesis.run(parts.schedule, stop.signal) : breakEnsemble(options.broken, { target, network, now: () => recorder.now(), log, recoveryTimeoutMs: 60_000 }, parts.brokenRecords, stop.signal)
  const timer = setTimeout(() => stop.abort(), options.durationMs)
  try {
    await faultRun
    await sleep(Math.max(0, options.durationMs - recorder.now()), stop.signal)
  } finally {
    clearTimeout(timer)
    stop.abort()
    await parts.nemesis.healAll()
    log('workload stopping; healed')
    await Promise.all(running)
    await Promise.all(parts.workers.map((w) => w.close()))
    await parts.owners.stopAll()
  }
}

/** Recovery, the owners' sessions expiring, and every member's tree. */
async function settle(ctx: Ctx, parts: Participants, notes: string[]): Promise<{ recoveredMs: number | undefined; trees: MemberTree[] }> {
  if (ctx.recorder.full) notes.push(`the history reached its bound of ${ctx.recorder.maxOps} operations; workers stopped early`)
  const recoveredMs = await waitForRecovery(ctx, 120_000).then(
    (ms) => ms,
    (error: Error) => {
      notes.push(`no recovery: ${error.message}`)
      return undefined
    },
  )
  await waitForEphemeralExpiry(ctx, parts.owners.owners.filter((o) => o.how !== 'alive').map((o) => o.sessionId), notes)
  const trees = recoveredMs === undefined ? [] : await readTrees(ctx, notes)
  return { recoveredMs, trees }
}

/** Waits until every member serves and exactly one leads; returns how long that took. */
async function waitForRecovery(ctx: Ctx, timeoutMs: number): Promise<number> {
  const started = ctx.recorder.now()
  let last = ''
  while (ctx.recorder.now() - started < timeoutMs) {
    const statuses = await Promise.all(ctx.target.members.map(async (m) => (await ctx.target.status(m.id)).mode))
    last = statuses.map((s, i) => `${i + 1}:${s}`).join(' ')
    const leaders = statuses.filter((s) => s === 'leader').length
    if (leaders === 1 && statuses.every((s) => s === 'leader' || s === 'follower')) {
      ctx.log(`ensemble serving (${last})`)
      return ctx.recorder.now() - started
    }
    await sleep(250)
  }
  throw new Error(`the ensemble did not recover within ${timeoutMs} ms (${last})`)
}

/** After the owners are gone, their sessions must expire; waits for that, bounded. */
async function waitForEphemeralExpiry(ctx: Ctx, endedSessions: string[], notes: string[]): Promise<void> {
  const ended = new Set(endedSessions)
  const deadlineMs = ctx.recorder.now() + ctx.options.sessionTimeoutMs * 2 + 15_000
  const zk = await createClient(ctx.hosts.join(','), { sessionTimeoutMs: ctx.options.sessionTimeoutMs, requestTimeoutMs: 10_000 })
  try {
    while (ctx.recorder.now() < deadlineMs) {
      const left = (await ephemeralOwners(zk).catch(() => ['?'])).filter((owner) => owner === '?' || ended.has(owner))
      if (left.length === 0) return
      await sleep(500)
    }
    notes.push(`ephemerals of ended sessions were still there when the wait for their expiry ran out; each member's session dump is in ${DUMP_FILE}`)
    await saveSessionDumps(ctx)
  } finally {
    await zk.close().catch(() => undefined)
  }
}

const DUMP_FILE = 'cluster/member-N/dump.txt'

/** Every member's `dump` (sessions with their expiry on the leader, ephemerals): why did a session outlive its owner? */
async function saveSessionDumps(ctx: Ctx): Promise<void> {
  for (const member of ctx.target.members) {
    const text = await fourLetterWord(member.clientPort, 'dump', '127.0.0.1', 5_000).catch((error: Error) => `dump failed: ${error.message}`)
    writeFileSync(join(ctx.reportDir, DUMP_FILE.replace('N', String(member.id))), `${new Date().toISOString()} (run time ${(ctx.recorder.now() / 1000).toFixed(1)} s)\n${text}`)
  }
}

async function readTrees(ctx: Ctx, notes: string[]): Promise<MemberTree[]> {
  const leader = await currentLeader(ctx.target)
  const order = [...ctx.target.members].sort((a, b) => (a.id === leader ? -1 : b.id === leader ? 1 : a.id - b.id))
  const trees: MemberTree[] = []
  for (const member of order) {
    try {
      trees.push(await readMemberTree(member.id, `127.0.0.1:${member.clientPort}`, ctx.options.sessionTimeoutMs))
    } catch (error) {
      notes.push(`could not read member ${member.id}'s tree: ${(error as Error).message}`)
    }
  }
  if (trees.length < ctx.target.members.length) return []
  return trees
}
