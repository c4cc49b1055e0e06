import { useEffect, useRef } from 'preact/hooks'
import uPlot from 'uplot'
import type { EnsembleSnapshot, HistoryView } from '../shared/api.js'
import { alignSeries, type SampleField, type SeriesSpec } from './chart-data.js'

const PALETTE = ['#2563eb', '#16a34a', '#db2777', '#ea580c', '#7c3aed', '#0891b2', '#ca8a04']

interface Line extends SeriesSpec {
  label: string
  color: string
  dashed: boolean
}

function memberLabel(snapshot: EnsembleSnapshot | undefined, key: string): string {
  const member = snapshot?.members.find((m) => m.key === key)
  return member?.id != null ? `server ${member.id}` : key
}

export function Charts({ history, snapshot }: { history: HistoryView | undefined; snapshot: EnsembleSnapshot | undefined }) {
  if (!history) return <p class="muted">Loading history…</p>
  const keys = snapshot ? snapshot.members.map((m) => m.key).filter((k) => k in history.members) : Object.keys(history.members)
  const lines = (fields: { field: SampleField; suffix: string; dashed: boolean }[]): Line[] =>
    keys.flatMap((member, i) =>
      fields.map(({ field, suffix, dashed }) => ({ member, field, dashed, label: `${memberLabel(snapshot, member)}${suffix}`, color: PALETTE[i % PALETTE.length]! })),
    )
  const percentiles = (prefix: 'read' | 'write') =>
    lines([
      { field: `${prefix}P99Ms`, suffix: ' p99', dashed: false },
      { field: `${prefix}P50Ms`, suffix: ' p50', dashed: true },
    ])
  return (
    <section class="charts" data-testid="charts">
      <Chart title="Requests per second" unit="req/s" history={history} lines={lines([{ field: 'requestsPerSec', suffix: '', dashed: false }])} />
      <Chart title="Read latency p50 / p99" unit="ms" history={history} lines={percentiles('read')} />
      <Chart title="Write latency p50 / p99" unit="ms" history={history} lines={percentiles('write')} />
      <p class="muted small">
        Requests/s from each member's request counters between polls; latency percentiles as the members report them (<code>mntr</code> or the AdminServer). A member that only answers{' '}
        <code>srvr</code> has no percentiles. Dashed: p50.
      </p>
    </section>
  )
}

function Chart({ title, unit, history, lines }: { title: string; unit: string; history: HistoryView; lines: Line[] }) {
  const holder = useRef<HTMLDivElement>(null)
  const plot = useRef<uPlot | null>(null)
  const shape = lines.map((l) => l.label).join('|')
  useEffect(() => {
    const element = holder.current!
    const options: uPlot.Options = {
      width: element.clientWidth || 800,
      height: 220,
      series: [{}, ...lines.map((l) => ({ label: l.label, stroke: l.color, width: 2, dash: l.dashed ? [6, 4] : undefined, points: { show: false }, spanGaps: false }))],
      axes: [
        { stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#eef2f7' } },
        { stroke: '#64748b', grid: { stroke: '#eef2f7' }, ticks: { stroke: '#eef2f7' }, size: 56, label: unit, labelSize: 18 },
      ],
      scales: { x: { time: true }, y: { range: (_u, min, max) => [0, Math.max(max ?? 1, min ?? 0, 1) * 1.1] } },
      legend: { live: false },
    }
    plot.current = new uPlot(options, alignSeries(history, lines) as uPlot.AlignedData, element)
    const resize = new ResizeObserver(() => plot.current?.setSize({ width: element.clientWidth, height: 220 }))
    resize.observe(element)
    return () => {
      resize.disconnect()
      plot.current?.destroy()
      plot.current = null
    }
  }, [shape])
  useEffect(() => {
    plot.current?.setData(alignSeries(history, lines) as uPlot.AlignedData)
  }, [history])
  return (
    <div class="panel chart" data-testid="chart">
      <h3>{title}</h3>
      <div ref={holder} class="chart-body" />
    </div>
  )
}
