/**
 * The fault schedule: a pure function of (seed, duration, fault kinds, member count, timeouts),
 * so the same seed gives the same schedule. Faults come one at a time, each held for a while
 * and healed, with quiet gaps between them. Choices that depend on the running cluster ("the
 * current leader") are recorded as such and resolved when the fault starts; everything random
 * (which member, which split, how long) is decided here.
 */
import { Rng } from './rng.js'

export const FAULT_KINDS = ['kill', 'pause', 'partition', 'clock', 'disk', 'delay', 'cut'] as const
export type FaultKind = (typeof FAULT_KINDS)[number]

/** A member chosen now (by id) or the leader at the time the fault starts. */
export type MemberChoice = { member: number } | { leader: true; fallback: number }

export type PartitionShape = 'majority-minority' | 'isolated-leader' | 'bridge' | 'one-way'

export type FaultAction =
  /** kill -9, restart after downMs */
  | { kind: 'kill'; target: MemberChoice; downMs: number }
  /** SIGSTOP for pauseMs (longer than the session timeout), then SIGCONT */
  | { kind: 'pause'; target: MemberChoice; pauseMs: number }
  /**
   * `order` is a seeded permutation of member ids; the shape reads groups off it:
   * majority-minority: first floor(n/2) ids vs the rest; bridge: first half, last half, and the
   * middle id linked to both; isolated-leader: the leader vs the rest; one-way: traffic from
   * the first id to the others is dropped, the reverse flows.
   */
  | { kind: 'partition'; shape: PartitionShape; order: number[]; mode: 'drop' | 'cut'; holdMs: number }
  /** timer jumps: SIGSTOP for each of stopsMs in turn, running runMs between */
  | { kind: 'clock'; target: MemberChoice; stopsMs: number[]; runMs: number }
  /** kill -9, cut the newest log record mid-record (at cutFraction of it), restart once the rest serve */
  | { kind: 'disk'; target: MemberChoice; cutFraction: number }
  /** delayMs on each directed link, for holdMs */
  | { kind: 'delay'; links: [from: number, to: number][]; delayMs: number; holdMs: number }
  /** reset every connection on each link, and new ones, for holdMs */
  | { kind: 'cut'; links: [a: number, b: number][]; holdMs: number }

export interface ScheduledFault {
  /** not before this many ms after the workload starts (a fault that runs long pushes the rest) */
  atMs: number
  action: FaultAction
}

export interface ScheduleOptions {
  seed: number
  durationMs: number
  faults: readonly FaultKind[]
  members: number
  sessionTimeoutMs: number
  tickTimeMs: number
}

const WARMUP_MS = 3_000
/** The last fault ends this long before the workload stops, so the end of the run is quiet. */
const COOLDOWN_MS = 5_000

export function planSchedule(options: ScheduleOptions): ScheduledFault[] {
  if (options.members < 1) throw new RangeError('members must be at least 1')
  if (options.faults.length === 0) return []
  const rng = new Rng(options.seed)
  const ids = Array.from({ length: options.members }, (_, i) => i + 1)
  const schedule: ScheduledFault[] = []
  let at = WARMUP_MS + rng.int(0, 2_000)
  for (let index = 0; index < 10_000; index++) {
    const kind = rng.pick(options.faults)
    const action = plan(kind, rng, ids, options)
    const length = lengthOf(action)
    if (at + length > options.durationMs - COOLDOWN_MS) break
    schedule.push({ atMs: at, action })
    at += length + rng.int(2_000, 6_000)
  }
  return schedule
}

function choose(rng: Rng, ids: number[]): MemberChoice {
  return rng.chance(0.5) ? { leader: true, fallback: rng.pick(ids) } : { member: rng.pick(ids) }
}

/** Up to `count` distinct directed links (a repeat draw is dropped, so the draws stay the same per seed). */
function links(rng: Rng, ids: number[], count: number): [number, number][] {
  const out: [number, number][] = []
  for (let i = 0; i < count && ids.length > 1; i++) {
    const [a, b] = rng.shuffle(ids) as [number, number]
    if (!out.some(([x, y]) => x === a && y === b)) out.push([a, b])
  }
  return out
}

function plan(kind: FaultKind, rng: Rng, ids: number[], options: ScheduleOptions): FaultAction {
  const tick = options.tickTimeMs
  switch (kind) {
    case 'kill':
      return { kind, target: choose(rng, ids), downMs: rng.int(1_000, 8_000) }
    case 'pause':
      return { kind, target: choose(rng, ids), pauseMs: Math.round(options.sessionTimeoutMs * (1.2 + rng.next() * 1.3)) }
    case 'partition': {
      const shapes: PartitionShape[] = ids.length >= 3 ? ['majority-minority', 'isolated-leader', 'bridge', 'one-way'] : ['majority-minority', 'one-way']
      const shape = rng.pick(shapes)
      const order = rng.shuffle(ids)
      const cut = rng.chance(0.3)
      // A one-way fault can only drop: a reset would end the connection in both directions.
      return { kind, shape, order, mode: cut && shape !== 'one-way' ? 'cut' : 'drop', holdMs: rng.int(4_000, 15_000) }
    }
    case 'clock':
      return { kind, target: choose(rng, ids), stopsMs: Array.from({ length: rng.int(3, 6) }, () => rng.int(Math.round(tick * 1.5), tick * 4)), runMs: rng.int(100, 600) }
    case 'disk':
      return { kind, target: choose(rng, ids), cutFraction: rng.next() }
    case 'delay':
      return { kind, links: links(rng, ids, rng.int(1, Math.max(1, ids.length))), delayMs: rng.int(20, Math.round(tick * 0.8)), holdMs: rng.int(4_000, 12_000) }
    case 'cut':
      return { kind, links: links(rng, ids, rng.int(1, Math.max(1, ids.length - 1))), holdMs: rng.int(1_000, 5_000) }
  }
}

/** How long a fault occupies the schedule (restart and recovery waits come on top at run time). */
export function lengthOf(action: FaultAction): number {
  switch (action.kind) {
    case 'kill':
      return action.downMs
    case 'pause':
      return action.pauseMs
    case 'partition':
    case 'delay':
    case 'cut':
      return action.holdMs
    case 'clock':
      return action.stopsMs.reduce((sum, ms) => sum + ms + action.runMs, 0)
    case 'disk':
      return 3_000
  }
}

/** The partition's groups (or, for one-way and bridge, its cut links) once the leader is known. */
export function partitionLinks(action: Extract<FaultAction, { kind: 'partition' }>, leader: number | undefined): { separated: [number, number][]; oneWay: [number, number][] } {
  const order = action.order
  const n = order.length
  const pairsBetween = (a: number[], b: number[]) => a.flatMap((x) => b.map((y) => [x, y] as [number, number]))
  switch (action.shape) {
    case 'majority-minority': {
      const minority = order.slice(0, Math.floor(n / 2))
      return { separated: pairsBetween(minority, order.slice(minority.length)), oneWay: [] }
    }
    case 'isolated-leader': {
      const alone = leader ?? order[0]!
      return { separated: pairsBetween([alone], order.filter((id) => id !== alone)), oneWay: [] }
    }
    case 'bridge': {
      const half = Math.floor(n / 2)
      const left = order.slice(0, Math.floor((n - 1) / 2))
      const right = order.slice(half + 1)
      return { separated: pairsBetween(left, right), oneWay: [] }
    }
    case 'one-way':
      return { separated: [], oneWay: order.slice(1).map((to) => [order[0]!, to] as [number, number]) }
  }
}

export function describeAction(action: FaultAction): string {
  const who = (c: MemberChoice) => ('member' in c ? `member ${c.member}` : 'the leader')
  switch (action.kind) {
    case 'kill':
      return `kill -9 ${who(action.target)}, restart after ${action.downMs} ms`
    case 'pause':
      return `SIGSTOP ${who(action.target)} for ${action.pauseMs} ms`
    case 'partition':
      return `partition (${action.shape}, ${action.mode}) over [${action.order.join(',')}] for ${action.holdMs} ms`
    case 'clock':
      return `timer jumps on ${who(action.target)}: stops of ${action.stopsMs.join('/')} ms`
    case 'disk':
      return `kill -9 ${who(action.target)}, cut its newest log record at ${(action.cutFraction * 100).toFixed(0)}%, restart`
    case 'delay':
      return `delay ${action.delayMs} ms on ${action.links.map(([a, b]) => `${a}->${b}`).join(' ')} for ${action.holdMs} ms`
    case 'cut':
      return `reset connections on ${action.links.map(([a, b]) => `${a}-${b}`).join(' ')} for ${action.holdMs} ms`
  }
}
