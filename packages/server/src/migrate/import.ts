// `zoo import`: an Apache ZooKeeper dataDir -> a zoo dataDir that `zoo server` starts on with the
// same tree, ACLs, Stats, digest and zxid.
import { copyFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { EpochStore, SnapshotStore, TxnLog } from '@zoo/consensus'
import { snapshotBytes, takeOverTree } from '@zoo/znode'
import type { DigestMismatch, LogTail } from '@zoo/znode'
import { MigrationError, loadApacheDataDir, versionDir } from './apache-dir.js'
import type { SkippedSnapshot } from './apache-dir.js'
import { carriedEpochs } from './epochs.js'
import { checkTarget, writeDirAtomically } from './target-dir.js'

export interface ImportOptions {
  /** Apache's dataDir (holding version-2/ and myid). */
  from: string
  /** Apache's dataLogDir when its logs are not under dataDir. */
  fromLog?: string
  /** The zoo dataDir to create (absent or empty). */
  to: string
  /** Carry sessions and their ephemerals over (zoo's leader expires them after their timeouts). */
  keepEphemerals?: boolean
}

export interface ImportReport {
  snapshotFile: string
  skippedSnapshots: SkippedSnapshot[]
  logFiles: string[]
  txnsApplied: number
  /** The zxid zoo starts from: the last txn Apache logged. */
  lastZxid: bigint
  tails: (LogTail & { file: string })[]
  digestsChecked: number
  /** The snapshot's own digest disagreed (see ReplayReport.snapshotDigestMismatch): a warning. */
  snapshotDigestMismatch: DigestMismatch | undefined
  nodes: number
  digest: bigint
  droppedEphemerals: Map<bigint, string[]>
  keptSessions: Map<bigint, number>
  acceptedEpoch: number
  currentEpoch: number
  myidCopied: boolean
}


/** Imports; throws MigrationError (nothing written) where the dataDir cannot be taken over whole. */
export async function importApacheDataDir(options: ImportOptions): Promise<ImportReport> {
  // Refuse a bad target before the (possibly long) read; checked again when writing.
  await checkTarget(options.to)
  const load = await loadApacheDataDir(options.from, options.fromLog)
  const { replay } = load
  if (replay.digestMismatches.length > 0) {
    const first = replay.digestMismatches[0] as (typeof replay.digestMismatches)[number]
    throw new MigrationError(
      `the rebuilt tree's digest differs from Apache's at ${replay.digestMismatches.length} of ${replay.digestsChecked} checks ` +
        `(first at zxid 0x${first.zxid.toString(16)}: Apache ${first.expected}, rebuilt ${first.actual}); nothing written`,
    )
  }
  const taken = takeOverTree(load.snapshot.tree, { keepEphemerals: options.keepEphemerals === true })
  const snapDir = versionDir(options.from)
  const lastZxid = replay.lastZxid
  // zoo's leader starts a new epoch above these, so every zxid a client has seen stays below.
  const { currentEpoch, acceptedEpoch } = await carriedEpochs(snapDir, lastZxid)
  const myid = join(options.from, 'myid')
  const myidCopied = existsSync(myid)
  await writeDirAtomically(options.to, async (dir) => {
    // The layout a member's storage opens (packages/consensus/src/member.ts).
    const snapshots = await SnapshotStore.open(join(dir, 'snapshots'))
    await snapshots.save(lastZxid, snapshotBytes(taken.tree))
    const log = await TxnLog.open(join(dir, 'log'))
    await log.close()
    const epochs = await EpochStore.open(dir, { fallbackEpoch: currentEpoch })
    await epochs.update({ acceptedEpoch, currentEpoch })
    if (myidCopied) await copyFile(myid, join(dir, 'myid'))
  })
  return {
    snapshotFile: load.snapshotFile,
    skippedSnapshots: load.skippedSnapshots,
    logFiles: load.logFiles,
    txnsApplied: replay.txnsApplied,
    lastZxid,
    tails: replay.tails,
    digestsChecked: replay.digestsChecked,
    snapshotDigestMismatch: replay.snapshotDigestMismatch,
    nodes: taken.tree.nodeCount,
    digest: taken.tree.digest,
    droppedEphemerals: taken.droppedEphemerals,
    keptSessions: taken.keptSessions,
    acceptedEpoch,
    currentEpoch,
    myidCopied,
  }
}
