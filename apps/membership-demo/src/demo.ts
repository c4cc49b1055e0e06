/**
 * The demo script: worker processes join a group on a local 3-member cluster while a live view
 * (group.watch()) prints every change. One worker is killed with SIGKILL, another is paused
 * (SIGSTOP) past its session timeout and then resumed; the view shows each leave and the paused
 * one's return, and a table at the end gives the timings.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { createClient } from '@zoo/client'
import { Group, type GroupSnapshot, type GroupUpdate } from '@zoo/membership'
import { startLocalCluster, type LocalTarget } from '@zoo/testkit'
import { WorkerInfo } from './schema.js'
import type { WorkerInfo as Info } from './schema.js'

export interface DemoOptions {
  workers?: number
  sessionTimeoutMs?: number
  /** how long the paused worker stays stopped past its session timeout */
  pauseBeyondTimeoutMs?: number
  /** what serves the local cluster: zoo (default) or Apache ZooKeeper 3.8 */
  target?: LocalTarget
}

export interface DemoResult {
  sessionTimeoutMs: number
  tickTimeMs: number
  /** SIGKILL -> the view no longer lists the worker */
  killedGoneMs: number
  /** SIGSTOP -> the view no longer lists the worker */
  pausedGoneMs: number
  /** SIGCONT -> the view lists the worker again */
  resumedBackMs: number
  /** what the paused worker itself said after SIGCONT */
  pausedWorkerSaid: string[]
  /** SIGTERM (leave) -> gone from the view, per worker */
  gracefulGoneMs: number[]
}

const GROUP = '/demo/workers'
/** The servers expire sessions on tick boundaries: a short tick keeps the timings near the timeout. */
const TICK_TIME_MS = 500
const WORKER = fileURLToPath(new URL('./worker.ts', import.meta.url))

interface Worker {
  name: string
  child: ChildProcess
  said: string[]
}

/** The live view: prints every update and lets the script wait for a state. */
class LiveView {
  snapshot: GroupSnapshot<Info> | undefined
  private waiters: { done: (s: GroupSnapshot<Info>) => boolean; resolve: (atMs: number) => void }[] = []

  constructor(private readonly log: (line: string) => void, private readonly stamp: () => string) {}

  async follow(updates: AsyncIterable<GroupUpdate<Info>>): Promise<void> {
    for await (const update of updates) {
      const atMs = performance.now()
      this.snapshot = update.snapshot
      const events = update.initial ? 'initial' : update.events.map((e) => `${e.type} ${e.member.id}`).join(', ')
      const folded = update.reads > 1 ? ` (${update.reads} reads folded)` : ''
      this.log(`${this.stamp()}  view: ${events.padEnd(28)} members: [${update.snapshot.ids.join(' ')}]${folded}`)
      this.waiters = this.waiters.filter((w) => (w.done(update.snapshot) ? (w.resolve(atMs), false) : true))
    }
  }

  /** Resolves with the time (performance.now) the view first showed a state satisfying `done`. */
  until(done: (s: GroupSnapshot<Info>) => boolean, what: string, timeoutMs = 60_000): Promise<number> {
    if (this.snapshot && done(this.snapshot)) return Promise.resolve(performance.now())
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`demo: timed out waiting for ${what}`)), timeoutMs)
      this.waiters.push({ done, resolve: (atMs) => (clearTimeout(timer), resolve(atMs)) })
    })
  }
}

function startWorker(name: string, connectString: string, sessionTimeoutMs: number, log: (line: string) => void, stamp: () => string): Worker {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=zoo-source', WORKER, connectString, GROUP, name, String(sessionTimeoutMs)], {
    stdio: ['ignore', 'pipe', 'inherit'],
    cwd: fileURLToPath(new URL('..', import.meta.url)),
  })
  const worker: Worker = { name, child, said: [] }
  createInterface({ input: child.stdout! }).on('line', (line) => {
    const message = JSON.parse(line) as Record<string, unknown>
    const { event, worker: _, atMs: __, ...rest } = message
    const detail = Object.keys(rest).length > 0 ? ` ${JSON.stringify(rest)}` : ''
    worker.said.push(`${String(event)}${detail}`)
    log(`${stamp()}  ${name} says: ${String(event)}${detail}`)
  })
  return worker
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(2)} s`

export async function runDemo(log: (line: string) => void, options: DemoOptions = {}): Promise<DemoResult> {
  const workerCount = options.workers ?? 5
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 4_000
  const pauseBeyondMs = options.pauseBeyondTimeoutMs ?? 3_000
  if (workerCount < 3) throw new RangeError('the demo needs at least 3 workers')
  const t0 = performance.now()
  const stamp = () => `+${((performance.now() - t0) / 1000).toFixed(3)}s`.padStart(9)
  log(`starting a local 3-member cluster (${options.target ?? 'zoo'})...`)
  const cluster = await startLocalCluster({ target: options.target, members: 3, tickTimeMs: TICK_TIME_MS })
  const workers: Worker[] = []
  const admin = await createClient(cluster.connectString, { sessionTimeoutMs: 10_000 })
  const view = new LiveView(log, stamp)
  const watch = new Group(admin, GROUP, { schema: WorkerInfo }).watch()
  const following = view.follow(watch)
  try {
    log(`${stamp()}  cluster up: ${cluster.description} at ${cluster.connectString}; watching ${GROUP}`)
    for (let i = 1; i <= workerCount; i++) workers.push(startWorker(`worker-${i}`, cluster.connectString, sessionTimeoutMs, log, stamp))
    await view.until((s) => s.size === workerCount, `all ${workerCount} workers to join`)
    log(`${stamp()}  all ${workerCount} workers listed; each has a ${sessionTimeoutMs} ms session timeout`)

    const killed = workers[1]!
    log(`${stamp()}  >>> SIGKILL ${killed.name} (pid ${killed.child.pid}): no goodbye, its session must time out`)
    const killedAt = performance.now()
    killed.child.kill('SIGKILL')
    const killedGoneMs = (await view.until((s) => !s.has(killed.name), `${killed.name} to leave`)) - killedAt
    log(`${stamp()}  <<< ${killed.name} gone from the view ${seconds(killedGoneMs)} after SIGKILL`)

    const paused = workers.at(-1)!
    const pauseMs = sessionTimeoutMs + pauseBeyondMs
    log(`${stamp()}  >>> SIGSTOP ${paused.name} (pid ${paused.child.pid}) for ${seconds(pauseMs)}: frozen, it cannot ping`)
    const stoppedAt = performance.now()
    paused.child.kill('SIGSTOP')
    const pausedGoneMs = (await view.until((s) => !s.has(paused.name), `${paused.name} to leave`)) - stoppedAt
    log(`${stamp()}  <<< ${paused.name} gone from the view ${seconds(pausedGoneMs)} after SIGSTOP (session expired)`)
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, stoppedAt + pauseMs - performance.now())))
    const saidBefore = paused.said.length
    log(`${stamp()}  >>> SIGCONT ${paused.name}: it finds its session gone and registers again`)
    const resumedAt = performance.now()
    paused.child.kill('SIGCONT')
    const resumedBackMs = (await view.until((s) => s.has(paused.name), `${paused.name} to come back`)) - resumedAt
    log(`${stamp()}  <<< ${paused.name} back in the view ${seconds(resumedBackMs)} after SIGCONT`)
    await new Promise((resolve) => setTimeout(resolve, 200))
    const pausedWorkerSaid = paused.said.slice(saidBefore)

    log(`${stamp()}  >>> SIGTERM the others: each leaves the group (deletes its node) before exiting`)
    const leaving = workers.filter((w) => w !== killed)
    const gracefulGoneMs = await Promise.all(
      leaving.map(async (w) => {
        const at = performance.now()
        w.child.kill('SIGTERM')
        return (await view.until((s) => !s.has(w.name), `${w.name} to leave`)) - at
      }),
    )
    const result: DemoResult = { sessionTimeoutMs, tickTimeMs: cluster.tickTimeMs, killedGoneMs, pausedGoneMs, resumedBackMs, pausedWorkerSaid, gracefulGoneMs }
    printSummary(log, result, killed.name, paused.name)
    return result
  } finally {
    for (const w of workers) {
      w.child.kill('SIGCONT')
      w.child.kill('SIGKILL')
    }
    await watch.return()
    await following.catch(() => undefined)
    await admin.close().catch(() => undefined)
    await cluster.stop()
  }
}

function printSummary(log: (line: string) => void, r: DemoResult, killed: string, paused: string): void {
  const limit = r.sessionTimeoutMs + 2_000
  log('')
  log(`timings (session timeout ${r.sessionTimeoutMs} ms; servers expire sessions on ${r.tickTimeMs} ms ticks):`)
  log(`  ${killed}, SIGKILL  -> gone from the view   ${seconds(r.killedGoneMs).padStart(8)}   (limit: session timeout + 2 s = ${seconds(limit)}) ${r.killedGoneMs <= limit ? 'ok' : 'OVER'}`)
  log(`  ${paused}, SIGSTOP  -> gone from the view   ${seconds(r.pausedGoneMs).padStart(8)}   ${r.pausedGoneMs <= limit ? 'ok' : 'OVER'}`)
  log(`  ${paused}, SIGCONT  -> back in the view     ${seconds(r.resumedBackMs).padStart(8)}   (it said: ${r.pausedWorkerSaid.join('; ')})`)
  log(`  SIGTERM (leave)    -> gone from the view   ${r.gracefulGoneMs.map((ms) => `${Math.round(ms)} ms`).join(', ')}`)
}
