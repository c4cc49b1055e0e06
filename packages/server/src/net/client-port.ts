// The client port: accepts TCP connections, enforces maxClientCnxns per client address, and
// hands each socket to a Connection.
import { createServer } from 'node:net'
import type { Server, Socket } from 'node:net'
import { Connection, normalizeAddress } from './connection.js'
import { listenOn } from './listen.js'
import type { ConnectionHandler, ConnectionLimits } from './connection.js'

export interface ClientPortOptions extends ConnectionLimits {
  host: string
  port: number
  /** Connections per client address; 0 = unlimited (Apache's maxClientCnxns). */
  maxClientCnxns: number
  /** Told about refused connections (for metrics and logs). */
  onRejected?: (address: string, reason: string) => void
}

export class ClientPort {
  readonly connections = new Set<Connection>()
  private readonly perAddress = new Map<string, number>()
  private server: Server | undefined
  private boundPort = 0

  constructor(
    private readonly options: ClientPortOptions,
    private readonly handler: ConnectionHandler,
  ) {}

  get port(): number {
    return this.boundPort
  }

  async listen(): Promise<void> {
    const server = createServer({ noDelay: true }, (socket) => this.onSocket(socket))
    this.boundPort = await listenOn(server, this.options.port, this.options.host)
    this.server = server
  }

  /** Stops accepting and closes every connection. */
  async close(): Promise<void> {
    for (const connection of [...this.connections]) connection.close('server shutting down')
    const server = this.server
    this.server = undefined
    if (server !== undefined) await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  private onSocket(socket: Socket): void {
    const address = normalizeAddress(socket.remoteAddress ?? 'unknown')
    const count = this.perAddress.get(address) ?? 0
    const max = this.options.maxClientCnxns
    if (max > 0 && count >= max) {
      this.options.onRejected?.(address, `too many connections from ${address} (max ${max})`)
      socket.destroy()
      return
    }
    this.perAddress.set(address, count + 1)
    const handler: ConnectionHandler = {
      fourLetterWord: (word, c) => this.handler.fourLetterWord(word, c),
      connect: (c, request) => this.handler.connect(c, request),
      request: (c, incoming) => this.handler.request(c, incoming),
      closed: (c, reason) => {
        if (!this.connections.delete(c)) return
        const left = (this.perAddress.get(address) ?? 1) - 1
        if (left <= 0) this.perAddress.delete(address)
        else this.perAddress.set(address, left)
        this.handler.closed(c, reason)
      },
    }
    this.connections.add(new Connection(socket, this.options, handler))
  }
}
