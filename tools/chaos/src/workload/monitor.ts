/**
 * Polls every member's mode (srvr) about once a second, for the report's timeline: who led when,
 * who was down or not serving.
 */
import { sleep } from '../sleep.js'
import type { ChaosTarget, MemberMode } from '../targets/target.js'

export interface ModeSample {
  atMs: number
  modes: Record<number, MemberMode>
  /** the epoch (high 32 bits of its zxid) of the one member in leader mode, if exactly one */
  leaderEpoch?: number
}

export class Monitor {
  readonly samples: ModeSample[] = []

  constructor(
    private readonly target: ChaosTarget,
    private readonly now: () => number,
    private readonly everyMs = 1_000,
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      const atMs = this.now()
      const statuses = await Promise.all(this.target.members.map(async (m) => [m.id, await this.target.status(m.id)] as const))
      const leaders = statuses.filter(([, status]) => status.mode === 'leader')
      const zxid = leaders.length === 1 ? leaders[0]![1].zxid : undefined
      this.samples.push({ atMs, modes: Object.fromEntries(statuses.map(([id, status]) => [id, status.mode])), leaderEpoch: zxid === undefined ? undefined : Number(zxid >> 32n) })
      await sleep(this.everyMs, signal)
    }
  }

  leaderChanges(): LeaderChange[] {
    return leaderChanges(this.samples)
  }
}

export interface LeaderChange {
  atMs: number
  leader: number
  epoch: number | undefined
}

/**
 * Each new leadership seen: a different member leading, or the same member leading in a new
 * epoch (re-elected). Samples without exactly one leader (elections, a paused leader that does
 * not answer) are gaps, not changes.
 */
export function leaderChanges(samples: readonly ModeSample[]): LeaderChange[] {
  const changes: LeaderChange[] = []
  let last: LeaderChange | undefined
  for (const sample of samples) {
    const leaders = Object.entries(sample.modes).filter(([, mode]) => mode === 'leader').map(([id]) => Number(id))
    if (leaders.length !== 1) continue
    const change = { atMs: sample.atMs, leader: leaders[0]!, epoch: sample.leaderEpoch }
    const same = last !== undefined && last.leader === change.leader && (change.epoch === undefined || last.epoch === undefined || change.epoch === last.epoch)
    if (!same) changes.push(change)
    last = { ...change, epoch: change.epoch ?? (same ? last!.epoch : undefined) }
  }
  return changes
}
