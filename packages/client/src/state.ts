/**
 * The session state machine, without I/O: the client feeds it what happened (a handshake, a
 * dropped connection, a reply, the passage of time) and emits the transitions it returns.
 *
 *   connecting ──handshake──> connected ──drop──> suspended ──same session──> reconnected
 *                                 ^                 │    ^                         │
 *                                 │                 │    └──────────drop───────────┘
 *                                 │          server says expired, or the local deadline passes
 *                                 │                 v
 *                                 └──new session── expired   (terminal unless renewSessionOnExpiry)
 *   any ──unknown auth scheme──> authFailed (terminal)      any ──close()──> closed (terminal)
 *   (`readOnly` stands in for connected/reconnected when the server is a read-only member)
 *
 * Connection loss is not expiry: `suspended` comes at once on a drop; `expired` only when the
 * server says so on reconnect, or when the negotiated timeout has passed since the server last
 * provably heard from us, which is never later than the server's own expiry. That deadline is
 * what recipes rely on to stand down in time (recipe-pitfalls #3).
 */

export type ClientState = 'connecting' | 'connected' | 'suspended' | 'reconnected' | 'readOnly' | 'expired' | 'authFailed' | 'closed'

export const TERMINAL_STATES: ReadonlySet<ClientState> = new Set(['authFailed', 'closed'])
export const LIVE_STATES: ReadonlySet<ClientState> = new Set(['connected', 'reconnected', 'readOnly'])

export interface Handshake {
  /** negotiated timeout; 0 or less means the server refused our session as expired */
  timeoutMs: number
  sessionId: bigint
  password: Buffer
  readOnly: boolean
}

export type HandshakeOutcome =
  | { kind: 'established'; state: ClientState; newSession: boolean }
  | { kind: 'expired'; state: 'expired' }
  | { kind: 'rejected'; reason: string }

const ZERO_PASSWORD = Buffer.alloc(16)

export class SessionState {
  state: ClientState = 'connecting'
  sessionId = 0n
  password: Buffer = ZERO_PASSWORD
  negotiatedTimeoutMs = 0
  /**
   * Highest zxid seen in any reply. Kept for the whole life of the client object, across
   * expiries: a new session must not land on a member that is behind what we already read.
   */
  lastZxidSeen = 0n
  /** bumps on every new session; requests are tagged with it so an expiry fails only its own */
  generation = 0
  /**
   * A session made by a read-only member is local to it, not a real one (Apache's client does
   * the same): until a read-write member has seen it, a reconnect asks for a new session.
   */
  private seenReadWrite = false
  /** send time of the newest request the server has answered: it was alive and heard us then */
  private lastAckedSendMs = 0
  private deadlineMs: number | undefined

  constructor(
    private readonly renewOnExpiry: boolean,
    resume?: { id: bigint; password: Buffer },
  ) {
    if (resume) {
      this.sessionId = resume.id
      this.password = Buffer.from(resume.password)
      this.seenReadWrite = true
    }
  }

  get live(): boolean {
    return LIVE_STATES.has(this.state)
  }

  get terminal(): boolean {
    return TERMINAL_STATES.has(this.state) || (this.state === 'expired' && !this.renewOnExpiry)
  }

  /** The local expiry deadline while suspended (monotonic ms), else undefined. */
  get expiryDeadlineMs(): number | undefined {
    return this.deadlineMs
  }

  /** The ConnectRequest's session: ours, or 0 and zeros to ask for a new one. */
  connectRequestSession(): { sessionId: bigint; password: Buffer } {
    if (!this.seenReadWrite) return { sessionId: 0n, password: ZERO_PASSWORD }
    return { sessionId: this.sessionId, password: this.password }
  }

  handshake(response: Handshake, sentAtMs: number): HandshakeOutcome {
    if (this.terminal) return { kind: 'rejected', reason: `handshake in terminal state ${this.state}` }
    const hadSession = this.sessionId !== 0n && this.seenReadWrite
    if (response.timeoutMs <= 0) {
      if (!hadSession) return { kind: 'rejected', reason: 'server refused to create a session' }
      return { kind: 'expired', state: this.expire() }
    }
    if (hadSession && response.sessionId !== this.sessionId) {
      return { kind: 'rejected', reason: `server answered session 0x${response.sessionId.toString(16)} to a reconnect of 0x${this.sessionId.toString(16)}` }
    }
    this.sessionId = response.sessionId
    this.password = Buffer.from(response.password)
    this.negotiatedTimeoutMs = response.timeoutMs
    this.lastAckedSendMs = Math.max(this.lastAckedSendMs, sentAtMs)
    this.deadlineMs = undefined
    const newSession = !hadSession || this.state === 'connecting' || this.state === 'expired'
    if (!response.readOnly) this.seenReadWrite = true
    this.state = response.readOnly ? 'readOnly' : newSession ? 'connected' : 'reconnected'
    return { kind: 'established', state: this.state, newSession }
  }

  /** A reply arrived for something sent at `sentAtMs` carrying `zxid` (0 or -1 when none). */
  heard(sentAtMs: number, zxid: bigint): void {
    if (sentAtMs > this.lastAckedSendMs) this.lastAckedSendMs = sentAtMs
    if (zxid > this.lastZxidSeen) this.lastZxidSeen = zxid
  }

  /** The connection dropped. Returns 'suspended' when that is a transition to report. */
  connectionLost(): ClientState | undefined {
    if (!this.live) return undefined
    this.state = 'suspended'
    this.deadlineMs = this.lastAckedSendMs + this.negotiatedTimeoutMs
    return this.state
  }

  /** Time passed. Returns 'expired' when the local deadline ran out while suspended. */
  tick(nowMs: number): ClientState | undefined {
    if (this.state !== 'suspended' || this.deadlineMs === undefined || nowMs < this.deadlineMs) return undefined
    return this.expire()
  }

  authFailed(): ClientState | undefined {
    if (TERMINAL_STATES.has(this.state)) return undefined
    this.deadlineMs = undefined
    this.state = 'authFailed'
    return this.state
  }

  close(): ClientState | undefined {
    if (this.state === 'closed') return undefined
    this.deadlineMs = undefined
    this.state = 'closed'
    return this.state
  }

  /** The session is gone: the next handshake asks for a new one; lastZxidSeen stays. */
  private expire(): 'expired' {
    this.state = 'expired'
    this.seenReadWrite = false
    this.sessionId = 0n
    this.password = ZERO_PASSWORD
    this.negotiatedTimeoutMs = 0
    this.deadlineMs = undefined
    this.generation++
    return 'expired'
  }
}
