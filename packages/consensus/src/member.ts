// One ensemble member: the pure core (Peer) driven by real storage, TCP transport and a tick
// timer. The loop is etcd raft's: take a Ready, make its writes durable, send its messages,
// apply what it committed, advance. Everything that arrives while a Ready's fsync is in flight
// (proposals, follower ACKs) lands in the next Ready, so one fsync covers a whole batch.
import { EventEmitter } from 'node:events'
import { join } from 'node:path'
import type { PeerConfigInput } from './core/config.js'
import type { Entry, LearnerCounts, PeerStatus, PersistOps, Ready, Received, Refusal, Snapshot } from './core/types.js'
import { decodeMessage, encodeMessage } from './core/messages.js'
import { Peer } from './core/peer.js'
import { epochOf, formatZxid } from './core/zxid.js'
import { EpochStore } from './storage/epoch-store.js'
import { stderrLogger, type StorageLogger } from './storage/errors.js'
import { SnapshotStore } from './storage/snapshot-store.js'
import { TxnLog } from './storage/txn-log.js'
import { PeerTransport, type PeerAddress, type PeerLinkStats } from './transport/peer-transport.js'
import type { PeerTlsOptions } from './transport/tls.js'

/** The application the member replicates for: it sees committed entries in zxid order. */
export interface StateMachine {
  /** Applies one committed entry. Throwing stops the member (fail-stop). */
  apply(entry: Entry): void
  /**
   * Replaces the whole state (undefined = empty): at start and when a leader sends SNAP. It may
   * return a promise and load a slice at a time (a million znodes take seconds): the member
   * applies nothing else until it settles, and keeps answering its leader meanwhile.
   */
  restore(snapshot: Snapshot | undefined): void | Promise<void>
  /**
   * The state after the last applied entry, for a snapshot: its bytes, or an iterable of chunks
   * that produces them a slice at a time. The member writes each chunk to the file before asking
   * for the next and lets its event loop run in between (an empty chunk is only a pause), and it
   * keeps applying entries meanwhile: the chunks must describe the state as it was when
   * snapshot() was called. A snapshot cut short (close, a write error) calls the iterator's return().
   */
  snapshot(): Uint8Array | Iterable<Uint8Array>
}

export interface MemberOptions {
  id: number
  voters: number[]
  observers?: number[]
  /** Every member's peer address, this one's included (it listens there). */
  addresses: ReadonlyMap<number, PeerAddress>
  dataDir: string
  stateMachine: StateMachine
  /** Wall-clock length of one core tick; the core's limits are counted in ticks. */
  tickMs?: number
  /** Core settings other than id/voters/observers (initLimitTicks, syncLimitTicks, ...). */
  consensus?: Omit<PeerConfigInput, 'id' | 'voters' | 'observers'>
  /**
   * Take a snapshot (and compact log and memory) after this many applied entries; a function is
   * asked again after each snapshot (Apache's snapCount/2 + random(snapCount/2), re-rolled).
   */
  snapshotEveryEntries?: number | (() => number)
  /**
   * Also take one once the entries applied since the last carry this many payload bytes (Apache's
   * snapSizeLimitInKb: a few huge txns must not grow the log without bound); a function is asked
   * again after each snapshot. Default: no size limit.
   */
  snapshotEveryBytes?: number | (() => number)
  /** Snapshots kept on disk; the log keeps what the oldest of them needs. */
  keepSnapshots?: number
  segmentBytes?: number
  maxFrameBytes?: number
  maxQueueBytes?: number
  /** TLS with mutual authentication between members (see PeerTlsOptions); plain TCP when absent. */
  tls?: PeerTlsOptions
  /** A new link that has not finished its TLS handshake and hello by then is closed (default 5 s). */
  handshakeTimeoutMs?: number
  logger?: StorageLogger
  /** Randomness for the core (link ids) and reconnect jitter. */
  random?: () => number
  /** The core's notes (elections, syncs, drops), for debugging. */
  trace?: (event: string) => void
}

export type MemberErrorCode = Refusal | 'lost-leader' | 'closed'

/** A proposal or barrier the member could not carry out; `code` says why. */
export class MemberError extends Error {
  override readonly name = 'MemberError'
  constructor(
    readonly code: MemberErrorCode,
    message: string,
  ) {
    super(message)
  }
}

export interface MemberStats {
  /** Readies carried out, and those that had writes (each of those is one log fsync at most). */
  readies: number
  persists: number
  logFsyncs: number
  loggedRecords: number
  appliedEntries: number
  snapshotsTaken: number
  /** The newest snapshot this member took: its size and how long it took to write, or undefined. */
  lastSnapshot: { zxid: bigint; bytes: number; ms: number } | undefined
  droppedBadMessages: number
}

export interface MemberEvents {
  status: [status: PeerStatus]
  /** Member-to-member channel bytes (the core's sendToLeader / sendToMember). */
  received: [received: Received]
  /** A snapshot of this member's own is durable (its zxid, file data bytes, milliseconds taken). */
  snapshot: [snapshot: { zxid: bigint; bytes: number; ms: number }]
  /** A fatal error: the member has stopped. */
  error: [error: Error]
}

interface Waiter<T> {
  resolve: (value: T) => void
  reject: (error: Error) => void
}

export class Member extends EventEmitter<MemberEvents> {
  readonly stats: MemberStats = { readies: 0, persists: 0, logFsyncs: 0, loggedRecords: 0, appliedEntries: 0, snapshotsTaken: 0, lastSnapshot: undefined, droppedBadMessages: 0 }
  private readonly proposals = new Map<bigint, Waiter<bigint>>()
  private readonly barriers = new Map<number, Waiter<bigint>>()
  private ticker: NodeJS.Timeout | undefined
  private driving = false
  private drivePending = false
  private earlyFlushPending = false
  private closed = false
  private failure: Error | undefined
  private appliedZxid: bigint
  private appliedSinceSnapshot = 0
  private appliedBytesSinceSnapshot = 0
  private snapshotThreshold: number
  private snapshotBytesThreshold: number
  /** The snapshot being written, if any (close waits for it to stop). */
  private snapshotting: Promise<void> | undefined

  private constructor(
    readonly id: number,
    private readonly peer: Peer,
    private readonly log: TxnLog,
    private readonly epochs: EpochStore,
    private readonly snapshots: SnapshotStore,
    private readonly transport: PeerTransport,
    private readonly options: MemberOptions,
    snapshotZxid: bigint,
  ) {
    super()
    this.appliedZxid = snapshotZxid
    this.snapshotThreshold = this.nextSnapshotThreshold()
    this.snapshotBytesThreshold = this.nextSnapshotBytesThreshold()
  }

  /** Loads storage (repairing a torn log tail), restores the state machine, starts the links. */
  static async start(options: MemberOptions): Promise<Member> {
    const logger = options.logger ?? stderrLogger
    const log = await TxnLog.open(join(options.dataDir, 'log'), { segmentBytes: options.segmentBytes, logger })
    try {
      const snapshots = await SnapshotStore.open(join(options.dataDir, 'snapshots'), { logger })
      const snapshot = await snapshots.latest()
      const entries = await log.readAll(snapshot?.zxid ?? -1n)
      const lastZxid = entries.at(-1)?.zxid ?? snapshot?.zxid ?? 0n
      const epochs = await EpochStore.open(options.dataDir, { fallbackEpoch: epochOf(lastZxid) })
      const random = options.random ?? Math.random
      const peer = new Peer(
        { ...options.consensus, id: options.id, voters: options.voters, observers: options.observers ?? [] },
        { acceptedEpoch: epochs.acceptedEpoch, currentEpoch: epochs.currentEpoch, snapshot, log: entries },
        { random, note: options.trace },
      )
      await options.stateMachine.restore(snapshot)
      const transport = new PeerTransport({
        id: options.id,
        peers: options.addresses,
        listen: addressOf(options.addresses, options.id),
        maxFrameBytes: options.maxFrameBytes,
        maxQueueBytes: options.maxQueueBytes,
        tls: options.tls,
        handshakeTimeoutMs: options.handshakeTimeoutMs,
        random,
      })
      const member = new Member(options.id, peer, log, epochs, snapshots, transport, options, snapshot?.zxid ?? 0n)
      await member.run()
      return member
    } catch (error) {
      await log.close()
      throw error
    }
  }

  /** Resolves with the zxid once the entry is committed and applied here (leader only). */
  propose(payload: Uint8Array): Promise<bigint> {
    if (this.closed) return Promise.reject(new MemberError('closed', 'member is closed'))
    const result = this.peer.propose(payload)
    if (!result.ok) return Promise.reject(new MemberError(result.reason, `proposal refused: ${result.reason}`))
    this.kick()
    return new Promise((resolve, reject) => this.proposals.set(result.zxid, { resolve, reject }))
  }

  /** Resolves once everything proposed before it (ensemble-wide) is applied here: `sync`. */
  barrier(): Promise<bigint> {
    if (this.closed) return Promise.reject(new MemberError('closed', 'member is closed'))
    const result = this.peer.barrier()
    if (!result.ok) return Promise.reject(new MemberError(result.reason, `barrier refused: ${result.reason}`))
    this.kick()
    return new Promise((resolve, reject) => this.barriers.set(result.id, { resolve, reject }))
  }

  /** Opaque bytes to the leader over the ordered member channel. */
  sendToLeader(payload: Uint8Array): void {
    this.refuseUnless(this.peer.sendToLeader(payload))
  }

  /** Leader only: opaque bytes to a synced member. */
  sendToMember(to: number, payload: Uint8Array): void {
    this.refuseUnless(this.peer.sendToMember(to, payload))
  }

  status(): PeerStatus {
    return this.peer.status()
  }

  /** Leader only: its learners as Apache's leader counts them for mntr; undefined otherwise. */
  learnerCounts(): LearnerCounts | undefined {
    return this.peer.learnerCounts()
  }

  linkStats(peer: number): PeerLinkStats {
    return this.transport.stats(peer)
  }

  /** Where open() cut a torn or corrupt log tail, if it did. */
  get truncatedTail(): TxnLog['truncatedTail'] {
    return this.log.truncatedTail
  }

  async close(): Promise<void> {
    if (this.closed) return
    this.closed = true
    clearInterval(this.ticker)
    this.failWaiters('closed', 'member closed')
    await this.transport.close()
    while (this.driving) await new Promise((resolve) => setTimeout(resolve, 1))
    await this.snapshotting
    await this.log.close()
  }

  private async run(): Promise<void> {
    this.transport.on('message', (from, bytes) => this.onMessage(from, bytes))
    this.transport.on('disconnected', (peer, reason) => this.onDisconnected(peer, reason))
    this.transport.on('connected', (peer) => {
      if (!this.closed) this.peer.linkUp(peer)
    })
    this.transport.on('warning', (message) => this.logger('transport', { member: this.id, message }))
    await this.transport.start()
    this.ticker = setInterval(() => {
      this.peer.tick()
      this.kick()
    }, this.options.tickMs ?? 100)
    this.kick()
  }

  private onMessage(from: number, bytes: Uint8Array): void {
    if (this.closed) return
    let message
    try {
      message = decodeMessage(bytes)
    } catch (error) {
      // A peer sent bytes we cannot read: drop them; the link's sequence check notices the gap.
      this.stats.droppedBadMessages += 1
      this.logger('dropped an undecodable message', { member: this.id, from, error: String(error) })
      return
    }
    this.peer.step(from, message)
    this.kick()
  }

  /**
   * A closed or reset connection ends a Zab link at once (a follower looks for a leader again
   * without waiting out syncLimit). The transport emits this only for a connection that had
   * completed its handshake, so a peer that is merely unreachable does not repeat it.
   */
  private onDisconnected(peer: number, reason: string): void {
    if (this.closed) return
    this.options.trace?.(`connection to ${peer} lost: ${reason}`)
    this.peer.linkDown(peer)
    this.kick()
  }

  private refuseUnless(result: { ok: true } | { ok: false; reason: Refusal }): void {
    if (!result.ok) throw new MemberError(result.reason, `refused: ${result.reason}`)
    this.kick()
  }

  /**
   * Runs the Ready loop soon; calls made while it runs are picked up by the running loop, and
   * what they produced that need not wait for its fsync leaves at the end of this event-loop
   * turn (one flush per turn, so a burst of proposals still goes out as one message per member).
   */
  private kick(): void {
    if (this.closed) return
    if (this.driving) {
      this.drivePending = true
      if (!this.earlyFlushPending) {
        this.earlyFlushPending = true
        setImmediate(() => this.flushEarly())
      }
      return
    }
    this.driving = true
    setImmediate(() => void this.drive())
  }

  private flushEarly(): void {
    this.earlyFlushPending = false
    if (this.closed) return
    for (const { to, message } of this.peer.takeEarly()) this.transport.send(to, encodeMessage(message))
  }

  private async drive(): Promise<void> {
    try {
      do {
        this.drivePending = false
        while (!this.closed && this.peer.hasReady()) await this.handle(this.peer.ready())
      } while (this.drivePending && !this.closed)
    } catch (error) {
      this.fail(error as Error)
    } finally {
      this.driving = false
    }
  }

  private async handle(ready: Ready): Promise<void> {
    this.stats.readies += 1
    for (const { to, message, early } of ready.messages) if (early === true) this.transport.send(to, encodeMessage(message))
    if (ready.persist !== undefined) await this.persist(ready.persist)
    if (this.closed) return
    for (const { to, message, early } of ready.messages) if (early !== true) this.transport.send(to, encodeMessage(message))
    this.peer.sentAfterPersist()
    if (ready.restore !== undefined) await this.restore(ready.restore)
    if (this.closed) return
    this.apply(ready)
    this.peer.advance(ready)
    if (ready.status !== undefined) this.onStatus(ready.status)
    this.maybeSnapshot()
  }

  /** The core's order: snapshot, truncate, append (one fsync), acceptedEpoch, currentEpoch. */
  private async persist(ops: PersistOps): Promise<void> {
    this.stats.persists += 1
    if (ops.snapshot !== undefined) await this.snapshots.save(ops.snapshot.zxid, ops.snapshot.data)
    if (ops.truncateAfterZxid !== undefined && ops.truncateAfterZxid < this.log.lastZxid) await this.log.truncateAfter(ops.truncateAfterZxid)
    if (ops.append.length > 0) await this.log.append(ops.append)
    if (ops.acceptedEpoch !== undefined || ops.currentEpoch !== undefined) {
      await this.epochs.update({ acceptedEpoch: ops.acceptedEpoch, currentEpoch: ops.currentEpoch })
    }
    this.stats.logFsyncs = this.log.stats.fsyncs
    this.stats.loggedRecords = this.log.stats.records
  }

  private async restore(snapshot: Snapshot): Promise<void> {
    await this.options.stateMachine.restore(snapshot)
    this.appliedZxid = snapshot.zxid
  }

  private apply(ready: Ready): void {
    const machine = this.options.stateMachine
    for (const entry of ready.committed) {
      machine.apply(entry)
      this.appliedZxid = entry.zxid
      this.stats.appliedEntries += 1
      this.appliedSinceSnapshot += 1
      this.appliedBytesSinceSnapshot += entry.payload.byteLength
      const waiter = this.proposals.get(entry.zxid)
      if (waiter !== undefined) {
        this.proposals.delete(entry.zxid)
        waiter.resolve(entry.zxid)
      }
    }
    for (const outcome of ready.barriers) {
      const waiter = this.barriers.get(outcome.id)
      if (waiter === undefined) continue
      this.barriers.delete(outcome.id)
      if (outcome.ok) waiter.resolve(outcome.zxid)
      else waiter.reject(new MemberError(outcome.reason, `barrier failed: ${outcome.reason}`))
    }
    for (const received of ready.received) this.emit('received', received)
  }

  private onStatus(status: PeerStatus): void {
    // A proposal outlives its leader's term only in the log of others: its fate is unknown here.
    if (status.role !== 'leading' && this.proposals.size > 0) {
      for (const waiter of this.proposals.values()) waiter.reject(new MemberError('lost-leader', 'leadership lost before the proposal committed; it may still commit'))
      this.proposals.clear()
    }
    this.emit('status', status)
  }

  private nextSnapshotThreshold(): number {
    const every = this.options.snapshotEveryEntries ?? 100_000
    return Math.max(1, Math.floor(typeof every === 'number' ? every : every()))
  }

  private nextSnapshotBytesThreshold(): number {
    const every = this.options.snapshotEveryBytes ?? Number.POSITIVE_INFINITY
    return Math.max(1, typeof every === 'number' ? every : every())
  }

  /** Snapshots in the background; the core drops entries up to it once the file is durable. */
  private maybeSnapshot(): void {
    if (this.snapshotting !== undefined || this.closed) return
    if (this.appliedSinceSnapshot < this.snapshotThreshold && this.appliedBytesSinceSnapshot < this.snapshotBytesThreshold) return
    this.appliedSinceSnapshot = 0
    this.appliedBytesSinceSnapshot = 0
    this.snapshotThreshold = this.nextSnapshotThreshold()
    this.snapshotBytesThreshold = this.nextSnapshotBytesThreshold()
    // The state as of now: a chunked snapshot promises its chunks describe this zxid.
    const zxid = this.appliedZxid
    const startedMs = performance.now()
    const data = this.options.stateMachine.snapshot()
    this.snapshotting = this.saveSnapshot(zxid, data, startedMs)
      .catch((error: unknown) => {
        // Closing cuts a snapshot short on purpose; the previous one and the log stay as they were.
        if (!this.closed) this.fail(error as Error)
      })
      .finally(() => {
        this.snapshotting = undefined
      })
  }

  private async saveSnapshot(zxid: bigint, data: Uint8Array | Iterable<Uint8Array>, startedMs: number): Promise<void> {
    let snapshot: Snapshot
    if (data instanceof Uint8Array) {
      await this.snapshots.save(zxid, data)
      snapshot = { zxid, data }
    } else {
      await this.snapshots.save(zxid, this.paced(data))
      if (this.closed) return
      // Read back rather than kept in pieces: the core needs it whole for SNAPs, and reading is
      // done off the event loop (a copy of a few hundred MB in memory would not be).
      snapshot = await this.snapshots.read(zxid)
    }
    if (this.closed) return
    this.peer.compact(snapshot)
    this.stats.snapshotsTaken += 1
    const ms = Math.round(performance.now() - startedMs)
    this.stats.lastSnapshot = { zxid, bytes: snapshot.data.length, ms }
    this.emit('snapshot', this.stats.lastSnapshot)
    const oldestKept = await this.snapshots.purge(this.options.keepSnapshots ?? 3)
    if (oldestKept !== undefined && !this.closed) await this.log.purgeThrough(oldestKept)
    this.logger('snapshot taken', { member: this.id, zxid: formatZxid(zxid), bytes: snapshot.data.length, ms })
  }

  /** The chunks one at a time, the event loop running between them; stops (throws) on close. */
  private async *paced(chunks: Iterable<Uint8Array>): AsyncGenerator<Uint8Array> {
    for (const chunk of chunks) {
      if (chunk.length > 0) yield chunk
      await new Promise((resolve) => setImmediate(resolve))
      if (this.closed) throw new MemberError('closed', 'member closed during a snapshot')
    }
  }

  private failWaiters(code: MemberErrorCode, message: string): void {
    for (const waiter of [...this.proposals.values(), ...this.barriers.values()]) waiter.reject(new MemberError(code, message))
    this.proposals.clear()
    this.barriers.clear()
  }

  /** Fail-stop: a write that did not become durable, or a broken invariant, ends the member. */
  private fail(error: Error): void {
    if (this.failure !== undefined) return
    this.failure = error
    this.logger('member stopped on error', { member: this.id, error: error.stack ?? String(error) })
    void this.close()
    this.emit('error', error)
  }

  private logger(message: string, fields: Record<string, unknown>): void {
    ;(this.options.logger ?? stderrLogger)(message, fields)
  }
}

function addressOf(addresses: ReadonlyMap<number, PeerAddress>, id: number): PeerAddress {
  const address = addresses.get(id)
  if (address === undefined) throw new RangeError(`no address for member ${id}`)
  return address
}
