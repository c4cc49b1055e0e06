/**
 * The CI chaos run: Apache ZooKeeper (the control) must pass the checker under a seeded schedule
 * of kills, pauses past the session timeout and partitions. CHAOS_CI_SEED replays another one.
 */
import t from 'tap'
import { tempDir } from '@zoo/testkit'
import { runChaos } from '../src/runner.js'
import { summaryText } from '../src/report/report.js'

const SEED = Number(process.env.CHAOS_CI_SEED ?? 13)

t.test(`a seeded chaos run against a 3-member Apache ensemble passes the checker (seed ${SEED})`, { timeout: 300_000 }, async (t) => {
  const dir = tempDir('chaos-ci')
  // Kept when the test fails, for its member logs and history.
  t.teardown(() => (t.passing() ? dir.remove() : t.comment(`report and member logs kept in ${dir.path}`)))
  const lines: string[] = []
  const { report } = await runChaos({ target: 'apache', members: 3, durationMs: 75_000, faults: ['kill', 'pause', 'partition'], seed: SEED, reportDir: dir.path, log: (line) => lines.push(line) })
  t.comment(summaryText(report))
  if (report.verdict !== 'pass') t.comment(lines.join('\n'))
  t.equal(report.verdict, 'pass', 'the verdict is pass')
  const kinds = new Set(report.faults.map((f) => f.kind))
  t.ok(kinds.has('kill') && kinds.has('pause') && kinds.has('partition'), `every fault kind was injected (${[...kinds].join(', ')})`)
  t.ok(report.faults.every((f) => f.notes.every((n) => !n.startsWith('failed'))), 'every fault was applied')
  t.ok(report.counts.total >= 2_000, `${report.counts.total} operations checked`)
  t.ok(report.counts.byKind.write!.unknown + report.counts.byKind.cas!.unknown + report.counts.byKind['create-seq']!.unknown > 0, 'some writes had unknown outcomes (the faults hit in-flight operations)')
  t.ok(report.leaderChanges.length >= 3, `leadership moved (${report.leaderChanges.map((c) => c.leader).join(' -> ')})`)
  t.equal(report.sections.length, 7)
})
