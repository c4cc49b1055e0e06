// The member's counters and summaries: what `mntr`, the admin `monitor` command and /metrics
// report. Counting is O(1) per event; percentiles are computed when someone asks.
import { Gauge, Registry, collectDefaultMetrics } from 'prom-client'
import { LEADER_ONLY_VALUES, MONITOR_VALUES, PERCENTILE_SUMMARIES, QUORUM_ONLY_VALUES, SUMMARIES, SUMMARY_SETS } from './metric-names.js'
import type { MonitorValueName, SummaryName, SummarySetName } from './metric-names.js'
import { javaDouble, PERCENTILES, Summary } from './summary.js'
import type { ServerMode } from './status.js'

export type MonitorEntry = [string, number | string]
/** Values the member computes at report time (connections, znode count, ...). */
export type LiveValues = Partial<Record<MonitorValueName, number | string>>

/** Values Apache prints as Java doubles ("0.0"). */
const DOUBLE_VALUES: ReadonlySet<string> = new Set(['avg_latency', 'connection_drop_probability'])

/** Bound on distinct keys per summary set (namespaces are client-chosen). */
export const MAX_SUMMARY_SET_KEYS = 256

export class ServerMetrics {
  private readonly values = new Map<MonitorValueName, number>()
  private readonly summaries = new Map<SummaryName, Summary>()
  private readonly sets = new Map<SummarySetName, Map<string, Summary>>()
  readonly startedAtMs = Date.now()

  constructor() {
    for (const name of SUMMARIES) this.summaries.set(name, new Summary(false))
    for (const name of PERCENTILE_SUMMARIES) this.summaries.set(name, new Summary(true))
    for (const name of SUMMARY_SETS) this.sets.set(name, new Map())
    this.resetResponseSizes()
  }

  inc(name: MonitorValueName, by = 1): void {
    this.values.set(name, (this.values.get(name) ?? 0) + by)
  }

  set(name: MonitorValueName, value: number): void {
    this.values.set(name, value)
  }

  get(name: MonitorValueName): number {
    return this.values.get(name) ?? 0
  }

  observe(name: SummaryName, value: number): void {
    ;(this.summaries.get(name) as Summary).observe(value)
  }

  summary(name: SummaryName): Summary {
    return this.summaries.get(name) as Summary
  }

  /** `key` is e.g. a top-level namespace; beyond MAX_SUMMARY_SET_KEYS new keys share one bucket. */
  observeIn(set: SummarySetName, key: string, value: number): void {
    const summaries = this.sets.get(set) as Map<string, Summary>
    let summary = summaries.get(key)
    if (summary === undefined) {
      if (summaries.size >= MAX_SUMMARY_SET_KEYS) key = 'other'
      summary = summaries.get(key) ?? new Summary(false)
      summaries.set(key, summary)
    }
    summary.observe(value)
  }

  /** Apache's last/min/max_client_response_size. */
  responseSize(bytes: number): void {
    this.set('last_client_response_size', bytes)
    const min = this.get('min_client_response_size')
    if (min < 0 || bytes < min) this.set('min_client_response_size', bytes)
    if (bytes > this.get('max_client_response_size')) this.set('max_client_response_size', bytes)
  }

  /** `srst`: resets the request statistics (latency, packet and response-size counters). */
  resetStatistics(): void {
    for (const name of ['packets_sent', 'packets_received'] as const) this.values.delete(name)
    this.resetResponseSizes()
    for (const summary of this.summaries.values()) summary.reset()
  }

  private resetResponseSizes(): void {
    this.set('last_client_response_size', -1)
    this.set('min_client_response_size', -1)
    this.set('max_client_response_size', -1)
  }

  /** mntr's entries in Apache's order: live values first where given, then our counters. */
  monitor(live: LiveValues, mode: ServerMode): MonitorEntry[] {
    const quorum = mode !== 'standalone'
    const entries: MonitorEntry[] = []
    for (const name of MONITOR_VALUES) {
      if (LEADER_ONLY_VALUES.has(name) && mode !== 'leader') continue
      if (QUORUM_ONLY_VALUES.has(name) && !quorum) continue
      const value = live[name] ?? this.get(name)
      entries.push([name, DOUBLE_VALUES.has(name) && typeof value === 'number' ? javaDouble(value) : value])
    }
    for (const name of [...SUMMARIES, ...PERCENTILE_SUMMARIES]) entries.push(...this.summary(name).entries(name))
    for (const [set, summaries] of this.sets) {
      for (const [key, summary] of summaries) entries.push(...summary.entries(`${key}_${set}`))
    }
    return entries
  }

  /**
   * A prom-client registry for /metrics: process metrics, every numeric mntr value as a gauge,
   * summaries as `<name>_count`/`<name>_sum` (and `<name>{quantile}` where mntr has percentiles).
   * `refresh` is called before each scrape with the current mntr entries.
   */
  prometheus(): { registry: Registry; refresh: (entries: MonitorEntry[]) => void } {
    const registry = new Registry()
    collectDefaultMetrics({ register: registry })
    const gauges = new Map<string, Gauge>()
    const gauge = (name: string, help: string, labelNames: string[] = []): Gauge => {
      let g = gauges.get(name)
      if (g === undefined) {
        g = new Gauge({ name, help, labelNames, registers: [registry] })
        gauges.set(name, g)
      }
      return g
    }
    const plain = new Set<string>(MONITOR_VALUES)
    const refresh = (entries: MonitorEntry[]): void => {
      for (const [name, value] of entries) {
        if (plain.has(name) && typeof value === 'number') gauge(name, `mntr zk_${name}`).set(value)
      }
      for (const [name, summary] of this.summaries) {
        gauge(`${name}_count`, `count of ${name}`).set(summary.count)
        gauge(`${name}_sum`, `sum of ${name}`).set(summary.sum)
        if (summary.withPercentiles) {
          const q = gauge(name, `${name} quantiles over the last samples`, ['quantile'])
          for (const [, p] of PERCENTILES) q.set({ quantile: String(p) }, summary.percentile(p))
        }
      }
      for (const [set, summaries] of this.sets) {
        const count = gauge(`${set}_count`, `count of ${set}`, ['key'])
        const sum = gauge(`${set}_sum`, `sum of ${set}`, ['key'])
        for (const [key, summary] of summaries) {
          count.set({ key }, summary.count)
          sum.set({ key }, summary.sum)
        }
      }
    }
    return { registry, refresh }
  }
}
