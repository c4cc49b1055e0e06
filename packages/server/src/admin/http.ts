// The admin HTTP port (Apache's AdminServer on admin.serverPort): /commands/<name> in Apache's
// JSON, /metrics for Prometheus (prom-client), /status for a compact JSON view of the member.
import { createServer } from 'node:http'
import type { IncomingMessage, Server, ServerResponse } from 'node:http'
import type { ServerMetrics } from '../metrics.js'
import { listenOn } from '../net/listen.js'
import type { ServerStatus } from '../status.js'
import { hex } from '../status.js'
import { adminCommandNames, runAdminCommand, toJson } from './commands.js'
import type { Json } from './commands.js'

export interface AdminServerOptions {
  host: string
  port: number
  status: () => ServerStatus
  metrics: ServerMetrics
}

export class AdminServer {
  private server: Server | undefined
  private boundPort = 0
  private readonly prometheus

  constructor(private readonly options: AdminServerOptions) {
    this.prometheus = options.metrics.prometheus()
  }

  get port(): number {
    return this.boundPort
  }

  async listen(): Promise<void> {
    const server = createServer((req, res) => {
      this.handle(req, res).catch((e: unknown) => send(res, 500, 'application/json', toJson({ error: String(e) })))
    })
    this.boundPort = await listenOn(server, this.options.port, this.options.host)
    this.server = server
  }

  async close(): Promise<void> {
    const server = this.server
    this.server = undefined
    if (server === undefined) return
    server.closeAllConnections()
    await new Promise<void>((resolve) => server.close(() => resolve()))
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, 'text/plain', 'GET only\n')
    const path = new URL(req.url ?? '/', 'http://admin').pathname.replace(/\/+$/, '')
    if (path === '/metrics') {
      this.prometheus.refresh(this.options.status().monitor)
      return send(res, 200, this.prometheus.registry.contentType, await this.prometheus.registry.metrics())
    }
    if (path === '/status') return send(res, 200, 'application/json', toJson(statusJson(this.options.status())))
    if (path === '/commands' || path === '') {
      const links = adminCommandNames().map((n) => `<a href="/commands/${n}">${n}</a><br/>`)
      return send(res, 200, 'text/html', `${links.join('\n')}\n`)
    }
    const match = /^\/commands\/([\w]+)$/.exec(path)
    const result = match === null ? undefined : runAdminCommand(match[1] as string, this.options.status)
    if (result === undefined) {
      const name = match?.[1] ?? path
      return send(res, 404, 'application/json', toJson({ command: name, error: `Unknown command: ${name}` }))
    }
    send(res, 200, 'application/json', toJson(result))
  }
}

/** The compact status a dashboard wants: role, epoch, last zxid, sessions, znodes, load. */
export function statusJson(s: ServerStatus): Record<string, Json> {
  return {
    myid: s.myid,
    role: s.mode,
    serving: s.serving,
    leader_id: s.leaderId ?? null,
    epoch: s.epoch,
    last_zxid: `0x${hex(s.lastZxid)}`,
    sessions: s.sessions.length,
    connections: s.connections.length,
    znode_count: s.nodeCount,
    outstanding_requests: s.outstandingRequests,
    read_only: s.readOnly,
    version: s.version,
  }
}

function send(res: ServerResponse, code: number, type: string, body: string): void {
  res.writeHead(code, { 'content-type': type, 'content-length': Buffer.byteLength(body) })
  res.end(body)
}
