/**
 * The run as one picture: faults, each member's role, throughput and latency over time, with
 * leader changes as vertical lines. Plain SVG text, no dependencies; pure (data in, text out).
 */
import type { Op } from '../checker/history.js'
import type { FaultRecord } from '../faults/nemesis.js'
import type { MemberMode } from '../targets/target.js'
import type { LeaderChange, ModeSample } from '../workload/monitor.js'

export interface TimelineInput {
  title: string
  verdict: string
  durationMs: number
  members: number[]
  faults: FaultRecord[]
  modeSamples: ModeSample[]
  leaderChanges: LeaderChange[]
  ops: Op[]
}

const WIDTH = 1200
const LEFT = 110
const RIGHT = 20
const PLOT = WIDTH - LEFT - RIGHT
const FAULT_COLORS: Record<string, string> = { kill: '#d62728', pause: '#9467bd', partition: '#ff7f0e', clock: '#8c564b', disk: '#e377c2', delay: '#bcbd22', cut: '#17becf', broken: '#000000' }
const MODE_COLORS: Record<MemberMode, string> = { leader: '#1a7f37', follower: '#8fd19e', observer: '#b6e3c4', standalone: '#1a7f37', 'not-serving': '#f0ad4e', down: '#d62728' }

function escape(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;')
}

/**
 * Per one-second bucket: operations answered (ok, or a definite refusal such as a lost CAS race:
 * the server was serving), operations whose outcome is unknown (the client gave up), and the
 * latency of the answered ones.
 */
export function buckets(ops: Op[], durationMs: number): { ok: number; unknown: number; p50: number; p99: number }[] {
  const count = Math.max(1, Math.ceil(durationMs / 1000))
  const latencies: number[][] = Array.from({ length: count }, () => [])
  const unknown = new Array<number>(count).fill(0)
  for (const op of ops) {
    const index = Math.min(count - 1, Math.max(0, Math.floor(op.completeMs / 1000)))
    if (op.outcome === 'unknown') unknown[index]!++
    else latencies[index]!.push(op.completeMs - op.invokeMs)
  }
  return latencies.map((list, i) => {
    list.sort((a, b) => a - b)
    const at = (q: number) => (list.length === 0 ? 0 : list[Math.min(list.length - 1, Math.floor(q * list.length))]!)
    return { ok: list.length, unknown: unknown[i]!, p50: at(0.5), p99: at(0.99) }
  })
}

export function timelineSvg(input: TimelineInput): string {
  const x = (ms: number) => LEFT + (Math.max(0, Math.min(ms, input.durationMs)) / Math.max(1, input.durationMs)) * PLOT
  const parts: string[] = []
  let y = 30
  parts.push(`<text x="${LEFT}" y="20" font-size="15" font-weight="bold">${escape(input.title)} — ${escape(input.verdict)}</text>`)

  // Faults: one row per kind, a bar per fault.
  const kinds = [...new Set(input.faults.map((f) => f.kind))]
  y += 10
  parts.push(`<text x="8" y="${y + 10}" font-size="12" font-weight="bold">faults</text>`)
  y += 16
  for (const kind of kinds) {
    parts.push(`<text x="20" y="${y + 11}" font-size="11">${kind}</text>`)
    for (const fault of input.faults.filter((f) => f.kind === kind)) {
      const x0 = x(fault.startMs)
      const w = Math.max(2, x(fault.endMs || input.durationMs) - x0)
      parts.push(`<rect x="${x0.toFixed(1)}" y="${y}" width="${w.toFixed(1)}" height="14" fill="${FAULT_COLORS[fault.kind] ?? '#555'}" opacity="0.8"><title>${escape(`${fault.description} [${(fault.startMs / 1000).toFixed(1)}s–${(fault.endMs / 1000).toFixed(1)}s] members ${fault.members.join(',')}${fault.notes.length ? `; ${fault.notes.join('; ')}` : ''}`)}</title></rect>`)
    }
    y += 18
  }

  // Member roles from the monitor's samples.
  y += 8
  parts.push(`<text x="8" y="${y + 10}" font-size="12" font-weight="bold">members</text>`)
  y += 16
  for (const member of input.members) {
    parts.push(`<text x="20" y="${y + 11}" font-size="11">member ${member}</text>`)
    input.modeSamples.forEach((sample, i) => {
      const next = input.modeSamples[i + 1]?.atMs ?? input.durationMs
      const mode = sample.modes[member] ?? 'down'
      parts.push(`<rect x="${x(sample.atMs).toFixed(1)}" y="${y}" width="${Math.max(0.5, x(next) - x(sample.atMs)).toFixed(1)}" height="14" fill="${MODE_COLORS[mode]}"><title>member ${member}: ${mode} at ${(sample.atMs / 1000).toFixed(1)}s</title></rect>`)
    })
    y += 18
  }
  const legend = Object.entries(MODE_COLORS).filter(([m]) => m !== 'standalone' && m !== 'observer')
  legend.forEach(([mode, color], i) => parts.push(`<rect x="${LEFT + i * 110}" y="${y + 2}" width="10" height="10" fill="${color}"/><text x="${LEFT + i * 110 + 14}" y="${y + 11}" font-size="10">${mode}</text>`))
  y += 24
  const membersBottom = y

  // Throughput and latency charts.
  const series = buckets(input.ops, input.durationMs)
  y = chart(parts, y, 'ops/s', series.map((b) => b.ok), series.map((b) => b.unknown), x, 'answered', 'unknown outcome', false)
  y = chart(parts, y + 20, 'latency ms', series.map((b) => b.p50), series.map((b) => b.p99), x, 'p50', 'p99', true)

  // Leader changes across the members' rows and the charts.
  for (const change of input.leaderChanges) {
    const cx = x(change.atMs).toFixed(1)
    parts.push(`<line x1="${cx}" x2="${cx}" y1="${membersBottom - 24 - input.members.length * 18}" y2="${y}" stroke="#1a7f37" stroke-dasharray="3,3" opacity="0.6"><title>${escape(`member ${change.leader} leads${change.epoch === undefined ? '' : ` (epoch ${change.epoch})`} from ${(change.atMs / 1000).toFixed(1)}s`)}</title></line>`)
  }

  // Time axis.
  y += 6
  const stepS = niceStep(input.durationMs / 1000 / 12)
  for (let s = 0; s * 1000 <= input.durationMs; s += stepS) parts.push(`<line x1="${x(s * 1000)}" x2="${x(s * 1000)}" y1="${y - 4}" y2="${y}" stroke="#333"/><text x="${x(s * 1000)}" y="${y + 12}" font-size="10" text-anchor="middle">${s}s</text>`)
  y += 24
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${WIDTH}" height="${y}" viewBox="0 0 ${WIDTH} ${y}" font-family="sans-serif">\n<rect width="100%" height="100%" fill="white"/>\n${parts.join('\n')}\n</svg>\n`
}

function niceStep(raw: number): number {
  for (const step of [1, 2, 5, 10, 15, 30, 60, 120, 300, 600]) if (step >= raw) return step
  return 1200
}

function chart(parts: string[], top: number, label: string, a: number[], b: number[], x: (ms: number) => number, aName: string, bName: string, logScale: boolean): number {
  const height = 110
  const max = Math.max(1, ...a, ...b)
  const scale = (v: number) => (logScale ? Math.log10(1 + v) / Math.log10(1 + max) : v / max)
  const yOf = (v: number) => top + height - scale(v) * height
  parts.push(`<text x="8" y="${top + 12}" font-size="12" font-weight="bold">${label}</text>`)
  parts.push(`<text x="8" y="${top + 26}" font-size="10">max ${Math.round(max)}${logScale ? ' (log)' : ''}</text>`)
  parts.push(`<rect x="${LEFT}" y="${top}" width="${PLOT}" height="${height}" fill="none" stroke="#ccc"/>`)
  const line = (values: number[], color: string) => {
    const points = values.map((v, i) => `${x(i * 1000 + 500).toFixed(1)},${yOf(v).toFixed(1)}`).join(' ')
    parts.push(`<polyline points="${points}" fill="none" stroke="${color}" stroke-width="1.5"/>`)
  }
  line(a, '#1f77b4')
  line(b, '#d62728')
  parts.push(`<text x="${LEFT + PLOT - 200}" y="${top + 12}" font-size="10" fill="#1f77b4">${aName}</text><text x="${LEFT + PLOT - 120}" y="${top + 12}" font-size="10" fill="#d62728">${bName}</text>`)
  return top + height
}
