// `zoo import` and `zoo export`: moving a dataDir from Apache ZooKeeper to zoo and back.
import type { Command } from 'commander'
import { MigrationError } from '../migrate/apache-dir.js'
import { exportToApache } from '../migrate/export.js'
import type { ExportReport } from '../migrate/export.js'
import { importApacheDataDir } from '../migrate/import.js'
import type { ImportReport } from '../migrate/import.js'

const hex = (zxid: bigint): string => `0x${zxid.toString(16)}`
/** Ephemeral paths listed per dropped session before the rest are counted. */
const LISTED_EPHEMERALS = 10

export function formatImportReport(report: ImportReport, to: string): string {
  const lines: string[] = []
  for (const skipped of report.skippedSnapshots) lines.push(`warning: passed over ${skipped.file}: ${skipped.problem}`)
  for (const tail of report.tails) {
    lines.push(`warning: ${tail.file}: ${tail.kind} tail cut at offset ${tail.offset} (${tail.reason}; ${tail.droppedBytes} non-zero bytes dropped)`)
  }
  const fuzzy = report.snapshotDigestMismatch
  if (fuzzy !== undefined) {
    lines.push(
      `warning: ${report.snapshotFile} records digest ${fuzzy.expected} at zxid ${hex(fuzzy.zxid)}, the rebuilt tree has ${fuzzy.actual} there ` +
        '(a txn half applied when Apache ended the snapshot; Apache reports the same on load); the txns\' digests are checked as usual',
    )
  }
  for (const [session, paths] of report.droppedEphemerals) {
    const shown = paths.slice(0, LISTED_EPHEMERALS).join(' ')
    const more = paths.length > LISTED_EPHEMERALS ? ` and ${paths.length - LISTED_EPHEMERALS} more` : ''
    lines.push(`dropped ${paths.length} ephemeral node(s) of session ${hex(session)}: ${shown}${more}`)
  }
  if (report.keptSessions.size > 0) lines.push(`kept ${report.keptSessions.size} session(s); zoo expires them after their timeouts unless their clients reconnect`)
  lines.push(
    `imported ${report.snapshotFile} + ${report.txnsApplied} txn(s) from ${report.logFiles.length} log(s): ${report.nodes} nodes at zxid ${hex(report.lastZxid)}, ` +
      `digest ${report.digest} (${report.digestsChecked - (fuzzy === undefined ? 0 : 1)} of ${report.digestsChecked} digest check(s) against Apache's passed)`,
  )
  lines.push(`wrote ${to} (currentEpoch ${report.currentEpoch}, acceptedEpoch ${report.acceptedEpoch}${report.myidCopied ? ', myid' : ''})`)
  return `${lines.join('\n')}\n`
}

export function formatExportReport(report: ExportReport, to: string): string {
  return (
    `exported ${report.nodes} nodes and ${report.sessions} session(s) at zxid ${hex(report.lastZxid)} (digest ${report.digest})\n` +
    `wrote ${to}/version-2/${report.snapshotFile} (currentEpoch ${report.currentEpoch}, acceptedEpoch ${report.acceptedEpoch}${report.myidCopied ? ', myid' : ''})\n`
  )
}

/** A migration that cannot proceed says why and exits 2; nothing was written. */
async function reporting(run: () => Promise<string>): Promise<void> {
  try {
    process.stdout.write(await run())
  } catch (e) {
    if (!(e instanceof MigrationError)) throw e
    process.stderr.write(`zoo: ${e.message}\nnothing was written\n`)
    process.exitCode = 2
  }
}

export function registerMigrationCommands(program: Command): void {
  program
    .command('import')
    .description("make a zoo dataDir from a stopped Apache ZooKeeper's dataDir (its newest valid snapshot plus the txn logs after it)")
    .requiredOption('--from <dir>', "Apache's dataDir (the one holding version-2/)")
    .option('--from-log <dir>', "Apache's dataLogDir, when the txn logs are not under dataDir")
    .requiredOption('--to <dir>', 'the zoo dataDir to create (must not exist, or be empty)')
    .option('--keep-ephemerals', "keep sessions and their ephemeral nodes (expired after their timeouts unless clients reconnect); default: drop them")
    .action(async (opts: { from: string; fromLog?: string; to: string; keepEphemerals?: boolean }) => {
      await reporting(async () => formatImportReport(await importApacheDataDir(opts), opts.to))
    })
  program
    .command('export')
    .description("write an Apache ZooKeeper 3.8 dataDir (version-2/snapshot.<zxid> and epoch files) from a stopped zoo member's dataDir")
    .requiredOption('--from <dir>', "the zoo member's dataDir")
    .requiredOption('--to <dir>', "the Apache dataDir to create (must not exist, or be empty)")
    .action(async (opts: { from: string; to: string }) => {
      await reporting(async () => formatExportReport(await exportToApache(opts), opts.to))
    })
}
