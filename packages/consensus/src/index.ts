// Public API of @zoo/consensus. The core (src/core) and simulator (src/sim) are filled in by
// the "core" work; storage/transport/member are exported here once they exist.
export const CONSENSUS_SKELETON = true
export * from './storage/index.js'
export * from './transport/index.js'
