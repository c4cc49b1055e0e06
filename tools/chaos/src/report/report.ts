/**
 * The report directory: report.json (verdict, figures, faults, every check's violations),
 * history.json (every operation and the final reads, so the check can be rerun), timeline.svg,
 * and summary.txt (what a person reads first).
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { OperationCounts, Section, Verdict } from '../checker/index.js'
import type { History } from '../checker/history.js'
import type { FaultRecord } from '../faults/nemesis.js'
import type { ScheduledFault } from '../faults/schedule.js'
import type { LeaderChange, ModeSample } from '../workload/monitor.js'
import { timelineSvg } from './svg.js'

export interface ChaosReport {
  verdict: Verdict
  target: string
  options: Record<string, unknown> & { seed: number; members: number }
  durationMs: number
  /** how long the ensemble took to serve again after healing; undefined if it never did */
  recoveryMs: number | undefined
  schedule: ScheduledFault[]
  faults: FaultRecord[]
  /** each new leadership the monitor saw, the first leader included */
  leaderChanges: LeaderChange[]
  modeSamples: ModeSample[]
  counts: OperationCounts
  sections: Section[]
  notes: string[]
}

const bigintSafe = (_key: string, value: unknown) => (typeof value === 'bigint' ? value.toString() : value)

export function summaryText(report: ChaosReport): string {
  const lines: string[] = []
  lines.push(`verdict: ${report.verdict.toUpperCase()}`)
  lines.push(`target: ${report.target}`)
  lines.push(`seed ${report.options.seed}, ${(report.durationMs / 1000).toFixed(0)} s, ${report.options.members} members`)
  const byKind = Object.entries(report.counts.byKind).map(([kind, c]) => `${kind} ${c.ok}/${c.fail}/${c.unknown}`)
  lines.push(`operations: ${report.counts.total} (ok/fail/unknown: ${byKind.join(', ')})`)
  const faultKinds = new Map<string, number>()
  for (const fault of report.faults) faultKinds.set(fault.kind, (faultKinds.get(fault.kind) ?? 0) + 1)
  lines.push(`faults injected: ${report.faults.length} (${[...faultKinds].map(([k, n]) => `${k} ${n}`).join(', ')})`)
  lines.push(`leader elections seen: ${Math.max(0, report.leaderChanges.length - 1)} (a new leader, or a new epoch)`)
  lines.push(`recovery after healing: ${report.recoveryMs === undefined ? 'NONE' : `${(report.recoveryMs / 1000).toFixed(1)} s`}`)
  const violations = report.sections.reduce((sum, s) => sum + (s.verdict === 'fail' ? s.violations.length : 0), 0)
  lines.push(`violations: ${violations}`)
  lines.push('')
  for (const section of report.sections) {
    lines.push(`[${section.verdict.toUpperCase()}] ${section.name}: ${section.summary}`)
    for (const violation of section.violations.slice(0, 5)) lines.push(`    ${violation.replace(/\n/g, '\n    ')}`)
    if (section.violations.length > 5) lines.push(`    ... ${section.violations.length - 5} more (report.json)`)
  }
  if (report.notes.length > 0) lines.push('', 'notes:', ...report.notes.map((n) => `  ${n}`))
  lines.push('', 'faults:')
  for (const fault of report.faults) lines.push(`  ${(fault.startMs / 1000).toFixed(1).padStart(7)}s–${(fault.endMs / 1000).toFixed(1).padStart(7)}s  ${fault.description}${fault.members.length ? ` [members ${fault.members.join(',')}]` : ''}${fault.notes.length ? `; ${fault.notes.join('; ')}` : ''}`)
  return `${lines.join('\n')}\n`
}

export function writeReport(dir: string, report: ChaosReport, history: History): void {
  writeFileSync(join(dir, 'report.json'), JSON.stringify(report, bigintSafe, 2))
  writeFileSync(join(dir, 'history.json'), JSON.stringify(history, bigintSafe))
  writeFileSync(join(dir, 'summary.txt'), summaryText(report))
  const members = [...new Set(report.modeSamples.flatMap((s) => Object.keys(s.modes).map(Number)))].sort((a, b) => a - b)
  writeFileSync(
    join(dir, 'timeline.svg'),
    timelineSvg({ title: `${report.target}, seed ${report.options.seed}`, verdict: report.verdict, durationMs: report.durationMs, members, faults: report.faults, modeSamples: report.modeSamples, leaderChanges: report.leaderChanges, ops: history.ops }),
  )
}
