/**
 * Turns per-member samples into uPlot's columns: one shared time axis (seconds) and one column
 * per series. Members are polled a moment apart, so times are put on the poll grid first. A
 * slot a member has no sample in is `undefined` (uPlot draws across it: a poll that ran late),
 * while a sample without a value is `null` (a gap: the member was down or gave no figure).
 * Pure (tested in the unit tests).
 */
import type { HistoryView, Sample } from '../shared/api.js'

export type SampleField = 'requestsPerSec' | 'readP50Ms' | 'readP99Ms' | 'writeP50Ms' | 'writeP99Ms'

export interface SeriesSpec {
  member: string
  field: SampleField
}

export type Columns = [number[], ...(number | null | undefined)[][]]

export function alignSeries(history: HistoryView, specs: readonly SeriesSpec[]): Columns {
  const step = history.intervalMs
  const slot = (sample: Sample) => Math.round(sample.t / step)
  const slots = new Set<number>()
  for (const spec of specs) for (const sample of history.members[spec.member] ?? []) slots.add(slot(sample))
  const xs = [...slots].sort((a, b) => a - b)
  const index = new Map(xs.map((x, i) => [x, i]))
  const columns = specs.map((spec) => {
    const column: (number | null | undefined)[] = new Array(xs.length).fill(undefined)
    for (const sample of history.members[spec.member] ?? []) column[index.get(slot(sample))!] = sample[spec.field]
    return column
  })
  return [xs.map((x) => (x * step) / 1000), ...columns]
}
