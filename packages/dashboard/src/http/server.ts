/**
 * `startDashboard`: the console's HTTP server (node:http) wired to one client session, the
 * ensemble monitor and the live views. Binds 127.0.0.1 unless told otherwise.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { ErrorCode, isConnectionLoss, isKeeperError, isSessionExpired, parseConnectionString } from '@zoo/client'
import { ConfigReader } from '../ensemble/config-reader.js'
import type { MemberPlan } from '../ensemble/membership.js'
import { EnsembleMonitor } from '../ensemble/monitor.js'
import { parseDashboardOptions, type DashboardOptions, type ResolvedDashboardOptions } from '../options.js'
import { DashboardSession } from '../session.js'
import { LiveViews } from '../tree/live.js'
import { defaultAssetsDir, loadAssets, type Asset } from './assets.js'
import { TOKEN_HEADER, hostChecker, newToken } from './guard.js'
import { HttpError, sendJson, toHttpError } from './respond.js'
import { buildRoutes, type Handler } from './routes.js'
import { EventStream } from './sse.js'

export interface Dashboard {
  /** `http://host:port/` */
  url: string
  host: string
  port: number
  /** the token writes need (header `x-zoo-token`); undefined without allowWrites */
  token: string | undefined
  tokenHeader: string
  monitor: EnsembleMonitor
  session: DashboardSession
  close(): Promise<void>
}

export interface DashboardHooks {
  /** where unexpected failures are reported (default: stderr) */
  log?: (line: string) => void
}

const PAGE_HEADERS = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'content-security-policy': "default-src 'self'; connect-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
}
const MAX_STREAM_BUFFER_BYTES = 1 << 20

function adminUrlFor(options: ResolvedDashboardOptions, self: { host: string; port: number }): (plan: MemberPlan) => string | undefined {
  return (plan) => {
    const port = options.adminPorts[plan.key] ?? (options.adminPort === 0 ? undefined : options.adminPort)
    if (port === undefined) return undefined
    // Apache's default admin port is the console's default port too: never probe ourselves.
    if (port === self.port && (plan.host === self.host || ['127.0.0.1', 'localhost', '::1'].includes(plan.host))) return undefined
    const host = plan.host.includes(':') ? `[${plan.host}]` : plan.host
    return `http://${host}:${port}`
  }
}

function createMonitor(options: ResolvedDashboardOptions, port: number, session: DashboardSession): EnsembleMonitor {
  const monitor = new EnsembleMonitor(
    {
      connect: parseConnectionString(options.connect).hosts,
      intervalMs: options.intervalMs,
      probeTimeoutMs: options.probeTimeoutMs,
      historySamples: Math.ceil((options.historyMinutes * 60_000) / options.intervalMs),
      adminUrl: adminUrlFor(options, { host: options.host, port }),
      tls: options.tls,
    },
    () => session.view(),
  )
  // Every open ensemble stream listens for snapshots.
  monitor.setMaxListeners(options.maxStreams + 8)
  return monitor
}

/** Once there is a session: the membership from /zookeeper/config, kept current. Returns the stop. */
function followConfig(session: DashboardSession, monitor: EnsembleMonitor, options: ResolvedDashboardOptions, log: (line: string) => void): () => void {
  let reader: ConfigReader | undefined
  let stopped = false
  const onError = (error: unknown) => {
    // Connection trouble shows in the session state and the member rows; anything else is news.
    if (!isConnectionLoss(error) && !isSessionExpired(error) && !isKeeperError(error, ErrorCode.REQUESTTIMEOUT)) log(`zoo-dashboard: reading /zookeeper/config: ${String(error)}`)
  }
  void session.whenReady().then((client) => {
    if (stopped) return
    reader = new ConfigReader(client, (config) => monitor.setConfig(config), onError, { refreshMs: 10_000, timeoutMs: options.requestTimeoutMs })
    reader.start()
  })
  return () => {
    stopped = true
    reader?.stop()
  }
}

/** Open event streams, at most `max` at once (a 503 beyond). */
function streamRegistry(max: number): { open: (response: ServerResponse) => EventStream; closeAll: () => void } {
  const streams = new Set<EventStream>()
  return {
    open(response) {
      if (streams.size >= max) throw new HttpError(503, { error: 'unavailable', message: `at most ${max} event streams at once` })
      const stream = new EventStream(response, MAX_STREAM_BUFFER_BYTES)
      streams.add(stream)
      stream.onClose(() => streams.delete(stream))
      return stream
    },
    closeAll: () => streams.forEach((stream) => stream.close()),
  }
}

export async function startDashboard(input: DashboardOptions, hooks: DashboardHooks = {}): Promise<Dashboard> {
  const options = parseDashboardOptions(input)
  const log = hooks.log ?? ((line: string) => process.stderr.write(`${line}\n`))
  const token = options.allowWrites ? (options.token ?? newToken()) : undefined
  const assets = loadAssets(options.assetsDir ?? defaultAssetsDir())
  const server = createServer()
  // Listen first: a port already taken leaves no session or timer behind.
  await listen(server, options.port, options.host)
  const port = (server.address() as AddressInfo).port
  const session = new DashboardSession({ connect: options.connect, sessionTimeoutMs: options.sessionTimeoutMs, clientOptions: options.tls === undefined ? undefined : { tls: options.tls } })
  const monitor = createMonitor(options, port, session)
  const live = new LiveViews(() => session.get(), { maxPaths: options.maxLivePaths, maxChildren: 200, maxDataBytes: 0xfffff + 1, timeoutMs: options.requestTimeoutMs })
  const streams = streamRegistry(options.maxStreams)
  const routes = buildRoutes({ options, token, session, monitor, live, openStream: streams.open })
  const allowedHost = hostChecker(options.host, port)
  server.on('request', (request, response) => void handle(request, response, { routes, assets, allowedHost, log }))
  monitor.start()
  const stopConfig = followConfig(session, monitor, options, log)
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host
  return {
    url: `http://${shownHost}:${port}/`,
    host: options.host,
    port,
    token,
    tokenHeader: TOKEN_HEADER,
    monitor,
    session,
    async close() {
      stopConfig()
      monitor.stop()
      live.closeAll()
      streams.closeAll()
      server.closeAllConnections()
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await session.close()
    },
  }
}

function listen(server: ReturnType<typeof createServer>, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
}

interface HandleDeps {
  routes: Map<string, Handler>
  assets: Map<string, Asset>
  allowedHost: (host: string | undefined) => boolean
  log: (line: string) => void
}

async function handle(request: IncomingMessage, response: ServerResponse, deps: HandleDeps): Promise<void> {
  try {
    if (!deps.allowedHost(request.headers.host)) throw new HttpError(421, { error: 'forbidden', message: `this console does not answer to the host ${JSON.stringify(request.headers.host ?? '')}` })
    const url = new URL(request.url ?? '/', 'http://console.invalid')
    const handler = deps.routes.get(`${request.method} ${url.pathname}`)
    if (handler) return await handler({ request, response, query: Object.fromEntries(url.searchParams) })
    if (request.method === 'GET' && serveAsset(url.pathname, response, deps.assets)) return
    const writes = url.pathname === '/api/create' || url.pathname === '/api/set' || url.pathname === '/api/delete'
    const message = writes ? 'writes are off: start zoo-dashboard with --allow-writes' : `no route ${request.method} ${url.pathname}`
    throw new HttpError(404, { error: 'not found', message })
  } catch (error) {
    const { status, body, unexpected } = toHttpError(error)
    if (unexpected) deps.log(`zoo-dashboard: ${request.method} ${request.url}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`)
    if (response.headersSent) response.end()
    else sendJson(response, status, body)
  }
}

function serveAsset(pathname: string, response: ServerResponse, assets: Map<string, Asset>): boolean {
  const name = pathname === '/' ? 'index.html' : pathname.startsWith('/assets/') ? pathname.slice('/assets/'.length) : undefined
  if (name === undefined) return false
  const asset = assets.get(name)
  if (!asset) {
    if (name !== 'index.html') return false
    response.writeHead(503, { 'content-type': 'text/plain; charset=utf-8' })
    response.end('The page is not built: run `npx rollup -c` in packages/dashboard.\n')
    return true
  }
  response.writeHead(200, { ...PAGE_HEADERS, 'content-type': asset.type, 'content-length': asset.body.length })
  response.end(asset.body)
  return true
}
