// Side-by-side: a 3-member `zoo cluster` and a 3-member Apache ZooKeeper 3.8 ensemble on this
// machine, both with fsync on, the same tickTime, session timeout and snapshot interval, driven
// by the same load from @zoo/client: pipelined writes and reads over many sessions, latency
// percentiles, the unavailability window when the leader is killed, memory per member.
// Run: npm run bench -w @zoo/server [-- --sessions 32 --depth 16 --seconds 10 --target both]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { createClient } from '@zoo/client'
import type { ZooKeeperClient } from '@zoo/client'
import { freePort, startApacheZooKeeper } from '@zoo/testkit'
import { clusterDown, clusterKill, clusterStatus, clusterUp } from '../src/cli/cluster.js'

const { values: args } = parseArgs({
  options: {
    sessions: { type: 'string', default: '32' },
    depth: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '8' },
    bytes: { type: 'string', default: '100' },
    target: { type: 'string', default: 'both' },
    tick: { type: 'string', default: '2000' },
  },
})
const SESSIONS = Number(args.sessions)
const DEPTH = Number(args.depth)
const SECONDS = Number(args.seconds)
const VALUE = Buffer.alloc(Number(args.bytes), 120)
const TICK_MS = Number(args.tick)
const SESSION_TIMEOUT_MS = 10_000
const SNAP_COUNT = 100_000

interface Target {
  name: string
  connectString: string
  pids(): number[]
  killLeader(): Promise<void>
  stop(): Promise<void>
}

interface PhaseResult {
  opsPerSecond: number
  p50Ms: number
  p99Ms: number
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number)
}

/** Each session keeps DEPTH operations in flight for SECONDS; returns throughput and latency. */
async function phase(clients: ZooKeeperClient[], op: (zk: ZooKeeperClient, i: number) => Promise<unknown>): Promise<PhaseResult> {
  const latencies: number[] = []
  let done = 0
  const deadline = performance.now() + SECONDS * 1000
  const started = performance.now()
  await Promise.all(
    clients.flatMap((zk, i) =>
      Array.from({ length: DEPTH }, async () => {
        while (performance.now() < deadline) {
          const t0 = performance.now()
          await op(zk, i)
          latencies.push(performance.now() - t0)
          done++
        }
      }),
    ),
  )
  const elapsed = (performance.now() - started) / 1000
  latencies.sort((a, b) => a - b)
  return { opsPerSecond: done / elapsed, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) }
}

/** Longest gap between acknowledged writes of one client while the leader is killed. */
async function failoverWindowMs(target: Target): Promise<number> {
  const zk = await createClient(target.connectString, { sessionTimeoutMs: SESSION_TIMEOUT_MS })
  await zk.create('/failover', '').catch(() => undefined)
  let last = performance.now()
  let worst = 0
  let running = true
  const writer = (async () => {
    while (running) {
      try {
        await zk.create('/failover/w-', '', { mode: 'persistent-sequential' })
        const now = performance.now()
        worst = Math.max(worst, now - last)
        last = now
      } catch {
        await new Promise((r) => setTimeout(r, 5))
      }
    }
  })()
  await new Promise((r) => setTimeout(r, 1000))
  worst = 0
  await target.killLeader()
  const killedAt = performance.now()
  while (performance.now() - killedAt < 30_000 && last < killedAt) await new Promise((r) => setTimeout(r, 20))
  await new Promise((r) => setTimeout(r, 500))
  running = false
  await writer
  await zk.close()
  return worst
}

function rssMiB(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
    return kb / 1024
  } catch {
    return NaN
  }
}

async function measure(target: Target) {
  const clients = await Promise.all(Array.from({ length: SESSIONS }, () => createClient(target.connectString, { sessionTimeoutMs: SESSION_TIMEOUT_MS })))
  await clients[0]?.create('/bench', '').catch(() => undefined)
  await Promise.all(clients.map((zk, i) => zk.create(`/bench/s${i}`, VALUE).catch(() => undefined)))
  const writes = await phase(clients, (zk, i) => zk.setData(`/bench/s${i}`, VALUE))
  const reads = await phase(clients, (zk, i) => zk.getData(`/bench/s${i}`))
  const memory = target.pids().map(rssMiB)
  await Promise.all(clients.map((c) => c.close()))
  const failover = await failoverWindowMs(target)
  return { writes, reads, failover, memoryMiB: memory.reduce((a, b) => a + b, 0) / memory.length }
}

async function zooTarget(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), 'zoo-bench-'))
  const cli = { execPath: process.execPath, args: ['--import', 'tsx', '--conditions=zoo-source', fileURLToPath(new URL('../src/cli.ts', import.meta.url))] }
  let state
  for (let attempt = 0; ; attempt++) {
    try {
      state = await clusterUp({ nodes: 3, observers: 0, dir, clientPort: 21000 + Math.floor(Math.random() * 200) * 50, tickTimeMs: TICK_MS, extra: { snapCount: String(SNAP_COUNT), maxSessionTimeout: String(SESSION_TIMEOUT_MS * 2) } }, cli)
      break
    } catch (e) {
      if (attempt > 4 || !/in use/.test(String(e))) throw e
    }
  }
  const connectString = state.members.map((m) => `127.0.0.1:${m.clientPort}`).join(',')
  return {
    name: 'zoo',
    connectString,
    pids: () => state.members.map((m) => m.pid).filter((p): p is number => p !== undefined),
    killLeader: async () => {
      const leader = (await clusterStatus(dir)).find((m) => m.mode === 'leader')
      if (leader !== undefined) await clusterKill(dir, leader.id)
    },
    stop: async () => {
      await clusterDown(dir, { purge: true })
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

async function apacheTarget(): Promise<Target> {
  await freePort()
  const zk = await startApacheZooKeeper({
    members: 3,
    tickTimeMs: TICK_MS,
    config: { maxSessionTimeout: SESSION_TIMEOUT_MS * 2 },
    systemProperties: { 'zookeeper.snapCount': SNAP_COUNT, 'zookeeper.forceSync': 'yes' },
  })
  return {
    name: 'apache',
    connectString: zk.connectString,
    pids: () => zk.members.map((m) => m.process?.child.pid).filter((p): p is number => p !== undefined),
    killLeader: async () => {
      for (const m of zk.members) if ((await zk.mode(m.id)) === 'leader') return zk.kill(m.id)
    },
    stop: () => zk.stop(),
  }
}

const results: Record<string, Awaited<ReturnType<typeof measure>>> = {}
for (const name of args.target === 'both' ? ['apache', 'zoo'] : [args.target as string]) {
  const target = name === 'zoo' ? await zooTarget() : await apacheTarget()
  try {
    results[name] = await measure(target)
  } finally {
    await target.stop()
  }
}

const f = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-')
console.log(`\n3 members each, fsync on, tickTime ${TICK_MS} ms, session timeout ${SESSION_TIMEOUT_MS} ms, snapCount ${SNAP_COUNT}; ${SESSIONS} sessions x ${DEPTH} in flight, ${SECONDS} s per phase, ${VALUE.length}-byte values\n`)
console.log('| | writes/s | write p50 / p99 ms | reads/s | read p50 / p99 ms | failover window ms | RSS per member MiB |')
console.log('| --- | --- | --- | --- | --- | --- | --- |')
for (const [name, r] of Object.entries(results)) {
  console.log(`| ${name} | ${f(r.writes.opsPerSecond)} | ${f(r.writes.p50Ms, 1)} / ${f(r.writes.p99Ms, 1)} | ${f(r.reads.opsPerSecond)} | ${f(r.reads.p50Ms, 1)} / ${f(r.reads.p99Ms, 1)} | ${f(r.failover)} | ${f(r.memoryMiB)} |`)
}
const zoo = results.zoo
const apache = results.apache
if (zoo !== undefined && apache !== undefined) {
  console.log(`| zoo / apache | ${f(zoo.writes.opsPerSecond / apache.writes.opsPerSecond, 2)}x | | ${f(zoo.reads.opsPerSecond / apache.reads.opsPerSecond, 2)}x | | ${f(zoo.failover / apache.failover, 2)}x | ${f(zoo.memoryMiB / apache.memoryMiB, 2)}x |`)
}
