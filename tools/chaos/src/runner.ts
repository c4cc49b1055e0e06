/**
 * One chaos run: start the ensemble behind the proxies, run the workload while the nemesis
 * follows its seeded schedule, heal, wait for recovery, read every member, check, report.
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { createClient } from '@zoo/client'
import { freePort } from '@zoo/testkit'
import { checkHistory, type CheckReport } from './checker/index.js'
import type { History, MemberTree, RegisterState } from './checker/history.js'
import { Network } from './faults/network.js'
import { currentLeader, Nemesis, sleep, type FaultRecord } from './faults/nemesis.js'
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
  const ctx: Ctx = { options, log: stamp, recorder, target, network, hosts: ports.map((p) => `127.0.0.1:${p.clientPort}`) }
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

async function runWorkload(ctx: Ctx, initial: Record<string, RegisterState>, reportDir: string): Promise<RunResult> {
  const { options, recorder, log, target, network } = ctx
  const schedule: ScheduledFault[] = planSchedule({ seed: options.seed, durationMs: options.durationMs, faults: options.faults, members: options.members, sessionTimeoutMs: options.sessionTimeoutMs, tickTimeMs: options.tickTimeMs })
  log(`schedule (seed ${options.seed}): ${schedule.length} faults`)
  const rng = new Rng(options.seed ^ 0x5eed)
  const workload = { hosts: ctx.hosts, registers: options.registers, processes: options.processes, opsPerSecond: options.opsPerSecond, sessionTimeoutMs: options.sessionTimeoutMs, opTimeoutMs: options.sessionTimeoutMs }
  const workers = Array.from({ length: options.processes }, (_, i) => new Worker(i, workload, recorder, rng.fork(i)))
  const owners = new Owners({ hosts: ctx.hosts, sessionTimeoutMs: options.sessionTimeoutMs, everyMs: 8_000, maxAlive: 3, nodesPerOwner: 3, now: () => recorder.now(), log }, rng.fork(1_000))
  const nemesis = new Nemesis({ target, network, now: () => recorder.now(), log, recoveryTimeoutMs: 60_000 })
  const monitor = new Monitor(target, () => recorder.now())
  const monitoring = new AbortController()
  const stop = new AbortController()
  const monitorRun = monitor.run(monitoring.signal)
  const running = [...workers.map((w) => w.run(stop.signal)), owners.run(stop.signal)]
  const brokenRecords: FaultRecord[] = []
  const faultRun = options.broken === undefined ? nemesis.run(schedule, stop.signal) : breakEnsemble(options.broken, { target, network, now: () => recorder.now(), log, recoveryTimeoutMs: 60_000 }, brokenRecords, stop.signal)
  const timer = setTimeout(() => stop.abort(), options.durationMs)
  const notes: string[] = []
  try {
    await faultRun
    await sleep(Math.max(0, options.durationMs - recorder.now()), stop.signal)
  } finally {
    clearTimeout(timer)
    stop.abort()
    await nemesis.healAll()
  }
  log('workload stopping; healed')
  await Promise.all(running)
  await Promise.all(workers.map((w) => w.close()))
  await owners.stopAll()
  if (recorder.full) notes.push(`the history reached its bound of ${recorder.maxOps} operations; workers stopped early`)
  const recoveredMs = await waitForRecovery(ctx, 120_000).then(
    (ms) => ms,
    (error: Error) => {
      notes.push(`no recovery: ${error.message}`)
      return undefined
    },
  )
  await waitForEphemeralExpiry(ctx, owners.owners.filter((o) => o.how !== 'alive').map((o) => o.sessionId), notes)
  const trees = recoveredMs === undefined ? [] : await readTrees(ctx, notes)
  monitoring.abort()
  await monitorRun
  const history: History = {
    ops: recorder.ops,
    initial,
    ...(trees[0] ? finalsFrom(trees[0]) : { finalRegisters: {}, finalQueue: [], finalEphemerals: [] }),
    owners: owners.owners.map(({ index: _index, ...owner }) => owner),
    trees,
  }
  log(`checking ${recorder.ops.length} operations`)
  const check = checkHistory(history, { maxSteps: options.maxSteps })
  const verdict = recoveredMs === undefined || trees.length === 0 ? 'fail' : check.verdict
  const report: ChaosReport = {
    verdict,
    target: target.description,
    options: { ...options },
    durationMs: recorder.now(),
    recoveryMs: recoveredMs,
    schedule,
    faults: options.broken === undefined ? nemesis.records : brokenRecords,
    leaderChanges: monitor.leaderChanges(),
    modeSamples: monitor.samples,
    counts: check.counts,
    sections: check.sections,
    notes,
  }
  writeReport(reportDir, report, history)
  writeFileSync(join(reportDir, 'members.txt'), target.members.map((m) => `member ${m.id}: client ${m.clientPort}, quorum ${m.quorumPort}, election ${m.electionPort}`).join('\n') + '\n')
  return { report, check, reportDir }
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
    notes.push('ephemerals of ended sessions were still there when the wait for their expiry ran out')
  } finally {
    await zk.close().catch(() => undefined)
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
