// What the role modules (leader, learner) may see and do of the peer that hosts them.
import type { PeerConfig, UnsafeTestFaults } from './config.js'
import type { History } from './history.js'
import type { Outbox } from './outbox.js'

export interface PeerContext {
  readonly config: PeerConfig
  readonly faults: UnsafeTestFaults
  readonly history: History
  readonly outbox: Outbox
  readonly now: number
  readonly acceptedEpoch: number
  readonly currentEpoch: number
  /** Highest zxid handed to the application as committed. */
  readonly committedZxid: bigint
  /** Last logged zxid the caller has confirmed durable (advance). */
  readonly durableZxid: bigint
  readonly durableAcceptedEpoch: number
  readonly durableCurrentEpoch: number
  /** Highest acceptedEpoch any member told us about (notifications, FOLLOWERINFO). */
  readonly epochHint: number
  heardAcceptedEpoch(epoch: number): void
  setAcceptedEpoch(epoch: number): void
  /** `inCurrentReady` places the write before a split (the "currentEpoch before txns" fault). */
  setCurrentEpoch(epoch: number, inCurrentReady?: boolean): void
  /** Hands every entry up to zxid to the application (restoring the snapshot first if needed). */
  commitTo(zxid: bigint): void
  newLinkId(): number
  isObserver(id: number): boolean
  /** Leaves the current role for LOOKING (a new election round). */
  lookAgain(reason: string): void
  statusChanged(): void
  note(event: string): void
}
