// One session's requests in the client's order (FIFO per session). Writes are submitted to the
// leader as soon as nothing before them could still observe their effect; everything else runs
// when every earlier request of the session is done, so a read sees the session's own earlier
// writes and none of its later ones. Replies leave strictly in request order.
//
// Why writes may overtake a waiting read but not a waiting sync: a read waits only for earlier
// writes, and it runs synchronously inside the apply of the write just before it, before any
// later write can apply. A sync completes through consensus' barrier outcome, which the member
// may learn after later commits have been applied, so writes behind a sync wait for it.

export interface Reply {
  frame: Buffer
  zxid: bigint
  /** Close the connection once this reply is out (closeSession, SESSIONMOVED, AUTHFAILED). */
  close?: boolean
}

export type EntryKind = 'write' | 'sync' | 'local'
export type EntryState = 'waiting' | 'submitted' | 'done'

/**
 * One request. What running or submitting it means is the output's business: entries carry no
 * closures, since one made per request (and, under tsx, its name-keeping wrapper) cost ~1% of a
 * member's CPU under a write load.
 */
export interface QueueEntry {
  readonly kind: EntryKind
  readonly xid: number
  state: EntryState
  reply?: Reply
}

export interface QueueOutput<E extends QueueEntry = QueueEntry> {
  /** A local entry's turn: run it against the member's state and return its reply. */
  run(entry: E): Reply
  /** A write's or sync's turn: hand it to the leader (or the barrier); completion comes later. */
  submit(entry: E): void
  /** Called for each reply, in request order. */
  send(entry: E, reply: Reply): void
}

export class SessionQueue<E extends QueueEntry = QueueEntry> {
  private entries: E[] = []
  private pumping = false
  private repump = false
  /**
   * Entries still waiting for their turn. With none (a session that only writes: each write is
   * submitted as it arrives) a completion needs no pass over the queue.
   */
  private waiting = 0
  /** Bumped by clear(), so a pass over the old entries stops. */
  private generation = 0

  constructor(private readonly output: QueueOutput<E>) {}

  get length(): number {
    return this.entries.length
  }

  /** Writes submitted and not yet applied. */
  get writesInFlight(): number {
    return this.entries.filter((e) => e.kind === 'write' && e.state === 'submitted').length
  }

  add(entry: E): void {
    if (entry.state !== 'waiting') throw new Error('a new entry must be waiting')
    this.entries.push(entry)
    this.waiting++
    this.pump()
  }

  /** The session's oldest write submitted and not yet applied. */
  oldestWriteInFlight(): E | undefined {
    for (const e of this.entries) if (e.kind === 'write' && e.state === 'submitted') return e
    return undefined
  }

  /** Whether a write with this xid is in flight (a txn for it would complete it). */
  hasWriteInFlight(cxid: number): boolean {
    return this.entries.some((e) => e.kind === 'write' && e.state === 'submitted' && e.xid === cxid)
  }

  complete(entry: E, reply: Reply): void {
    if (entry.state !== 'submitted') throw new Error(`completing a ${entry.state} ${entry.kind} entry`)
    entry.state = 'done'
    entry.reply = reply
    this.pump()
  }

  /** Drops everything (the connection closed): nothing more is submitted or sent. */
  clear(): void {
    this.entries = []
    this.waiting = 0
    this.generation++
  }

  private pump(): void {
    // Replies and runs can complete entries re-entrantly (a reply that closes the connection).
    if (this.pumping) {
      this.repump = true
      return
    }
    this.pumping = true
    try {
      do {
        this.repump = false
        this.flushHead()
        this.advance()
        this.flushHead()
      } while (this.repump)
    } finally {
      this.pumping = false
    }
  }

  private flushHead(): void {
    while (this.entries.length > 0 && (this.entries[0] as E).state === 'done') {
      const entry = this.entries.shift() as E
      this.output.send(entry, entry.reply as Reply)
    }
  }

  private advance(): void {
    if (this.waiting === 0) return
    let allDoneBefore = true
    let syncBefore = false
    const generation = this.generation
    for (const entry of this.entries) {
      if (generation !== this.generation) return
      if (entry.state === 'waiting') {
        if (entry.kind === 'local' && allDoneBefore) {
          entry.state = 'done'
          this.waiting--
          entry.reply = this.output.run(entry)
        } else if (entry.kind === 'sync' || (entry.kind === 'write' && !syncBefore)) {
          entry.state = 'submitted'
          this.waiting--
          this.output.submit(entry)
        }
      }
      if (entry.state !== 'done') allDoneBefore = false
      if (entry.kind === 'sync' && entry.state !== 'done') syncBefore = true
    }
  }
}
