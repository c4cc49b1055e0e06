/**
 * Lock benchmark, ours against kazoo's Lock on the same server in the same run:
 * - uncontended acquire + release per second (one client, one contender);
 * - handoff latency (release -> the next holder's acquire resolves), p50 / p99, with 10 and 100
 *   waiters: W + 1 contenders on 10 clients, each holding 2 ms, so W always wait.
 * Both sides run the same loop. Server: Apache ZooKeeper 3.8 standalone (@zoo/testkit),
 * tickTime 2000, on 127.0.0.1.
 *
 * Fairness: the server's JIT warms up over the first seconds of load, so both sides first run
 * an unmeasured warm-up; then the measured runs alternate (ours, kazoo, kazoo, ours, ...) and
 * each side's samples are pooled. The first W + 1 handoffs of a run (every contender's first
 * turn, while the others are still joining) are not samples: they measure the join burst.
 * Env: BENCH_SECONDS (uncontended, per run, default 3), BENCH_HANDOFFS (per run, default 300),
 * BENCH_ROUNDS (default 2: ours+kazoo, then kazoo+ours), BENCH_WARMUP_SECONDS (default 2).
 */
import { spawn } from 'node:child_process'
import { loadavg } from 'node:os'
import { fileURLToPath } from 'node:url'
import { createClient, type ZooKeeperClient } from '@zoo/client'
import { startApacheZooKeeper } from '@zoo/testkit'
import { Mutex } from '../src/index.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const HANDOFFS = Number(process.env.BENCH_HANDOFFS ?? 300)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 2)
const WARMUP_SECONDS = Number(process.env.BENCH_WARMUP_SECONDS ?? 2)
const WAITERS = [10, 100]
const CLIENTS = 10
const HOLD_MS = 2

/** One side's measurements of one run: uncontended cycles in `seconds`, handoff samples (ms) per waiter count. */
interface Run {
  uncontended: { count: number; seconds: number }
  handoffMs: number[][]
}

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!

async function uncontended(zk: ZooKeeperClient, path: string, seconds: number): Promise<{ count: number; seconds: number }> {
  const mutex = new Mutex(zk, path, { id: 'u' })
  let count = 0
  const start = performance.now()
  const end = start + seconds * 1_000
  while (performance.now() < end) {
    const lease = await mutex.acquire()
    await lease.release()
    count++
  }
  return { count, seconds: (performance.now() - start) / 1_000 }
}

async function handoff(clients: ZooKeeperClient[], path: string, waiters: number, handoffs: number): Promise<number[]> {
  const samples: number[] = []
  const skip = waiters + 1
  let seen = 0
  let lastRelease: bigint | undefined
  let stop = false
  const contender = async (i: number) => {
    const mutex = new Mutex(clients[i % clients.length]!, path, { id: `c${i}` })
    while (!stop) {
      const lease = await mutex.acquire()
      const now = process.hrtime.bigint()
      if (lastRelease !== undefined && ++seen > skip) samples.push(Number(now - lastRelease) / 1e6)
      if (samples.length >= handoffs) stop = true
      await new Promise((resolve) => setTimeout(resolve, HOLD_MS))
      lastRelease = process.hrtime.bigint()
      await lease.release()
    }
  }
  await Promise.all(Array.from({ length: waiters + 1 }, (_, i) => contender(i)))
  return samples
}

async function ours(clients: ZooKeeperClient[], tag: string, seconds: number, handoffs: number): Promise<Run> {
  const run: Run = { uncontended: await uncontended(clients[0]!, `/bench/zoo-uncontended-${tag}`, seconds), handoffMs: [] }
  for (const waiters of WAITERS) run.handoffMs.push(await handoff(clients, `/bench/zoo-handoff-${waiters}-${tag}`, waiters, handoffs))
  return run
}

function kazoo(connectString: string, tag: string, seconds: number, handoffs: number): Promise<Run> {
  const script = fileURLToPath(new URL('./kazoo_lock_bench.py', import.meta.url))
  const args = [script, connectString, String(seconds), String(handoffs), WAITERS.join(','), tag]
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', args, { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`kazoo bench exited ${code}`))))
  })
}

function pooled(runs: Run[]) {
  const count = runs.reduce((sum, r) => sum + r.uncontended.count, 0)
  const seconds = runs.reduce((sum, r) => sum + r.uncontended.seconds, 0)
  return {
    uncontendedPerSecond: count / seconds,
    handoff: WAITERS.map((waiters, i) => {
      const samples = runs.flatMap((r) => r.handoffMs[i]!)
      return { waiters, samples: samples.length, p50Ms: percentile(samples, 0.5), p99Ms: percentile(samples, 0.99) }
    }),
  }
}

const load = () => loadavg().map((l) => l.toFixed(1)).join(' ')
const loadBefore = load()
const server = await startApacheZooKeeper({ members: 1 })
try {
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => createClient(server.connectString, { sessionTimeoutMs: 10_000 })))
  await clients[0]!.mkdirp('/bench')
  // Unmeasured: warms the server's JIT (and both clients) on the paths measured below.
  await ours(clients, 'warmup', WARMUP_SECONDS, 100)
  await kazoo(server.connectString, 'warmup', WARMUP_SECONDS, 100)
  const zoo: Run[] = []
  const kz: Run[] = []
  for (let round = 1; round <= ROUNDS; round++) {
    const sides = [async () => zoo.push(await ours(clients, `r${round}`, SECONDS, HANDOFFS)), async () => kz.push(await kazoo(server.connectString, `r${round}`, SECONDS, HANDOFFS))]
    for (const side of round % 2 === 1 ? sides : sides.reverse()) await side()
  }
  await Promise.all(clients.map((c) => c.close()))
  const a = pooled(zoo)
  const b = pooled(kz)
  console.log(`Apache ZooKeeper 3.8 standalone on 127.0.0.1, node ${process.version}; warm-up ${WARMUP_SECONDS} s + 100 handoffs each, then ${ROUNDS} alternating rounds pooled: ${SECONDS} s uncontended and ${HANDOFFS} handoffs per row per round (first lap not sampled), ${CLIENTS} clients, hold ${HOLD_MS} ms; load average ${loadBefore} before, ${load()} after`)
  console.log('| measure | @zoo/lock Mutex | kazoo Lock |')
  console.log('|---|---|---|')
  console.log(`| uncontended acquire+release / s | ${a.uncontendedPerSecond.toFixed(0)} | ${b.uncontendedPerSecond.toFixed(0)} |`)
  for (let i = 0; i < WAITERS.length; i++) {
    const x = a.handoff[i]!
    const y = b.handoff[i]!
    console.log(`| handoff p50 / p99, ${x.waiters} waiters (ms) | ${x.p50Ms.toFixed(2)} / ${x.p99Ms.toFixed(2)} | ${y.p50Ms.toFixed(2)} / ${y.p99Ms.toFixed(2)} |`)
  }
} finally {
  await server.stop()
}
