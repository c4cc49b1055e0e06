// The CI chaos run, shared by the Apache control and our own server: one seeded run that must
// pass the checker, with every scheduled fault kind applied and the faults visibly biting.
import type { Test } from 'tap'
import { tempDir } from '@zoo/testkit'
import type { FaultKind } from '../../src/faults/schedule.js'
import { runChaos } from '../../src/runner.js'
import { summaryText } from '../../src/report/report.js'
import type { TargetName } from '../../src/targets/target.js'

export interface CiRun {
  target: TargetName
  durationMs: number
  faults: FaultKind[]
  seed: number
  minOperations: number
  minLeaderChanges: number
}

export async function ciChaosRun(t: Test, run: CiRun): Promise<void> {
  const dir = tempDir(`chaos-ci-${run.target}`)
  // Kept when the test fails, for its member logs and history.
  t.teardown(() => (t.passing() ? dir.remove() : t.comment(`report and member logs kept in ${dir.path}`)))
  const lines: string[] = []
  const { report } = await runChaos({ target: run.target, members: 3, durationMs: run.durationMs, faults: run.faults, seed: run.seed, reportDir: dir.path, log: (line) => lines.push(line) })
  t.comment(summaryText(report))
  if (report.verdict !== 'pass') t.comment(lines.join('\n'))
  t.equal(report.verdict, 'pass', 'the verdict is pass')
  const kinds = new Set(report.faults.map((f) => f.kind))
  t.ok(run.faults.every((kind) => kinds.has(kind)), `every fault kind was injected (${[...kinds].join(', ')})`)
  t.ok(report.faults.every((f) => f.notes.every((n) => !n.startsWith('failed'))), 'every fault was applied')
  t.ok(report.counts.total >= run.minOperations, `${report.counts.total} operations checked`)
  const unknown = report.counts.byKind.write!.unknown + report.counts.byKind.cas!.unknown + report.counts.byKind['create-seq']!.unknown
  t.ok(unknown > 0, `some writes had unknown outcomes (${unknown}: the faults hit in-flight operations)`)
  t.ok(report.leaderChanges.length >= run.minLeaderChanges, `leadership moved (${report.leaderChanges.map((c) => c.leader).join(' -> ')})`)
  t.equal(report.sections.length, 7, 'every check ran')
}
