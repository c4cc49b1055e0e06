/**
 * Which host to try next and how long to wait first. Hosts are shuffled once (so a fleet of
 * clients spreads over the ensemble), then tried round-robin starting after the host we just
 * lost. A full round of failures backs off exponentially with jitter, and never by more than
 * half the time spent without a connection so far: members refuse clients at once during an
 * election, so rounds fail in milliseconds, and a purely per-round backoff would have reached
 * several hundred ms within the first 100 ms of an outage, putting the reconnect that long after
 * the new leader serves. A successful handshake resets the backoff. Pure: randomness and the
 * time come in as inputs.
 */
import type { HostAddress } from './options.js'

export type Random = () => number

export interface BackoffOptions {
  initialDelayMs: number
  maxDelayMs: number
}

/** Full jitter (AWS architecture blog): uniform in [0, min(max, initial * 2^attempt)]. */
export function backoffDelayMs(attempt: number, options: BackoffOptions, random: Random): number {
  if (attempt < 0 || !Number.isInteger(attempt)) throw new RangeError(`attempt must be a non-negative integer, got ${attempt}`)
  const ceiling = Math.min(options.maxDelayMs, options.initialDelayMs * 2 ** Math.min(attempt, 30))
  return Math.floor(random() * (ceiling + 1))
}

export function shuffled<T>(items: readonly T[], random: Random): T[] {
  const out = items.slice()
  for (let i = out.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[out[i], out[j]] = [out[j]!, out[i]!]
  }
  return out
}

export class HostRing {
  readonly hosts: readonly HostAddress[]
  private index = -1
  /** attempts since the last successful handshake */
  private failures = 0
  private rounds = 0
  /** when the first attempt since the last successful handshake (or the start) was made */
  private outageStartMs: number | undefined

  constructor(
    hosts: readonly HostAddress[],
    private readonly random: Random,
    options: { shuffle: boolean },
    private readonly backoff: BackoffOptions = { initialDelayMs: 50, maxDelayMs: 1_000 },
  ) {
    if (hosts.length === 0) throw new RangeError('at least one host is needed')
    this.hosts = options.shuffle ? shuffled(hosts, random) : hosts.slice()
  }

  /**
   * The next host and the delay before connecting to it: none while a round is under way, a
   * backoff once every host failed in a row (so a dead ensemble is not hammered).
   */
  next(nowMs: number): { host: HostAddress; delayMs: number } {
    this.index = (this.index + 1) % this.hosts.length
    this.outageStartMs ??= nowMs
    const roundDone = this.failures > 0 && this.failures % this.hosts.length === 0
    if (!roundDone) return { host: this.hosts[this.index]!, delayMs: 0 }
    const outageMs = Math.max(0, nowMs - this.outageStartMs)
    const maxDelayMs = Math.min(this.backoff.maxDelayMs, Math.max(this.backoff.initialDelayMs, Math.floor(outageMs / 2)))
    const delayMs = backoffDelayMs(this.rounds++, { initialDelayMs: this.backoff.initialDelayMs, maxDelayMs }, this.random)
    return { host: this.hosts[this.index]!, delayMs }
  }

  /** The attempt at the current host failed (refused, timed out, or dropped during handshake). */
  failed(): void {
    this.failures++
  }

  /** A handshake succeeded: the next loss starts a fresh round from the following host. */
  connected(): void {
    this.failures = 0
    this.rounds = 0
    this.outageStartMs = undefined
  }

  get current(): HostAddress | undefined {
    return this.index === -1 ? undefined : this.hosts[this.index]
  }
}
