/**
 * Runs a fault schedule against a live ensemble: process faults through the target, network
 * faults through the proxies. One fault at a time; each is healed before the next, also when the
 * run is stopped midway. Every fault is recorded with its real start and end for the report.
 */
import { sleep } from '../sleep.js'
import type { ChaosTarget } from '../targets/target.js'
import type { Network } from './network.js'
import { describeAction, partitionLinks, type FaultAction, type MemberChoice, type ScheduledFault } from './schedule.js'

export interface FaultRecord {
  kind: FaultAction['kind'] | 'broken'
  description: string
  startMs: number
  endMs: number
  members: number[]
  /** what happened beyond the plan (a damaged record, a wait that timed out) */
  notes: string[]
}

export interface NemesisContext {
  target: ChaosTarget
  network: Network
  /** ms since the run started */
  now: () => number
  log: (line: string) => void
  /** how long to wait for a restarted member or a recovering quorum */
  recoveryTimeoutMs: number
}

export async function currentLeader(target: ChaosTarget, among?: readonly number[]): Promise<number | undefined> {
  const ids = among ?? target.members.map((m) => m.id)
  const statuses = await Promise.all(ids.map(async (id) => ({ id, status: await target.status(id) })))
  return statuses.find((s) => s.status.mode === 'leader')?.id
}

export class Nemesis {
  readonly records: FaultRecord[] = []
  private readonly paused = new Set<number>()
  private readonly down = new Set<number>()

  constructor(private readonly context: NemesisContext) {}

  /** Runs the schedule until it ends or `signal` aborts; heals after every fault. */
  async run(schedule: readonly ScheduledFault[], signal: AbortSignal): Promise<void> {
    for (const fault of schedule) {
      const wait = fault.atMs - this.context.now()
      if (wait > 0) await sleep(wait, signal)
      if (signal.aborted) return
      await this.apply(fault.action, signal)
    }
  }

  /** Undoes whatever is still in effect: network faults, stopped and killed members. */
  async healAll(): Promise<void> {
    this.context.network.heal()
    for (const id of this.paused) this.signal(id, 'SIGCONT')
    this.paused.clear()
    for (const id of [...this.down]) await this.restart(id)
  }

  private async resolve(choice: MemberChoice): Promise<number> {
    if ('member' in choice) return choice.member
    return (await currentLeader(this.context.target)) ?? choice.fallback
  }

  private async apply(action: FaultAction, signal: AbortSignal): Promise<void> {
    const record: FaultRecord = { kind: action.kind, description: describeAction(action), startMs: this.context.now(), endMs: 0, members: [], notes: [] }
    this.context.log(`fault: ${record.description}`)
    this.records.push(record)
    try {
      await this.perform(action, record, signal)
    } catch (error) {
      record.notes.push(`failed: ${(error as Error).message}`)
      this.context.log(`fault failed: ${(error as Error).message}`)
    } finally {
      // A member that cannot be restarted is recorded, not thrown: the recovery check after the
      // workload then fails the run with the member's output at hand.
      await this.healAll().catch((error: Error) => record.notes.push(`heal failed: ${error.message}`))
      record.endMs = this.context.now()
      this.context.log(`healed: ${record.description}${record.notes.length ? ` (${record.notes.join('; ')})` : ''}`)
    }
  }

  private async perform(action: FaultAction, record: FaultRecord, signal: AbortSignal): Promise<void> {
    const { network } = this.context
    switch (action.kind) {
      case 'kill': {
        const id = await this.resolve(action.target)
        record.members.push(id)
        await this.kill(id)
        await sleep(action.downMs, signal)
        return
      }
      case 'pause': {
        const id = await this.resolve(action.target)
        record.members.push(id)
        this.stop(id)
        await sleep(action.pauseMs, signal)
        return
      }
      case 'clock': {
        const id = await this.resolve(action.target)
        record.members.push(id)
        for (const stopMs of action.stopsMs) {
          this.stop(id)
          await sleep(stopMs, signal)
          this.resume(id)
          await sleep(action.runMs, signal)
          if (signal.aborted) return
        }
        return
      }
      case 'disk':
        return await this.disk(await this.resolve(action.target), action.cutFraction, record)
      case 'partition': {
        const leader = action.shape === 'isolated-leader' ? await currentLeader(this.context.target) : undefined
        const { separated, oneWay } = partitionLinks(action, leader)
        for (const [a, b] of separated) network.separate(a, b, action.mode)
        for (const [from, to] of oneWay) network.drop(from, to)
        record.members.push(...new Set([...separated, ...oneWay].flat()))
        if (leader !== undefined) record.notes.push(`leader was ${leader}`)
        await sleep(action.holdMs, signal)
        return
      }
      case 'delay':
        for (const [from, to] of action.links) network.delay(from, to, action.delayMs)
        record.members.push(...new Set(action.links.flat()))
        await sleep(action.holdMs, signal)
        return
      case 'cut':
        for (const [a, b] of action.links) network.cut(a, b)
        record.members.push(...new Set(action.links.flat()))
        await sleep(action.holdMs, signal)
        return
    }
  }

  /**
   * A torn tail on one member, kept within what a quorum protocol tolerates: the cut record may
   * have been acknowledged, so the member restarts only once the others serve under a leader
   * (who has every acknowledged txn), and the fault ends only once it has caught up again.
   */
  private async disk(id: number, cutFraction: number, record: FaultRecord): Promise<void> {
    const { target, recoveryTimeoutMs } = this.context
    record.members.push(id)
    await this.kill(id)
    const damage = await target.damageLogTail(id, () => cutFraction)
    record.notes.push(`cut ${damage.file.split('/').slice(-2).join('/')} from ${damage.fromBytes} to ${damage.toBytes} bytes: record zxid 0x${damage.cutZxid.toString(16)} kept ${damage.keptBytesOfRecord}/${damage.recordBytes} bytes`)
    const others = target.members.map((m) => m.id).filter((m) => m !== id)
    if (!(await this.waitUntil(async () => (await currentLeader(target, others)) !== undefined, recoveryTimeoutMs))) record.notes.push('the other members found no leader in time')
    await this.restart(id)
    const caughtUp = await this.waitUntil(async () => {
      const status = await target.status(id)
      return (status.mode === 'follower' || status.mode === 'leader') && status.zxid !== undefined && status.zxid >= damage.cutZxid
    }, recoveryTimeoutMs)
    if (!caughtUp) record.notes.push(`member ${id} did not catch up past 0x${damage.cutZxid.toString(16)} in time`)
  }

  private async waitUntil(probe: () => Promise<boolean>, timeoutMs: number): Promise<boolean> {
    const deadline = this.context.now() + timeoutMs
    while (this.context.now() < deadline) {
      if (await probe()) return true
      await sleep(250)
    }
    return false
  }

  private async kill(id: number): Promise<void> {
    this.paused.delete(id)
    this.down.add(id)
    await this.context.target.kill(id)
  }

  private async restart(id: number): Promise<void> {
    try {
      await this.context.target.restart(id)
      this.down.delete(id)
    } catch (error) {
      this.context.log(`restart of member ${id} failed: ${(error as Error).message}\n${this.context.target.logTail(id)}`)
      throw error
    }
  }

  private stop(id: number): void {
    this.paused.add(id)
    this.signal(id, 'SIGSTOP')
  }

  private resume(id: number): void {
    this.paused.delete(id)
    this.signal(id, 'SIGCONT')
  }

  private signal(id: number, signal: NodeJS.Signals): void {
    const pid = this.context.target.pid(id)
    if (pid !== undefined) process.kill(pid, signal)
  }
}
