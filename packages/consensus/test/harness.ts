// A synchronous, hand-driven ensemble for unit tests (etcd raft's "deliver-msgs / stabilize"
// style): messages wait in one FIFO queue until a test delivers them, every message goes through
// encodeMessage/decodeMessage, and Readys are carried out on an in-memory disk at once.
import type { PeerConfigInput } from '../src/core/config.js'
import type { Message } from '../src/core/messages.js'
import type { BarrierOutcome, Entry, PersistedState, Ready, Received, Snapshot } from '../src/core/types.js'
import { decodeMessage, encodeMessage } from '../src/core/messages.js'
import { Peer } from '../src/core/peer.js'

export interface Disk {
  acceptedEpoch: number
  currentEpoch: number
  snapshot: Snapshot | undefined
  log: Entry[]
}

export interface Member {
  readonly id: number
  peer: Peer | undefined
  disk: Disk
  /** Payloads applied by the application, in order (restores reset it from the snapshot). */
  applied: string[]
  barriers: BarrierOutcome[]
  received: Received[]
  notes: string[]
  /** Every Ready this member produced, in order. */
  readys: Ready[]
}

interface InFlight {
  readonly from: number
  readonly to: number
  readonly bytes: Uint8Array
}

const text = new TextDecoder()
export const bytes = (s: string): Uint8Array => new TextEncoder().encode(s)

/** Snapshot data of the test application: its applied payloads joined by newlines. */
export function snapshotOf(m: Member, zxid: bigint): Snapshot {
  return { zxid, data: bytes(m.applied.join('\n')) }
}

export class Harness {
  readonly members = new Map<number, Member>()
  queue: InFlight[] = []
  private readonly cut = new Set<string>()
  private seed = 1

  constructor(
    readonly voters: number[],
    readonly observers: number[] = [],
    private readonly overrides: Partial<PeerConfigInput> = {},
  ) {
    for (const id of [...voters, ...observers]) {
      const m: Member = { id, peer: undefined, disk: { acceptedEpoch: 0, currentEpoch: 0, snapshot: undefined, log: [] }, applied: [], barriers: [], received: [], notes: [], readys: [] }
      this.members.set(id, m)
      this.start(id)
    }
  }

  member(id: number): Member {
    const m = this.members.get(id)
    if (m === undefined) throw new Error(`no member ${id}`)
    return m
  }

  peer(id: number): Peer {
    const p = this.member(id).peer
    if (p === undefined) throw new Error(`member ${id} is down`)
    return p
  }

  start(id: number, overrides: Partial<PeerConfigInput> = {}): void {
    const m = this.member(id)
    const d = m.disk
    const persisted: PersistedState = { acceptedEpoch: d.acceptedEpoch, currentEpoch: d.currentEpoch, snapshot: d.snapshot, log: [...d.log] }
    m.applied = d.snapshot === undefined || d.snapshot.data.length === 0 ? [] : text.decode(d.snapshot.data).split('\n')
    let state = this.seed++ * 7919
    const random = () => {
      state = (state * 48271) % 0x7fffffff
      return state / 0x7fffffff
    }
    m.peer = new Peer(
      { id, voters: this.voters, observers: this.observers, electionFinalizeTicks: 0, ...this.overrides, ...overrides },
      persisted,
      { random, note: (e) => m.notes.push(e) },
    )
    this.process(id)
  }

  crash(id: number): void {
    this.member(id).peer = undefined
    this.queue = this.queue.filter((f) => f.from !== id && f.to !== id)
  }

  /** Cuts both directions between a and b. */
  partition(a: number, b: number): void {
    this.cut.add(`${a}-${b}`).add(`${b}-${a}`)
  }

  isolate(id: number): void {
    for (const other of this.members.keys()) if (other !== id) this.partition(id, other)
  }

  heal(): void {
    this.cut.clear()
  }

  /** Carries out every Ready of a member: persist to its disk, queue messages, apply. */
  process(id: number): void {
    const m = this.member(id)
    for (let guard = 0; m.peer?.hasReady(); guard++) {
      if (guard > 10_000) throw new Error('ready loop')
      const rd = m.peer.ready()
      m.readys.push(rd)
      const p = rd.persist
      if (p !== undefined) {
        if (p.snapshot !== undefined) m.disk.snapshot = p.snapshot
        if (p.truncateAfterZxid !== undefined) m.disk.log = m.disk.log.filter((e) => e.zxid <= p.truncateAfterZxid!)
        m.disk.log.push(...p.append)
        if (p.acceptedEpoch !== undefined) m.disk.acceptedEpoch = p.acceptedEpoch
        if (p.currentEpoch !== undefined) m.disk.currentEpoch = p.currentEpoch
      }
      for (const o of rd.messages) this.queue.push({ from: id, to: o.to, bytes: encodeMessage(o.message) })
      if (rd.restore !== undefined) m.applied = rd.restore.data.length === 0 ? [] : text.decode(rd.restore.data).split('\n')
      for (const e of rd.committed) m.applied.push(text.decode(e.payload))
      m.barriers.push(...rd.barriers)
      m.received.push(...rd.received)
      m.peer.advance(rd)
    }
  }

  /** Delivers the messages queued now (not the ones they cause); returns how many arrived. */
  deliverOnce(filter: (from: number, to: number, m: Message) => boolean = () => true): number {
    const batch = this.queue
    this.queue = []
    let n = 0
    for (const f of batch) {
      const to = this.members.get(f.to)
      if (to?.peer === undefined || this.cut.has(`${f.from}-${f.to}`)) continue
      const message = decodeMessage(f.bytes)
      if (!filter(f.from, f.to, message)) continue
      to.peer.step(f.from, message)
      this.process(f.to)
      n++
    }
    return n
  }

  /** Delivers until nothing is in flight. */
  stabilize(maxRounds = 1000): void {
    for (let i = 0; i < maxRounds && this.queue.length > 0; i++) this.deliverOnce()
    if (this.queue.length > 0) throw new Error('did not stabilize')
  }

  tick(ids: Iterable<number> = this.members.keys()): void {
    for (const id of ids) {
      const p = this.members.get(id)?.peer
      if (p === undefined) continue
      p.tick()
      this.process(id)
    }
  }

  /** Ticks and stabilizes until `done` holds; fails after maxTicks. */
  until(done: () => boolean, maxTicks = 100): void {
    for (let i = 0; i < maxTicks; i++) {
      this.stabilize()
      if (done()) return
      this.tick()
    }
    this.stabilize()
    if (!done()) throw new Error(`condition not reached in ${maxTicks} ticks`)
  }

  leader(): number | undefined {
    for (const m of this.members.values()) {
      const s = m.peer?.status()
      if (s?.role === 'leading' && s.serving) return m.id
    }
    return undefined
  }

  /** Waits for an established leader that every live member serves under. */
  settle(maxTicks = 100): number {
    this.until(() => {
      const l = this.leader()
      if (l === undefined) return false
      return [...this.members.values()].every((m) => m.peer === undefined || (m.peer.status().serving && m.peer.status().leader === l))
    }, maxTicks)
    return this.leader()!
  }

  propose(payload: string): bigint {
    const l = this.leader()
    if (l === undefined) throw new Error('no leader')
    const r = this.peer(l).propose(bytes(payload))
    if (!r.ok) throw new Error(`propose refused: ${r.reason}`)
    this.process(l)
    return r.zxid
  }
}
