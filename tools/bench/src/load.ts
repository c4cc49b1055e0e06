// The load both server benchmarks drive: sessions each keeping `depth` operations in flight.
import type { ZooKeeperClient } from '@zoo/client'

export interface PhaseResult {
  /** Operations completed in the phase. */
  operations: number
  opsPerSecond: number
  p50Ms: number
  p99Ms: number
}

function percentile(sorted: number[], p: number): number {
  return sorted.length === 0 ? NaN : (sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] as number)
}

/** Each session keeps `depth` operations in flight for `seconds`; returns throughput and latency. */
export async function phase(
  clients: ZooKeeperClient[],
  op: (zk: ZooKeeperClient, i: number) => Promise<unknown>,
  { depth, seconds }: { depth: number; seconds: number },
): Promise<PhaseResult> {
  const latencies: number[] = []
  let done = 0
  const deadline = performance.now() + seconds * 1000
  const started = performance.now()
  await Promise.all(
    clients.flatMap((zk, i) =>
      Array.from({ length: depth }, async () => {
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
  return { operations: done, opsPerSecond: done / elapsed, p50Ms: percentile(latencies, 0.5), p99Ms: percentile(latencies, 0.99) }
}

export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
}
