// Accumulates the next Ready: writes to persist (merged so that the caller's disk sees them in a
// valid order), messages to send (consecutive proposals, commits and informs to one learner are
// merged into one message: the batch of a group commit), committed entries and the rest.
import type { LinkMessage } from './messages.js'
import type { BarrierOutcome, Entry, Outbound, PersistOps, Received, Snapshot } from './types.js'
import { entriesBytes } from './messages.js'

export interface Batch {
  persist: PersistOps
  hasPersist: boolean
  messages: Outbound[]
  committed: Entry[]
  restore: Snapshot | undefined
  barriers: BarrierOutcome[]
  received: Received[]
  /** Index in `messages` of the last message to each destination. */
  lastTo: Map<number, number>
  /**
   * Messages (by index) that tryMerge copied and so owns: their entries array grows in place and
   * its byte count is kept, so a batch of n merged proposals costs O(n), not O(n²).
   */
  merged: Map<number, { entries: Entry[]; bytes: number }>
}

function emptyBatch(): Batch {
  return {
    persist: { append: [] },
    hasPersist: false,
    messages: [],
    committed: [],
    restore: undefined,
    barriers: [],
    received: [],
    lastTo: new Map(),
    merged: new Map(),
  }
}

function batchIsEmpty(b: Batch): boolean {
  return !b.hasPersist && b.messages.length === 0 && b.committed.length === 0 && b.restore === undefined && b.barriers.length === 0 && b.received.length === 0
}

/**
 * Messages that assert nothing about this member's disk: a leader's proposals, commits and
 * informs (its own vote counts only once durable, so a commit never rests on an unsynced write),
 * pings, the member channel and barriers. They may leave before the Ready's persist, as Apache's
 * leader sends a proposal while logging it. Acknowledgements (ack, ackepoch, acknewleader), votes
 * and everything of discovery and sync wait for it.
 */
const SENDABLE_BEFORE_PERSIST: ReadonlySet<string> = new Set(['proposal', 'commit', 'inform', 'ping', 'channel', 'barrier', 'barrierdone'])

/**
 * Marks the messages of a batch that may go before its persist: per destination, the run of
 * sendable messages before the first one that must wait (a link's order is its sequence numbers:
 * nothing may overtake a waiting message). Destinations in `blocked` already have a message
 * waiting elsewhere. Returns the destinations left with a waiting message.
 */
function markEarly(messages: Outbound[], blocked: ReadonlySet<number>): Set<number> {
  const waiting = new Set(blocked)
  for (let i = 0; i < messages.length; i++) {
    const o = messages[i]!
    if (waiting.has(o.to)) continue
    if (SENDABLE_BEFORE_PERSIST.has(o.message.type)) messages[i] = { to: o.to, message: o.message, early: true }
    else waiting.add(o.to)
  }
  return waiting
}

export interface MergeLimits {
  readonly maxEntriesPerMessage: number
  readonly maxBatchBytes: number
}

export class Outbox {
  private current = emptyBatch()
  /** Set by split(): later writes land in the Ready after this one (unsafe test faults only). */
  private next: Batch | undefined

  private get target(): Batch {
    return this.next ?? this.current
  }

  isEmpty(): boolean {
    return batchIsEmpty(this.current) && (this.next === undefined || batchIsEmpty(this.next))
  }

  /** Hands out the current batch; a split-off batch becomes the current one. */
  take(): Batch {
    const out = this.current
    this.current = this.next ?? emptyBatch()
    this.next = undefined
    return out
  }

  /**
   * Hands out the current batch as a Ready's: its messages marked `early` where they may go
   * before its persist. Returns the batch and the destinations with a message that waits for it.
   */
  takeForReady(): { batch: Batch; waiting: Set<number> } {
    const batch = this.take()
    return { batch, waiting: markEarly(batch.messages, new Set()) }
  }

  /**
   * While a Ready's persist is under way: removes and returns the messages of the batch being
   * gathered that may go now, those not behind a waiting message to their destination (in this
   * batch, or in the Ready under way: `blocked`). Nothing is taken after split() (test faults).
   */
  takeEarly(blocked: ReadonlySet<number>): Outbound[] {
    const b = this.current
    if (this.next !== undefined || b.messages.length === 0) return []
    markEarly(b.messages, blocked)
    const early: Outbound[] = []
    const rest: Outbound[] = []
    const merged = new Map<number, { entries: Entry[]; bytes: number }>()
    b.messages.forEach((o, i) => {
      if (o.early === true) return void early.push(o)
      const owned = b.merged.get(i)
      if (owned !== undefined) merged.set(rest.length, owned)
      rest.push(o)
    })
    if (early.length === 0) return early
    b.messages = rest
    b.merged = merged
    b.lastTo = new Map(rest.map((o, i) => [o.to, i]))
    return early
  }

  /** Everything written from now on goes to the Ready after the current one. */
  split(): void {
    this.next ??= emptyBatch()
  }

  send(to: number, message: Outbound['message']): void {
    push(this.target, to, message)
  }

  /** Sends in the current Ready even after split() (the "ACK before fsync" fault). */
  sendInCurrent(to: number, message: Outbound['message']): void {
    push(this.current, to, message)
  }

  /**
   * Folds entries (or a newer commit zxid) into the last message to `to` when it is of the same
   * type on the same link and stays within the limits. Returns false when a new message is needed.
   */
  tryMerge(
    to: number,
    link: number,
    body: { type: 'proposal' | 'inform'; entries: readonly Entry[] } | { type: 'commit' | 'ack'; zxid: bigint },
    limits: MergeLimits,
  ): boolean {
    const b = this.target
    const index = b.lastTo.get(to)
    if (index === undefined) return false
    const prev = b.messages[index]!.message as LinkMessage
    if (prev.type !== body.type || prev.link !== link) return false
    if (!('entries' in body)) {
      b.messages[index] = { to, message: { ...prev, zxid: body.zxid } as LinkMessage }
      return true
    }
    const owned = b.merged.get(index)
    const old = owned?.entries ?? (prev as { entries: readonly Entry[] }).entries
    if (old.length + body.entries.length > limits.maxEntriesPerMessage) return false
    const bytes = (owned?.bytes ?? entriesBytes(old)) + entriesBytes(body.entries)
    if (bytes > limits.maxBatchBytes) return false
    if (owned !== undefined) {
      // The message and its array were made here (below) and are not shared: grow them in place.
      for (const e of body.entries) owned.entries.push(e)
      owned.bytes = bytes
      return true
    }
    // The first merge copies: the caller's message and entries array may be shared.
    const entries = [...old, ...body.entries]
    b.messages[index] = { to, message: { ...prev, entries } as LinkMessage }
    b.merged.set(index, { entries, bytes })
    return true
  }

  persistSnapshot(snapshot: Snapshot): void {
    const p = this.target.persist
    p.snapshot = snapshot
    p.append = p.append.filter((e) => e.zxid > snapshot.zxid)
    this.target.hasPersist = true
  }

  persistTruncate(afterZxid: bigint): void {
    const p = this.target.persist
    p.append = p.append.filter((e) => e.zxid <= afterZxid)
    p.truncateAfterZxid = p.truncateAfterZxid === undefined || afterZxid < p.truncateAfterZxid ? afterZxid : p.truncateAfterZxid
    this.target.hasPersist = true
  }

  persistAppend(entry: Entry): void {
    this.target.persist.append.push(entry)
    this.target.hasPersist = true
  }

  persistAcceptedEpoch(epoch: number): void {
    this.target.persist.acceptedEpoch = epoch
    this.target.hasPersist = true
  }

  /** Lands in the current Ready even after split() (the "currentEpoch before txns" fault). */
  persistCurrentEpoch(epoch: number, inCurrent = false): void {
    const b = inCurrent ? this.current : this.target
    b.persist.currentEpoch = epoch
    b.hasPersist = true
  }

  commit(entries: readonly Entry[]): void {
    this.target.committed.push(...entries)
  }

  restore(snapshot: Snapshot): void {
    const b = this.target
    b.restore = snapshot
    // Entries committed earlier in this batch are covered by the snapshot.
    b.committed = b.committed.filter((e) => e.zxid > snapshot.zxid)
  }

  barrier(outcome: BarrierOutcome): void {
    this.target.barriers.push(outcome)
  }

  receive(r: Received): void {
    this.target.received.push(r)
  }
}

function push(b: Batch, to: number, message: Outbound['message']): void {
  b.lastTo.set(to, b.messages.length)
  b.messages.push({ to, message })
}
