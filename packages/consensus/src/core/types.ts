import type { Message } from './messages.js'

/** One txn of the replicated history: an opaque payload at a zxid. */
export interface Entry {
  readonly zxid: bigint
  readonly payload: Uint8Array
}

/** The application's state at `zxid` (everything up to and including it applied), opaque bytes. */
export interface Snapshot {
  readonly zxid: bigint
  readonly data: Uint8Array
}

export type Role = 'looking' | 'following' | 'leading' | 'observing'

/**
 * What storage loaded at start. `log` holds the records after the snapshot, in zxid order; the
 * application's state machine starts from `snapshot` (or empty), the core re-delivers the rest
 * as `committed` once it learns from a leader that they are.
 */
export interface PersistedState {
  readonly acceptedEpoch: number
  readonly currentEpoch: number
  readonly snapshot?: Snapshot | undefined
  readonly log: readonly Entry[]
}

/** Inputs the core may not take from the world itself. */
export interface PeerEnv {
  /** Uniform in [0, 1); seeded in the simulator. */
  random(): number
}

/**
 * Writes to make durable (fsync) in this order, before sending `messages`:
 * snapshot, truncate, append (one fsync for the batch), acceptedEpoch, currentEpoch.
 */
export interface PersistOps {
  snapshot?: Snapshot
  /** Drop every log record with a zxid above this one. */
  truncateAfterZxid?: bigint
  append: Entry[]
  acceptedEpoch?: number
  currentEpoch?: number
}

export interface Outbound {
  readonly to: number
  readonly message: Message
  /**
   * Set by ready(): the message may leave before this Ready's writes are durable (it claims
   * nothing about them, and no message to the same member waits ahead of it). The caller may
   * send these first, then persist, then send the rest; sending all after persist is also correct.
   */
  readonly early?: boolean
}

export interface PeerStatus {
  readonly id: number
  readonly role: Role
  /** The leader this peer follows or is; undefined while looking. */
  readonly leader: number | undefined
  /** currentEpoch: the last epoch whose history this peer fully accepted. */
  readonly epoch: number
  readonly acceptedEpoch: number
  /** Leader: established (a quorum acknowledged NEWLEADER). Learner: UPTODATE received. */
  readonly serving: boolean
  readonly lastLoggedZxid: bigint
  readonly committedZxid: bigint
}

/**
 * A leader's learners, counted as Apache's leader counts them for `mntr` (its LearnerHandler
 * sets). Learners are counted from their FOLLOWERINFO/OBSERVERINFO (Apache: from the connection,
 * which the core does not see) until their link is dropped.
 */
export interface LearnerCounts {
  /** every learner link, whatever its phase (Apache: `learners`) */
  readonly learners: number
  /** voters the leader forwards proposals to, from the start of their sync (Apache: `forwardingFollowers`) */
  readonly syncedFollowers: number
  /** observers it forwards INFORMs to, from the start of their sync (Apache: `observingLearners`) */
  readonly syncedObservers: number
  /** distinct zxids that learners' sync barriers wait on to commit (Apache: `pendingSyncs`, keyed by zxid) */
  readonly pendingSyncs: number
}

export type BarrierOutcome =
  | { readonly id: number; readonly ok: true; readonly zxid: bigint }
  | { readonly id: number; readonly ok: false; readonly reason: 'lost-leader' | 'busy' }

export interface Received {
  readonly from: number
  readonly payload: Uint8Array
}

/**
 * One batch of work for the caller: send the `early` messages (or not), persist, send the rest,
 * then apply `restore` (if any), the `committed` entries in order, resolve `barriers`, hand
 * `received` to the member layer, and call `advance(ready)`. While the persist is under way the
 * caller may send what Peer.takeEarly() hands out.
 */
export interface Ready {
  readonly persist: PersistOps | undefined
  readonly messages: readonly Outbound[]
  /** Replace the state machine with this snapshot before applying `committed`. */
  readonly restore: Snapshot | undefined
  readonly committed: readonly Entry[]
  /** Barriers are ordered after the committed entries of the same Ready (and all earlier ones). */
  readonly barriers: readonly BarrierOutcome[]
  readonly received: readonly Received[]
  /** Present when role, leader, epoch or serving changed. */
  readonly status: PeerStatus | undefined
}

export type Refusal =
  | 'not-leader'
  | 'not-serving'
  | 'busy'
  | 'epoch-exhausted'
  | 'too-large'
  | 'no-leader'
  | 'unknown-member'

export type Result<T> = ({ readonly ok: true } & T) | { readonly ok: false; readonly reason: Refusal }
