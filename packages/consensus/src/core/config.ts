import { z } from 'zod'
import { ConsensusConfigError } from './errors.js'

const serverId = z.number().int().min(1).max(0x7fff_ffff)
const count = (min: number, fallback: number) => z.number().int().min(min).default(fallback)

/**
 * Test-only switches that break a safety rule on purpose, so tests can prove the simulator
 * notices. Never set them outside tests.
 */
export const unsafeTestFaultsSchema = z
  .object({
    /** Follower ACKs a proposal before the record is durable. */
    ackBeforeFsync: z.boolean(),
    /** On NEWLEADER a follower persists currentEpoch before the synced txns. */
    currentEpochBeforeTxns: z.boolean(),
    /** Votes carry the last committed zxid instead of the last logged one. */
    voteWithCommittedZxid: z.boolean(),
    /** The leader syncs a follower that is ahead of it instead of refusing it. */
    noFollowerAheadCheck: z.boolean(),
    /** The leader commits (and so acknowledges) a proposal once it is durable in its own log, without a quorum. */
    ackBeforeQuorum: z.boolean(),
  })
  .partial()

export type UnsafeTestFaults = z.infer<typeof unsafeTestFaultsSchema>

export const peerConfigSchema = z
  .object({
    id: serverId,
    voters: z.array(serverId).min(1),
    observers: z.array(serverId).default([]),
    /** Ticks a learner has to connect and sync; ticks a new leader has to establish its epoch. */
    initLimitTicks: count(1, 10),
    /** Ticks of silence after which a leader drops a learner and a learner leaves its leader. */
    syncLimitTicks: count(1, 5),
    /** Ticks to wait for a better vote once a quorum agrees (Apache: finalizeWait 200 ms). */
    electionFinalizeTicks: count(0, 1),
    /** Ticks between re-broadcasts of a looking peer's vote. */
    electionResendTicks: count(1, 2),
    maxInflightProposals: count(1, 1000),
    maxEntriesPerMessage: count(1, 512),
    maxBatchBytes: count(1, 1 << 20),
    maxPayloadBytes: count(0, 1 << 20),
    maxPendingBarriers: count(1, 1000),
    /** Bound on the txns a learner buffers while syncing; above it a leader must send SNAP. */
    maxSyncEntries: count(1, 1_000_000),
    maxSnapshotBytes: count(0, 1 << 30),
    maxSnapshotChunkBytes: count(1, 256 << 10),
    /** Usable width of the zxid counter (Apache: 32). */
    counterBits: z.number().int().min(2).max(32).default(32),
    unsafeTestFaults: unsafeTestFaultsSchema.default({}),
  })
  .superRefine((c, ctx) => {
    const all = [...c.voters, ...c.observers]
    if (new Set(all).size !== all.length) ctx.addIssue({ code: 'custom', message: 'server ids must be unique across voters and observers' })
    if (!all.includes(c.id)) ctx.addIssue({ code: 'custom', message: `id ${c.id} is neither a voter nor an observer` })
    if (c.initLimitTicks < c.syncLimitTicks) ctx.addIssue({ code: 'custom', message: 'initLimitTicks must be >= syncLimitTicks' })
  })

export type PeerConfigInput = z.input<typeof peerConfigSchema>
export type PeerConfig = Readonly<z.output<typeof peerConfigSchema>>

export function resolvePeerConfig(input: PeerConfigInput): PeerConfig {
  const parsed = peerConfigSchema.safeParse(input)
  if (!parsed.success) throw new ConsensusConfigError(z.prettifyError(parsed.error))
  return Object.freeze(parsed.data)
}
