/**
 * The lock demo: starts a local 3-member cluster (or redis-server with --backend redis), runs
 * worker processes that increment a counter in a shared file under the lock (checked by the
 * fencing token), kills the lock holder with kill -9, later the cluster leader, prints a timeline,
 * and ends by checking the file: completed sections == counter, and no two overlapped.
 *
 * usage: tsx --conditions=zoo-source src/main.ts [--backend zookeeper|redis] [--target zoo|apache] [--workers 4] [--seconds 24]
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { parseLocalTarget, startLocalCluster, startRedis, tempDir } from '@zoo/testkit'
import { createLedger, readLedger } from './resource.js'

const { values } = parseArgs({
  options: {
    backend: { type: 'string', default: 'zookeeper' },
    target: { type: 'string' },
    workers: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '24' },
  },
})
const backend = values.backend === 'redis' ? 'redis' : 'zookeeper'
if (values.backend !== backend) throw new Error(`--backend must be zookeeper or redis, not ${values.backend}`)
const TARGET = parseLocalTarget(values.target)
const WORKERS = Number(values.workers)
const RUN_MS = Number(values.seconds) * 1_000

interface Cluster {
  connect: string
  describe: string
  /** kills the leader (ZooKeeper) and says which; undefined when the backend has none */
  killLeader?: () => Promise<string>
  stop: () => Promise<void>
}

/** redis-server, or a 3-member zoo cluster (Apache ZooKeeper 3.8 with `--target apache`), on 127.0.0.1. */
async function startBackend(): Promise<Cluster> {
  if (backend === 'redis') {
    const redis = await startRedis()
    return { connect: redis.url, describe: `redis-server on ${redis.url}`, stop: redis.stop }
  }
  const cluster = await startLocalCluster({ target: TARGET, members: 3 })
  return {
    connect: cluster.connectString,
    describe: `${cluster.description} on ${cluster.connectString}`,
    killLeader: async () => {
      const id = await cluster.leader()
      if (id === undefined) return 'nobody (no leader found)'
      await cluster.kill(id)
      return `member ${id} (${cluster.addresses.get(id)})`
    },
    stop: cluster.stop,
  }
}

interface Event {
  ns: string
  worker: string
  event: string
  token?: string
  waitedMs?: number
  counter?: number
  reason?: string
  message?: string
}

const t0 = process.hrtime.bigint()
const since = (ns: bigint | string) => `+${(Number(BigInt(ns) - t0) / 1e9).toFixed(3)}s`.padStart(9)
const events: Event[] = []
const holders = new Map<string, string>()

function say(ns: bigint | string, who: string, what: string): void {
  console.log(`${since(ns)}  ${who.padEnd(8)} ${what}`)
}

function show(e: Event): void {
  if (e.event === 'acquired') {
    holders.set(e.worker, e.token!)
    say(e.ns, e.worker, `acquired   token ${e.token}  (waited ${e.waitedMs} ms)`)
  } else if (e.event === 'released') {
    holders.delete(e.worker)
    say(e.ns, e.worker, `released   counter -> ${e.counter}`)
  } else if (e.event === 'lost') {
    holders.delete(e.worker)
    say(e.ns, e.worker, `LOST the lock mid-section: ${e.reason} (wrote nothing)`)
  } else if (e.event === 'error') say(e.ns, e.worker, `error: ${e.message}`)
}

const workerScript = fileURLToPath(new URL('./worker.ts', import.meta.url))
const children = new Map<string, ChildProcess>()
let spawned = 0

function startWorker(connect: string, file: string): void {
  const name = `w${++spawned}`
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=zoo-source', workerScript, backend, connect, file, name], { stdio: ['ignore', 'pipe', 'inherit'] })
  children.set(name, child)
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      const event = JSON.parse(line) as Event
      events.push(event)
      show(event)
    } catch {
      console.log(`${name}: ${line}`)
    }
  })
  child.on('exit', () => children.delete(name))
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function main(): Promise<number> {
  const dir = tempDir('lock-demo')
  const file = `${dir.path}/ledger.json`
  createLedger(file)
  console.log(`starting a local cluster (${backend === 'redis' ? 'redis' : TARGET}) ...`)
  const cluster = await startBackend()
  console.log(`${cluster.describe}\nshared file ${file}; ${WORKERS} workers; ${RUN_MS / 1000} s\n`)
  const kills: { ns: bigint; what: string }[] = []
  try {
    for (let i = 0; i < WORKERS; i++) startWorker(cluster.connect, file)
    for (let i = 0; i < 600 && events.filter((e) => e.event === 'ready').length < WORKERS; i++) await sleep(50)
    await sleep(RUN_MS * 0.2)
    for (let i = 0; i < 100 && holders.size === 0; i++) await sleep(20)
    const [victim, token] = [...holders.entries()][0] ?? []
    if (victim) {
      const ns = process.hrtime.bigint()
      children.get(victim)?.kill('SIGKILL')
      holders.delete(victim)
      kills.push({ ns, what: `holder ${victim}` })
      say(ns, 'demo', `*** kill -9 ${victim}, the holder of token ${token}; its ${backend === 'redis' ? 'key expires after its ttl' : 'session expires after its timeout'} ***`)
      startWorker(cluster.connect, file)
    }
    // Long enough for the dead holder's session to expire first, so the two faults show apart.
    await sleep(RUN_MS * 0.4)
    if (cluster.killLeader) {
      const ns = process.hrtime.bigint()
      const who = await cluster.killLeader()
      kills.push({ ns, what: 'cluster leader' })
      say(ns, 'demo', `*** kill -9 the cluster leader: ${who} ***`)
    }
    await sleep(RUN_MS * 0.4)
    say(process.hrtime.bigint(), 'demo', 'stopping the workers (SIGTERM: each finishes its section)')
    for (const child of children.values()) child.kill('SIGTERM')
    for (let i = 0; i < 200 && children.size > 0; i++) await sleep(50)
    for (const child of children.values()) child.kill('SIGKILL')
    return report(file, kills)
  } finally {
    await cluster.stop()
    dir.remove()
  }
}

function report(file: string, kills: { ns: bigint; what: string }[]): number {
  const ledger = readLedger(file)
  const sections = [...ledger.sections].sort((a, b) => (BigInt(a.startNs) < BigInt(b.startNs) ? -1 : 1))
  let overlaps = 0
  for (let i = 1; i < sections.length; i++) if (BigInt(sections[i]!.startNs) < BigInt(sections[i - 1]!.endNs)) overlaps++
  const tokensGrow = sections.every((s, i) => i === 0 || BigInt(s.token) > BigInt(sections[i - 1]!.token))
  const acquired = events.filter((e) => e.event === 'acquired')
  const waits = acquired.map((e) => e.waitedMs!).sort((a, b) => a - b)
  console.log('\n--- summary')
  for (const kill of kills) {
    const next = acquired.find((e) => BigInt(e.ns) > kill.ns)
    console.log(`after kill -9 of the ${kill.what}: next lock grant ${next ? `${(Number(BigInt(next.ns) - kill.ns) / 1e6).toFixed(0)} ms later (${next.worker})` : 'never'}`)
  }
  const handoffs = events.filter((e) => e.event === 'released').map((r) => acquired.find((a) => BigInt(a.ns) > BigInt(r.ns)))
  const gaps = events
    .filter((e) => e.event === 'released')
    .map((r, i) => (handoffs[i] ? Number(BigInt(handoffs[i]!.ns) - BigInt(r.ns)) / 1e6 : undefined))
    .filter((g): g is number => g !== undefined)
    .sort((a, b) => a - b)
  console.log(`graceful handoff (release -> next grant): median ${gaps[Math.floor(gaps.length / 2)]?.toFixed(1) ?? '-'} ms over ${gaps.length}`)
  console.log(`waits: median ${waits[Math.floor(waits.length / 2)] ?? '-'} ms, max ${waits.at(-1) ?? '-'} ms`)
  console.log(`completed critical sections: ${sections.length}; counter in the file: ${ledger.counter}`)
  console.log(`overlapping sections: ${overlaps}; stale-token writes refused: ${ledger.refused}; tokens strictly increasing: ${tokensGrow}`)
  const ok = sections.length === ledger.counter && overlaps === 0 && tokensGrow && sections.length > 0
  console.log(ok ? 'OK: every completed section is counted once, none overlapped' : 'FAILED')
  return ok ? 0 : 1
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error)
    for (const child of children.values()) child.kill('SIGKILL')
    process.exit(1)
  },
)
