/**
 * The dashboard's one client session. Connecting is retried in the background, so the console
 * starts (and shows the members as down) while the whole ensemble is; tree requests meanwhile
 * get a 503. Once made, the client itself reconnects and renews an expired session.
 */
import { createClient, type ClientOptions, type ZooKeeperClient } from '@zoo/client'
import type { SessionView } from './shared/api.js'

export class SessionUnavailableError extends Error {
  override readonly name = 'SessionUnavailableError'
}

export interface SessionOptions {
  connect: string
  sessionTimeoutMs: number
  /** between failed attempts to make the first session */
  retryDelayMs?: number
  clientOptions?: Omit<ClientOptions, 'sessionTimeoutMs'>
}

export class DashboardSession {
  private client: ZooKeeperClient | undefined
  private closed = false
  private lastError: unknown
  private retryTimer: NodeJS.Timeout | undefined
  private readonly ready: Promise<ZooKeeperClient>
  private resolveReady!: (client: ZooKeeperClient) => void

  constructor(private readonly options: SessionOptions) {
    this.ready = new Promise((resolve) => (this.resolveReady = resolve))
    // Nobody may wait on `ready`; a rejection would be unhandled, so it never rejects.
    void this.connect()
  }

  /** The client, or a SessionUnavailableError while there is no session yet. */
  get(): ZooKeeperClient {
    if (this.client) return this.client
    const why = this.lastError instanceof Error ? `: ${this.lastError.message}` : ''
    throw new SessionUnavailableError(`no ZooKeeper session yet (connecting to ${this.options.connect})${why}`)
  }

  /** Resolves once the first session exists. */
  whenReady(): Promise<ZooKeeperClient> {
    return this.ready
  }

  view(): SessionView {
    const client = this.client
    if (!client) return { state: this.closed ? 'closed' : 'connecting', sessionId: null, connectedHost: null }
    const id = client.sessionId
    return { state: client.state, sessionId: id === 0n ? null : `0x${id.toString(16)}`, connectedHost: client.connectedHost ?? null }
  }

  private async connect(): Promise<void> {
    while (!this.closed) {
      try {
        const client = await createClient(this.options.connect, { ...this.options.clientOptions, sessionTimeoutMs: this.options.sessionTimeoutMs })
        if (this.closed) {
          await client.close()
          return
        }
        this.client = client
        this.resolveReady(client)
        return
      } catch (error) {
        this.lastError = error
        await new Promise<void>((resolve) => (this.retryTimer = setTimeout(resolve, this.options.retryDelayMs ?? 1_000)))
      }
    }
  }

  async close(): Promise<void> {
    this.closed = true
    clearTimeout(this.retryTimer)
    await this.client?.close()
  }
}
