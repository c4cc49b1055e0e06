// Running many seeds and summing up what they exercised.
import type { UnsafeTestFaults } from '../core/config.js'
import type { RunResult, RunStats } from './simulation.js'
import { Simulation } from './simulation.js'

export interface SeedRange {
  readonly start: number
  readonly count: number
  readonly voters: number
  readonly observers: number
  readonly faults?: UnsafeTestFaults
  readonly liveBoundTicks?: number
}

export interface Summary {
  readonly seeds: number
  readonly totals: RunStats
  readonly maxLiveTicks: number
  /** The first failing run, if any (the range stops there). */
  readonly failure: RunResult | undefined
  readonly elapsedMs: number
}

export function runSeed(seed: number, r: Omit<SeedRange, 'start' | 'count'>): RunResult {
  return new Simulation({ seed, voters: r.voters, observers: r.observers, ...(r.faults && { faults: r.faults }), ...(r.liveBoundTicks !== undefined && { liveBoundTicks: r.liveBoundTicks }) }).run()
}

/** Runs seeds start..start+count-1, stopping at the first violation. */
export function runSeeds(r: SeedRange, onProgress?: (done: number) => void): Summary {
  const began = performance.now()
  let totals: RunStats | undefined
  let maxLiveTicks = 0
  let seeds = 0
  for (let seed = r.start; seed < r.start + r.count; seed++) {
    const result = runSeed(seed, r)
    seeds++
    totals = totals === undefined ? structuredClone(result.stats) : add(totals, result.stats)
    maxLiveTicks = Math.max(maxLiveTicks, result.stats.liveTicks)
    if (result.violation !== undefined) return { seeds, totals, maxLiveTicks, failure: result, elapsedMs: performance.now() - began }
    onProgress?.(seeds)
  }
  return { seeds, totals: totals!, maxLiveTicks, failure: undefined, elapsedMs: performance.now() - began }
}

function add(a: RunStats, b: RunStats): RunStats {
  const out = { ...a, syncs: { ...a.syncs } }
  for (const k of Object.keys(b) as (keyof RunStats)[]) {
    if (k === 'syncs') for (const m of ['diff', 'trunc', 'snap'] as const) out.syncs[m] += b.syncs[m]
    else (out[k] as number) += b[k] as number
  }
  return out
}

export function formatSummary(r: SeedRange, s: Summary): string {
  const t = s.totals
  const what = `${r.voters} voters${r.observers > 0 ? ` + ${r.observers} observer${r.observers > 1 ? 's' : ''}` : ''}`
  const verdict = s.failure === undefined ? '0 violations' : `VIOLATION at seed ${s.failure.seed}`
  return (
    `zoo-sim: seeds ${r.start}..${r.start + s.seeds - 1} (${s.seeds}), ${what}: ${verdict}; ` +
    `${t.commits} commits, ${t.leadersEstablished} leaders established, ${t.epochsExhausted} counter rollovers, ` +
    `${t.crashes} crashes (${t.diskCrashes} at disk writes, ${t.powerFailures} power failures, ${t.tornTails} torn tails), ${t.partitions} partitions, ${t.linksDown} link-down notices, ` +
    `${t.messages} messages (${t.dropped} dropped, ${t.duplicated} duplicated), ` +
    `syncs diff/trunc/snap ${t.syncs.diff}/${t.syncs.trunc}/${t.syncs.snap}, ${t.barriersOk} barriers, ${t.channelRoundTrips} channel round trips, ` +
    `liveness <= ${s.maxLiveTicks} ticks (mean ${(t.liveTicks / s.seeds).toFixed(1)}), ${t.stalledLearners} stalled learners; ${(s.elapsedMs / 1000).toFixed(1)}s`
  )
}
