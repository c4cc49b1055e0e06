export { Peer, type PeerStats } from './peer.js'
export { peerConfigSchema, resolvePeerConfig, unsafeTestFaultsSchema, type PeerConfig, type PeerConfigInput, type UnsafeTestFaults } from './config.js'
export { encodeMessage, decodeMessage, isLinkMessage, type Message, type Notification, type LinkMessage, type LinkBody, type Reset, type SyncMode } from './messages.js'
export { MessageDecodeError, ConsensusConfigError, InvariantError } from './errors.js'
export { makeZxid, epochOf, counterOf, maxCounter, formatZxid, MAX_EPOCH } from './zxid.js'
export { quorumSize } from './quorum.js'
export { betterVote, type Vote } from './election.js'
export type {
  Entry,
  Snapshot,
  Role,
  PersistedState,
  PeerEnv,
  PersistOps,
  Outbound,
  PeerStatus,
  BarrierOutcome,
  LearnerCounts,
  Received,
  Ready,
  Refusal,
  Result,
} from './types.js'
