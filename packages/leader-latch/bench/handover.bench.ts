/**
 * Handover time: from the leader process being killed (-9) or stopped gracefully (SIGTERM:
 * latch.close()) to the first write of a new leader accepted by the fenced resource, over
 * repeated runs against a local 3-member Apache ZooKeeper ensemble. Prints p50/p99/max.
 *
 *   npm run bench -w @zoo/leader-latch            (BENCH_RUNS=20 BENCH_SESSION_MS=2000 to change)
 */
import { setTimeout as sleep } from 'node:timers/promises'
import { startApacheZooKeeper } from '@zoo/testkit'
import { FenceServer, Fleet, spawnCandidate } from '../src/testing/index.js'

const RUNS = Number(process.env.BENCH_RUNS ?? 20)
const SESSION_TIMEOUT_MS = Number(process.env.BENCH_SESSION_MS ?? 2_000)
const TICK_MS = 500
const WORK_INTERVAL_MS = 5
const CANDIDATES = ['b1', 'b2', 'b3']

function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)]!
}

function summary(name: string, samples: number[]): string {
  const sorted = [...samples].sort((a, b) => a - b)
  const f = (x: number) => `${x.toFixed(0)} ms`
  return `${name.padEnd(22)} n=${sorted.length}  p50 ${f(quantile(sorted, 0.5))}  p99 ${f(quantile(sorted, 0.99))}  min ${f(sorted[0]!)}  max ${f(sorted.at(-1)!)}`
}

async function main(): Promise<void> {
  const zk = await startApacheZooKeeper({ members: 3, tickTimeMs: TICK_MS })
  const fence = await FenceServer.start()
  const fleet = new Fleet((id) => spawnCandidate({ connectString: zk.connectString, path: '/bench/latch', id, fencePort: fence.port, sessionTimeoutMs: SESSION_TIMEOUT_MS, workIntervalMs: WORK_INTERVAL_MS, serverTickTimeMs: TICK_MS }))
  const results: Record<'kill -9' | 'graceful close', number[]> = { 'kill -9': [], 'graceful close': [] }
  try {
    for (const id of CANDIDATES) fleet.launch(id)
    await fence.nextTerm(undefined, 30_000)
    for (let run = 0; run < RUNS * 2; run++) {
      const kind = run % 2 === 0 ? 'kill -9' : 'graceful close'
      // Let every candidate be queued (the one replaced last needs a moment to join).
      await sleep(1_000)
      const leader = fence.actingLeader()!
      const startMs = performance.now()
      const next = fence.nextTerm(leader.epoch, SESSION_TIMEOUT_MS * 5)
      await fleet.signal(leader.participant, kind === 'kill -9' ? 'SIGKILL' : 'SIGTERM')
      const record = await next
      results[kind].push(record.atMs - startMs)
      fleet.launch(leader.participant)
      process.stdout.write('.')
    }
    process.stdout.write('\n')
  } finally {
    await fleet.stopAll()
    await fence.close()
    await zk.stop()
  }
  console.log(`leader handover to a new leader acting (3 candidates, 3-member Apache ZooKeeper 3.8, tickTime ${TICK_MS} ms, session timeout ${SESSION_TIMEOUT_MS} ms, work every ${WORK_INTERVAL_MS} ms)`)
  for (const [name, samples] of Object.entries(results)) console.log(summary(name, samples))
}

await main()
