/**
 * Polls every member's mode (srvr) about once a second, for the report's timeline: who led when,
 * who was down or not serving.
 */
import { sleep } from '../faults/nemesis.js'
import type { ChaosTarget, MemberMode } from '../targets/target.js'

export interface ModeSample {
  atMs: number
  modes: Record<number, MemberMode>
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
      const entries = await Promise.all(this.target.members.map(async (m) => [m.id, (await this.target.status(m.id)).mode] as const))
      this.samples.push({ atMs, modes: Object.fromEntries(entries) })
      await sleep(this.everyMs, signal)
    }
  }

  /** Leader changes: each time the (single) leader differs from the last one seen. */
  leaderChanges(): { atMs: number; leader: number | undefined }[] {
    const changes: { atMs: number; leader: number | undefined }[] = []
    let last: number | undefined | null = null
    for (const sample of this.samples) {
      const leaders = Object.entries(sample.modes).filter(([, mode]) => mode === 'leader').map(([id]) => Number(id))
      const leader = leaders.length === 1 ? leaders[0] : undefined
      if (leader !== last) changes.push({ atMs: sample.atMs, leader })
      last = leader
    }
    return changes
  }
}
