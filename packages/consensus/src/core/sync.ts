// How a leader brings a learner to its history, given the learner's last logged zxid.
// Zab's invariant makes a shared zxid mean a shared prefix (one leader per epoch, and each new
// epoch starts from its leader's whole history), so the leader only has to find where the
// learner's log leaves its own.
import type { History } from './history.js'
import type { SyncMode } from './messages.js'

export interface SyncPlan {
  readonly mode: SyncMode
  /** TRUNC: the learner drops everything above this zxid first. */
  readonly truncZxid: bigint
  /** Entries after this point follow (for SNAP: the snapshot's zxid). */
  readonly fromZxid: bigint
}

export function planSync(history: History, learnerLastZxid: bigint): SyncPlan {
  const f = learnerLastZxid
  const snapshotZxid = history.snapshot?.zxid
  if (history.hasPoint(f) && f <= history.lastZxid) return { mode: 'diff', truncZxid: 0n, fromZxid: f }
  if (snapshotZxid !== undefined && f < snapshotZxid) return snap(snapshotZxid)
  // The learner holds txns we do not (uncommitted leftovers of an older epoch, or more of ours):
  // cut it back to the last zxid we share, then DIFF from there.
  const shared = history.largestEntryAtMost(f)
  if (shared !== undefined) return { mode: 'trunc', truncZxid: shared, fromZxid: shared }
  if (snapshotZxid === undefined) return { mode: 'trunc', truncZxid: 0n, fromZxid: 0n }
  // Nothing of ours at or below f but the snapshot, which we cannot show the learner has.
  return snap(snapshotZxid)
}

function snap(snapshotZxid: bigint): SyncPlan {
  return { mode: 'snap', truncZxid: snapshotZxid, fromZxid: snapshotZxid }
}
