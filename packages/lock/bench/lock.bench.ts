/**
 * Lock benchmark, ours against kazoo's Lock on the same server in the same run:
 * - uncontended acquire + release per second (one client, one contender);
 * - handoff latency (release -> the next holder's acquire resolves), p50 / p99, with 10 and 100
 *   waiters: W + 1 contenders on 10 clients, each holding 2 ms, so W always wait.
 * Both sides run the same loop. Server: Apache ZooKeeper 3.8 standalone (@zoo/testkit),
 * tickTime 2000, on 127.0.0.1. Env: BENCH_SECONDS (uncontended, default 3), BENCH_HANDOFFS (default 300).
 */
import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { createClient, type ZooKeeperClient } from '@zoo/client'
import { startApacheZooKeeper } from '@zoo/testkit'
import { Mutex } from '../src/index.js'

const SECONDS = Number(process.env.BENCH_SECONDS ?? 3)
const HANDOFFS = Number(process.env.BENCH_HANDOFFS ?? 300)
const WAITERS = [10, 100]
const CLIENTS = 10
const HOLD_MS = 2

const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!

async function uncontended(zk: ZooKeeperClient): Promise<number> {
  const mutex = new Mutex(zk, '/bench/zoo-uncontended', { id: 'u' })
  let count = 0
  const end = performance.now() + SECONDS * 1_000
  while (performance.now() < end) {
    const lease = await mutex.acquire()
    await lease.release()
    count++
  }
  return count / SECONDS
}

async function handoff(clients: ZooKeeperClient[], waiters: number): Promise<{ waiters: number; handoffs: number; p50Ms: number; p99Ms: number }> {
  const path = `/bench/zoo-handoff-${waiters}`
  const samples: number[] = []
  let lastRelease: bigint | undefined
  let stop = false
  const contender = async (i: number) => {
    const mutex = new Mutex(clients[i % clients.length]!, path, { id: `c${i}` })
    while (!stop) {
      const lease = await mutex.acquire()
      const now = process.hrtime.bigint()
      if (lastRelease !== undefined) samples.push(Number(now - lastRelease) / 1e6)
      if (samples.length >= HANDOFFS) stop = true
      await new Promise((resolve) => setTimeout(resolve, HOLD_MS))
      lastRelease = process.hrtime.bigint()
      await lease.release()
    }
  }
  await Promise.all(Array.from({ length: waiters + 1 }, (_, i) => contender(i)))
  return { waiters, handoffs: samples.length, p50Ms: percentile(samples, 0.5), p99Ms: percentile(samples, 0.99) }
}

function kazoo(connectString: string): Promise<{ uncontendedPerSecond: number; handoff: { waiters: number; handoffs: number; p50Ms: number; p99Ms: number }[] }> {
  const script = fileURLToPath(new URL('./kazoo_lock_bench.py', import.meta.url))
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', [script, connectString, String(SECONDS), String(HANDOFFS), WAITERS.join(',')], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`kazoo bench exited ${code}`))))
  })
}

const server = await startApacheZooKeeper({ members: 1 })
try {
  const clients = await Promise.all(Array.from({ length: CLIENTS }, () => createClient(server.connectString, { sessionTimeoutMs: 10_000 })))
  await clients[0]!.mkdirp('/bench')
  const ours = { uncontendedPerSecond: await uncontended(clients[0]!), handoff: [] as Awaited<ReturnType<typeof handoff>>[] }
  for (const waiters of WAITERS) ours.handoff.push(await handoff(clients, waiters))
  await Promise.all(clients.map((c) => c.close()))
  const theirs = await kazoo(server.connectString)
  console.log(`Apache ZooKeeper 3.8 standalone on 127.0.0.1, node ${process.version}; ${SECONDS} s uncontended, ${HANDOFFS} handoffs per row, ${CLIENTS} clients, hold ${HOLD_MS} ms`)
  console.log('| measure | @zoo/lock Mutex | kazoo Lock |')
  console.log('|---|---|---|')
  console.log(`| uncontended acquire+release / s | ${ours.uncontendedPerSecond.toFixed(0)} | ${theirs.uncontendedPerSecond.toFixed(0)} |`)
  for (let i = 0; i < WAITERS.length; i++) {
    const a = ours.handoff[i]!
    const b = theirs.handoff[i]!
    console.log(`| handoff p50 / p99, ${a.waiters} waiters (ms) | ${a.p50Ms.toFixed(2)} / ${a.p99Ms.toFixed(2)} | ${b.p50Ms.toFixed(2)} / ${b.p99Ms.toFixed(2)} |`)
  }
} finally {
  await server.stop()
}
