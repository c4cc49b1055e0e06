// Reading an Apache ZooKeeper dataDir (the thin I/O around @zoo/znode's pure readers): which
// snapshot and logs Apache would load, their bytes, and the tree they make.
import { existsSync, readFileSync, statSync } from 'node:fs'
import { readFile, readdir } from 'node:fs/promises'
import { basename, join } from 'node:path'
import { gunzipSync } from 'node:zlib'
import { ApacheLogError, SnapshotError, looksComplete, readApacheSnapshot, replayApacheLogs, selectApacheLogs } from '@zoo/znode'
import type { ApacheSnapshot, ReplayReport } from '@zoo/znode'
import { unsnappy } from './snappy-stream.js'

/** Apache keeps its files in a `version-2` directory under dataDir and dataLogDir. */
export const APACHE_VERSION_DIR = 'version-2'
const SNAPSHOT_NAME = /^snapshot\.([0-9a-fA-F]+)(?:\.(gz|snappy))?$/
const LOG_NAME = /^log\.([0-9a-fA-F]+)$/

/** The dataDir cannot be imported; nothing was written. */
export class MigrationError extends Error {
  override readonly name = 'MigrationError'
}

/** `dir` itself when it is a version-2 directory, else `dir/version-2`. */
export function versionDir(dir: string): string {
  if (basename(dir) === APACHE_VERSION_DIR) return dir
  const inner = join(dir, APACHE_VERSION_DIR)
  if (!existsSync(inner) || !statSync(inner).isDirectory()) throw new MigrationError(`${dir} has no ${APACHE_VERSION_DIR} directory: not an Apache ZooKeeper dataDir`)
  return inner
}

interface Named {
  name: string
  zxid: bigint
}

async function listNamed(dir: string, pattern: RegExp): Promise<(Named & { compression: string | undefined })[]> {
  const found: (Named & { compression: string | undefined })[] = []
  for (const name of await readdir(dir)) {
    const match = pattern.exec(name)
    if (match !== null) found.push({ name, zxid: BigInt(`0x${match[1]}`), compression: match[2] })
  }
  return found
}

export interface SkippedSnapshot {
  file: string
  problem: string
}

export interface ApacheLoad {
  snapshotFile: string
  snapshot: ApacheSnapshot
  /** Newer snapshots passed over, and why (Apache passes over them too). */
  skippedSnapshots: SkippedSnapshot[]
  logFiles: string[]
  replay: ReplayReport
}

async function snapshotBytes(dir: string, file: Named & { compression: string | undefined }): Promise<Buffer> {
  const raw = await readFile(join(dir, file.name))
  if (file.compression === undefined) {
    if (!looksComplete(raw)) throw new SnapshotError('truncated', 'does not end with the "/" seal (a snapshot cut short)')
    return raw
  }
  if (file.compression === 'gz') {
    try {
      return gunzipSync(raw)
    } catch (e) {
      throw new SnapshotError('malformed', `gzip: ${(e as Error).message}`, { cause: e })
    }
  }
  try {
    return unsnappy(raw)
  } catch (e) {
    throw new SnapshotError('malformed', `snappy: ${(e as Error).message}`, { cause: e })
  }
}

/** The logs one at a time, as the replay asks for them: preallocated logs are 64 MB each. */
function* readLogs(dir: string, names: readonly string[]): Generator<{ name: string; bytes: Buffer }> {
  for (const name of names) yield { name, bytes: readFileSync(join(dir, name)) }
}

/**
 * Loads what Apache would load from `dataDir` (and `dataLogDir`, if the logs live elsewhere):
 * the newest snapshot that reads cleanly, plus every txn after it. A newer corrupt snapshot is
 * reported and passed over, as Apache does; none at all is a MigrationError.
 */
export async function loadApacheDataDir(dataDir: string, dataLogDir: string = dataDir): Promise<ApacheLoad> {
  const snapDir = versionDir(dataDir)
  const logDir = versionDir(dataLogDir)
  const snapshots = (await listNamed(snapDir, SNAPSHOT_NAME)).sort((a, b) => (a.zxid > b.zxid ? -1 : a.zxid < b.zxid ? 1 : 0))
  const logs = await listNamed(logDir, LOG_NAME)
  if (snapshots.length === 0) {
    const what = logs.length > 0 ? 'txn logs but no snapshot (Apache refuses to start on this too)' : 'no snapshot and no txn log'
    throw new MigrationError(`${snapDir} holds ${what}`)
  }
  const skippedSnapshots: SkippedSnapshot[] = []
  for (const file of snapshots) {
    let snapshot: ApacheSnapshot
    try {
      snapshot = readApacheSnapshot(await snapshotBytes(snapDir, file), file.zxid)
    } catch (e) {
      if (!(e instanceof SnapshotError)) throw e
      skippedSnapshots.push({ file: file.name, problem: e.message })
      continue
    }
    const chosen = selectApacheLogs(logs.map((l) => l.zxid), file.zxid)
    const logFiles = chosen.map((zxid) => (logs.find((l) => l.zxid === zxid) as Named).name)
    const inputs = readLogs(logDir, logFiles)
    let replay: ReplayReport
    try {
      replay = replayApacheLogs(snapshot, inputs)
    } catch (e) {
      if (e instanceof ApacheLogError) throw new MigrationError(`${logDir}/${e.message}`, { cause: e })
      throw e
    }
    return { snapshotFile: file.name, snapshot, skippedSnapshots, logFiles, replay }
  }
  const problems = skippedSnapshots.map((s) => `  ${s.file}: ${s.problem}`).join('\n')
  throw new MigrationError(`no snapshot in ${snapDir} can be loaded:\n${problems}`)
}
