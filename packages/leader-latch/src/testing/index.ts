export { FencedResource, checkHistory, verdict, type HistoryReport, type Term, type WriteAttempt, type WriteRecord } from './fence.js'
export { FenceServer, writesAfterStandDown, type Arrival, type FenceServerEvents, type ParticipantEvent } from './fence-server.js'
export { candidateConfigSchema, runCandidate, type CandidateConfig } from './candidate.js'
export { Fleet, candidateCommand, exited, spawnCandidate } from './spawn.js'
