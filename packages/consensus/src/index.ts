// Public API of @zoo/consensus: the pure core (Peer, messages), the simulator, and the storage
// and transport adapters a member drives it with.
export * from './core/index.js'
// storage/ has a structurally identical Snapshot; the core's name wins.
export type { Snapshot } from './core/types.js'
export * from './storage/index.js'
export * from './transport/index.js'
export { Member, MemberError, type MemberOptions, type MemberStats, type MemberEvents, type MemberErrorCode, type StateMachine } from './member.js'
