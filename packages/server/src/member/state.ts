// The replicated state consensus applies committed txns to: the data tree (with the session
// table). Every member holds one; the member layer listens to each applied txn.
import type { Entry, Snapshot, StateMachine } from '@zoo/consensus'
import { DataTree, decodeTxn, readSnapshot, snapshotStream } from '@zoo/znode'
import type { ApplyResult, Txn } from '@zoo/znode'

export interface StateListener {
  applied(txn: Txn, result: ApplyResult): void
  /** The whole tree was replaced (start, or a SNAP from the leader). */
  restored(): void
}

/** Txns this member proposed, as prepared: the leader applies them without decoding its own bytes. */
export interface ProposedTxns {
  /** The txn whose encoding is `entry.payload` (the same bytes object), if this member proposed it. */
  take(entry: Entry): Txn | undefined
}

export class ReplicatedTree implements StateMachine {
  tree = new DataTree()
  listener: StateListener | undefined
  proposed: ProposedTxns | undefined

  apply(entry: Entry): void {
    const txn = this.proposed?.take(entry) ?? decodeTxn(Buffer.from(entry.payload.buffer, entry.payload.byteOffset, entry.payload.byteLength))
    // The txn's header zxid is the leader's prediction; the log position is the truth.
    if (txn.zxid !== entry.zxid) throw new Error(`txn says zxid 0x${txn.zxid.toString(16)}, log says 0x${entry.zxid.toString(16)}`)
    const result = this.tree.apply(txn, entry.zxid)
    this.listener?.applied(txn, result)
  }

  restore(snapshot: Snapshot | undefined): void {
    this.tree = snapshot === undefined ? new DataTree() : readSnapshot(Buffer.from(snapshot.data))
    if (snapshot !== undefined && this.tree.lastProcessedZxid !== snapshot.zxid) {
      throw new Error(`snapshot at 0x${snapshot.zxid.toString(16)} holds a tree at 0x${this.tree.lastProcessedZxid.toString(16)}`)
    }
    this.listener?.restored()
  }

  /**
   * The tree as of now, written a slice at a time while txns keep applying (znode's
   * copy-on-write snapshotStream): a snapshot of a million nodes never holds the event loop.
   */
  snapshot(): Iterable<Uint8Array> {
    return snapshotStream(this.tree)
  }
}
