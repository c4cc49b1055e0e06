// The event trace of one run, kept compactly (four numbers per event, plus a reference for the
// events that carry a message or a text) and formatted only when a violation is printed.
import type { Message } from '../core/messages.js'
import { formatZxid } from '../core/zxid.js'

export const Ev = {
  Deliver: 1,
  Drop: 2,
  Duplicate: 3,
  Crash: 4,
  Restart: 5,
  Partition: 6,
  Heal: 7,
  Disk: 8,
  Propose: 9,
  Apply: 10,
  Status: 11,
  Note: 12,
  Phase: 13,
  Violation: 14,
  Barrier: 15,
  Torn: 16,
  LinkDown: 17,
} as const
export type Ev = (typeof Ev)[keyof typeof Ev]

const NAMES: Record<number, string> = {
  [Ev.Deliver]: 'deliver',
  [Ev.Drop]: 'drop',
  [Ev.Duplicate]: 'duplicate',
  [Ev.Crash]: 'CRASH',
  [Ev.Restart]: 'restart',
  [Ev.Partition]: 'PARTITION',
  [Ev.Heal]: 'heal',
  [Ev.Disk]: 'disk',
  [Ev.Propose]: 'propose',
  [Ev.Apply]: 'apply',
  [Ev.Status]: 'status',
  [Ev.Note]: 'note',
  [Ev.Phase]: 'PHASE',
  [Ev.Violation]: 'VIOLATION',
  [Ev.Barrier]: 'barrier',
  [Ev.Torn]: 'torn',
  [Ev.LinkDown]: 'link down',
}

export class Trace {
  private readonly nums: number[] = []
  private readonly refs = new Map<number, unknown>()

  constructor(private readonly maxEvents: number) {}

  get length(): number {
    return this.nums.length / 4
  }

  /** a, b: member ids (or 0); ref: a message or text shown with the event. */
  add(timeMs: number, kind: Ev, a: number, b: number, ref?: unknown): void {
    if (this.nums.length / 4 >= this.maxEvents) return
    if (ref !== undefined) this.refs.set(this.nums.length / 4, ref)
    this.nums.push(timeMs, kind, a, b)
  }

  /** The last `tail` events, one per line. */
  format(tail = Infinity): string {
    const n = this.length
    const from = Math.max(0, n - tail)
    const lines: string[] = []
    if (from > 0) lines.push(`... ${from} earlier events omitted (use --trace-lines to see more)`)
    for (let i = from; i < n; i++) {
      const [t, k, a, b] = this.nums.slice(i * 4, i * 4 + 4) as [number, number, number, number]
      const who = b !== 0 ? `${a}->${b}` : a !== 0 ? `${a}` : '-'
      lines.push(`${String(t).padStart(8)}ms ${NAMES[k]!.padEnd(9)} ${who.padEnd(6)} ${describe(this.refs.get(i))}`)
    }
    if (n >= this.maxEvents) lines.push(`(trace capped at ${this.maxEvents} events)`)
    return lines.join('\n')
  }
}

function describe(ref: unknown): string {
  if (ref === undefined) return ''
  if (typeof ref === 'string') return ref
  const m = ref as Message
  if (typeof m !== 'object' || m === null || !('type' in m)) return String(ref)
  return describeMessage(m)
}

export function describeMessage(m: Message): string {
  switch (m.type) {
    case 'notification':
      return `notification ${m.state} vote=${m.leader} zxid=${formatZxid(m.zxid)} round=${m.round} peerEpoch=${m.peerEpoch} accepted=${m.acceptedEpoch}`
    case 'reset':
      return `reset link=${m.link}`
    default: {
      const head = `${m.type} link=${m.link} seq=${m.seq}`
      switch (m.type) {
        case 'followerinfo':
          return `${head} acceptedEpoch=${m.acceptedEpoch}${m.observer ? ' observer' : ''}`
        case 'leaderinfo':
          return `${head} newEpoch=${m.newEpoch}`
        case 'ackepoch':
          return `${head} currentEpoch=${m.currentEpoch} last=${formatZxid(m.lastZxid)}${m.counted ? '' : ' (not counted)'}`
        case 'syncstart':
          return `${head} ${m.mode} trunc=${formatZxid(m.truncZxid)} snapshot=${formatZxid(m.snapshotZxid)}/${m.snapshotBytes}B`
        case 'syncentries':
        case 'proposal':
        case 'inform':
          return `${head} ${zxids(m.entries)}`
        case 'newleader':
          return `${head} epoch=${m.epoch} last=${formatZxid(m.lastZxid)}`
        case 'acknewleader':
          return `${head} last=${formatZxid(m.lastZxid)}`
        case 'uptodate':
          return `${head} commit=${formatZxid(m.commitZxid)}`
        case 'ack':
        case 'commit':
          return `${head} ${formatZxid(m.zxid)}`
        case 'barrier':
          return `${head} id=${m.id}`
        case 'barrierdone':
          return `${head} id=${m.id} ${formatZxid(m.zxid)} ok=${m.ok}`
        default:
          return head
      }
    }
  }
}

function zxids(entries: readonly { zxid: bigint }[]): string {
  if (entries.length === 0) return '[]'
  if (entries.length === 1) return `[${formatZxid(entries[0]!.zxid)}]`
  return `[${formatZxid(entries[0]!.zxid)}..${formatZxid(entries.at(-1)!.zxid)} (${entries.length})]`
}
