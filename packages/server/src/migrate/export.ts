// `zoo export`: a zoo dataDir -> an Apache ZooKeeper dataDir (version-2/snapshot.<zxid> and the
// epoch files) that Apache 3.8 loads: the way back.
import { copyFile, cp, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { SnapshotStore, TxnLog } from '@zoo/consensus'
import { DataTree, decodeTxn, readSnapshot, writeApacheSnapshot } from '@zoo/znode'
import { APACHE_VERSION_DIR, MigrationError } from './apache-dir.js'
import { carriedEpochs } from './epochs.js'
import { checkTarget, writeDirAtomically } from './target-dir.js'

export interface ExportOptions {
  /** A stopped zoo member's dataDir. */
  from: string
  /** The Apache dataDir to create (absent or empty). */
  to: string
}

export interface ExportReport {
  snapshotFile: string
  lastZxid: bigint
  nodes: number
  sessions: number
  digest: bigint
  currentEpoch: number
  acceptedEpoch: number
  myidCopied: boolean
}


/**
 * The committed tree of a zoo dataDir: its newest snapshot plus the log after it. Storage opens
 * copies of the files, so that its start-up repairs (a torn tail cut) never touch the source.
 */
export async function loadZooDataDir(dataDir: string): Promise<DataTree> {
  if (!existsSync(join(dataDir, 'snapshots')) && !existsSync(join(dataDir, 'log'))) {
    throw new MigrationError(`${dataDir} is not a zoo dataDir (no snapshots/ or log/)`)
  }
  const scratch = await mkdtemp(join(tmpdir(), 'zoo-export-'))
  try {
    for (const part of ['snapshots', 'log']) {
      if (existsSync(join(dataDir, part))) await cp(join(dataDir, part), join(scratch, part), { recursive: true })
    }
    const snapshot = await (await SnapshotStore.open(join(scratch, 'snapshots'), { logger: () => undefined })).latest()
    const tree = snapshot === undefined ? new DataTree() : readSnapshot(Buffer.from(snapshot.data))
    const log = await TxnLog.open(join(scratch, 'log'), { logger: () => undefined })
    try {
      for (const record of await log.readAll(snapshot?.zxid ?? -1n)) {
        const txn = decodeTxn(Buffer.from(record.payload))
        tree.apply(txn, record.zxid)
      }
    } finally {
      await log.close()
    }
    return tree
  } finally {
    await rm(scratch, { recursive: true, force: true })
  }
}

export async function exportToApache(options: ExportOptions): Promise<ExportReport> {
  // Refuse a bad target before the (possibly long) read; checked again when writing.
  await checkTarget(options.to)
  const tree = await loadZooDataDir(options.from)
  const lastZxid = tree.lastProcessedZxid
  const { currentEpoch, acceptedEpoch } = await carriedEpochs(options.from, lastZxid)
  const snapshotFile = `snapshot.${lastZxid.toString(16)}`
  const myid = join(options.from, 'myid')
  const myidCopied = existsSync(myid)
  await writeDirAtomically(options.to, async (dir) => {
    const version = join(dir, APACHE_VERSION_DIR)
    await mkdir(version)
    await writeFile(join(version, snapshotFile), writeApacheSnapshot(tree), { flush: true })
    await writeFile(join(version, 'acceptedEpoch'), String(acceptedEpoch), { flush: true })
    await writeFile(join(version, 'currentEpoch'), String(currentEpoch), { flush: true })
    if (myidCopied) await copyFile(myid, join(dir, 'myid'))
  })
  return { snapshotFile, lastZxid, nodes: tree.nodeCount, sessions: tree.sessions.size, digest: tree.digest, currentEpoch, acceptedEpoch, myidCopied }
}
