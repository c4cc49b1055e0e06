// Rebuilding the tree an Apache ZooKeeper member would load from its dataDir, from bytes the
// caller read (this module does no I/O): the newest snapshot that loads, then every txn after it
// from the logs, as FileTxnSnapLog.restore does; then the tree as zoo should take it over.
import { kindOfOwner } from '../ephemeral.js'
import { DataTree } from '../tree.js'
import type { Txn } from '../txn.js'
import { apacheSessionPasswd } from './java-random.js'
import type { ApacheSnapshot, ZxidDigest } from './snapshot.js'
import { ApacheLogError, scanApacheTxnLog } from './txn-log.js'
import type { LogTail } from './txn-log.js'

const EPOCH_SHIFT = 32n
const epochOf = (zxid: bigint): bigint => zxid >> EPOCH_SHIFT

/**
 * The logs Apache reads after a snapshot at `snapshotZxid` (FileTxnLog.getLogFiles): the last
 * one starting at or before it (it may hold the txns just after it) and every later one.
 * `startZxids` are the zxids the log files are named after; the result is ascending.
 */
export function selectApacheLogs(startZxids: readonly bigint[], snapshotZxid: bigint): bigint[] {
  const sorted = [...startZxids].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0))
  const covering = sorted.filter((z) => z <= snapshotZxid).at(-1)
  return sorted.filter((z) => z > snapshotZxid || z === covering)
}

export interface ApacheLogInput {
  /** The file name, for reports. */
  name: string
  bytes: Buffer
}

export interface DigestMismatch {
  zxid: bigint
  expected: bigint
  actual: bigint
}

export interface ReplayReport {
  snapshotZxid: bigint
  lastZxid: bigint
  txnsApplied: number
  /** Log tails cut at the last readable record (torn by a crash, or a corrupt last record). */
  tails: (LogTail & { file: string })[]
  /** Digests compared (the snapshot's and the txns', from where the snapshot stopped being fuzzy). */
  digestsChecked: number
  /** TxnDigests the rebuilt tree disagreed with: the tree is not the one Apache had. */
  digestMismatches: DigestMismatch[]
  /**
   * The snapshot's own digest, when the rebuilt tree disagreed with it. Apache records the digest
   * of the last txn it finished when the snapshot ends; a txn (a large multi) half applied at that
   * moment is partly in the nodes but not in that digest, so this can differ on a sound tree
   * (Apache then logs a mismatch and goes on, as does the import).
   */
  snapshotDigestMismatch: DigestMismatch | undefined
}

/**
 * Applies the logs (ascending, as selectApacheLogs chose them; read lazily, one at a time) to
 * the snapshot's tree, which it changes in place. The snapshot's sessions join the tree's session table with the passwords
 * Apache gave them. Throws ApacheLogError where Apache would refuse to start (a log it cannot
 * open, a corrupt record with later logs after it) or where txns are missing.
 */
export function replayApacheLogs(snapshot: ApacheSnapshot, logs: Iterable<ApacheLogInput>): ReplayReport {
  const { tree } = snapshot
  for (const [id, timeoutMs] of snapshot.sessions) tree.sessions.set(id, { timeoutMs, passwd: apacheSessionPasswd(id) })
  const report: ReplayReport = {
    snapshotZxid: tree.lastProcessedZxid, lastZxid: tree.lastProcessedZxid, txnsApplied: 0, tails: [], digestsChecked: 0, digestMismatches: [], snapshotDigestMismatch: undefined,
  }
  // As DataTree.deserializeZxidDigest: a digest taken before the snapshot started means nothing.
  let pending: ZxidDigest | undefined = snapshot.digest !== undefined && snapshot.digest.zxid >= report.snapshotZxid ? snapshot.digest : undefined
  const compare = (zxid: bigint, expected: bigint) => {
    report.digestsChecked++
    if (tree.digest !== expected) report.digestMismatches.push({ zxid, expected, actual: tree.digest })
  }
  const compareSnapshotDigest = (digest: ZxidDigest) => {
    report.digestsChecked++
    if (tree.digest !== digest.digest) report.snapshotDigestMismatch = { zxid: digest.zxid, expected: digest.digest, actual: tree.digest }
  }
  if (pending?.zxid === report.snapshotZxid) {
    compareSnapshotDigest(pending)
    pending = undefined
  }
  // Logs come one at a time (each may be tens of MB): a corrupt record is only known to be
  // followed by later logs when the next one arrives.
  let corrupt: (LogTail & { file: string }) | undefined
  for (const log of logs) {
    if (corrupt !== undefined) {
      throw new ApacheLogError(`${corrupt.file}: ${corrupt.reason} at offset ${corrupt.offset}, and later logs hold txns decided after it (Apache refuses this directory too)`)
    }
    let scan
    try {
      scan = scanApacheTxnLog(log.bytes)
    } catch (e) {
      if (e instanceof ApacheLogError) throw new ApacheLogError(`${log.name}: ${e.message}`, { cause: e })
      throw e
    }
    if (scan.tail !== undefined) {
      const tail = { file: log.name, ...scan.tail }
      if (tail.kind === 'corrupt') corrupt = tail
      report.tails.push(tail)
    }
    for (const txn of scan.txns) {
      if (txn.zxid <= tree.lastProcessedZxid) continue
      checkContinuity(report.lastZxid, txn, log.name)
      tree.apply(txn)
      report.txnsApplied++
      report.lastZxid = txn.zxid
      if (pending !== undefined) {
        if (txn.zxid === pending.zxid) {
          compareSnapshotDigest(pending)
          pending = undefined
        }
      } else if (txn.digest !== undefined && txn.digest.version === 2) {
        compare(txn.zxid, txn.digest.treeDigest)
      }
    }
  }
  return report
}

/** Within an epoch a leader numbers txns one by one: a jump means a log is missing. */
function checkContinuity(previous: bigint, txn: Txn, file: string): void {
  if (epochOf(txn.zxid) === epochOf(previous) && txn.zxid !== previous + 1n) {
    throw new ApacheLogError(`${file}: txn 0x${txn.zxid.toString(16)} follows 0x${previous.toString(16)}; the txns between them are in no log`)
  }
}

export interface TakeOverOptions {
  /** Keep the sessions and their ephemerals (zoo's leader expires them after their timeouts). */
  keepEphemerals: boolean
}

export interface TakeOver {
  tree: DataTree
  /** Ephemerals left out, by owning session. */
  droppedEphemerals: Map<bigint, string[]>
  /** Sessions carried over (with keepEphemerals), id -> timeoutMs. */
  keptSessions: Map<bigint, number>
}

/**
 * The tree zoo starts from: every node but the ephemerals of sessions that are not carried over
 * (all of them, unless keepEphemerals; with it, those whose owner has no session, which Apache
 * also deletes on load). The Stats of the remaining nodes are untouched: a parent's cversion and
 * pzxid say what Apache served, and its child count drops as a delete would drop it.
 */
export function takeOverTree(source: DataTree, options: TakeOverOptions): TakeOver {
  const tree = new DataTree('empty')
  const droppedEphemerals = new Map<bigint, string[]>()
  const keptSessions = new Map<bigint, number>()
  if (options.keepEphemerals) {
    for (const [id, session] of source.sessions) {
      tree.sessions.set(id, { timeoutMs: session.timeoutMs, passwd: Buffer.from(session.passwd) })
      keptSessions.set(id, session.timeoutMs)
    }
  }
  for (const [path] of source.nodes.entries()) {
    const state = source.state(path)
    if (state === undefined) throw new Error(`node ${path} vanished while copying`)
    const owner = state.stat.ephemeralOwner
    if (kindOfOwner(owner) === 'ephemeral' && !keptSessions.has(owner)) {
      const paths = droppedEphemerals.get(owner) ?? []
      paths.push(path)
      droppedEphemerals.set(owner, paths)
      continue
    }
    tree.restoreNode(path, source.data(path) ?? null, state.acl, state.stat)
  }
  for (const quota of source.quotas.list()) tree.quotas.add(quota)
  tree.restoreLastZxid(source.lastProcessedZxid)
  return { tree, droppedEphemerals, keptSessions }
}
