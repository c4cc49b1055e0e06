// The replicated state consensus applies committed txns to: the data tree (with the session
// table). Every member holds one; the member layer listens to each applied txn.
import type { Entry, Snapshot, StateMachine } from '@zoo/consensus'
import { DataTree, decodeTxn, readSnapshotPaced, snapshotStream } from '@zoo/znode'
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

/**
 * A committed txn's buffers (setData's data) are views of its entry's bytes: the tree copies what
 * it keeps (data as a string, passwords), and the txn is done with once applied.
 */
const TXN_READER = { copyBuffers: false } as const

export class ReplicatedTree implements StateMachine {
  tree = new DataTree()
  listener: StateListener | undefined
  proposed: ProposedTxns | undefined

  /** `restorePauseEveryNodes`: nodes a restore reads between two turns of the event loop. */
  constructor(private readonly restorePauseEveryNodes = 50_000) {}

  apply(entry: Entry): void {
    const txn = this.proposed?.take(entry) ?? decodeTxn(Buffer.from(entry.payload.buffer, entry.payload.byteOffset, entry.payload.byteLength), TXN_READER)
    // The txn's header zxid is the leader's prediction; the log position is the truth.
    if (txn.zxid !== entry.zxid) throw new Error(`txn says zxid 0x${txn.zxid.toString(16)}, log says 0x${entry.zxid.toString(16)}`)
    const result = this.tree.apply(txn, entry.zxid)
    this.listener?.applied(txn, result)
  }

  /**
   * Loads a snapshot a slice of nodes at a time, the event loop running in between (a million
   * znodes take seconds: a follower sent a SNAP keeps answering its leader). Until it settles the
   * old tree stays in place; consensus applies nothing else meanwhile and the member does not
   * serve (its status changes only after).
   */
  async restore(snapshot: Snapshot | undefined): Promise<void> {
    let tree = new DataTree()
    if (snapshot !== undefined) {
      const reading = readSnapshotPaced(Buffer.from(snapshot.data.buffer, snapshot.data.byteOffset, snapshot.data.byteLength), { pauseEveryNodes: this.restorePauseEveryNodes })
      for (let step = reading.next(); ; step = reading.next()) {
        if (step.done === true) {
          tree = step.value
          break
        }
        await new Promise((resolve) => setImmediate(resolve))
      }
      if (tree.lastProcessedZxid !== snapshot.zxid) {
        throw new Error(`snapshot at 0x${snapshot.zxid.toString(16)} holds a tree at 0x${tree.lastProcessedZxid.toString(16)}`)
      }
    }
    this.tree = tree
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
