/**
 * The API's routes. Reads: ensemble, history, children, node, recipe, and two event streams
 * (the ensemble, a live path). Writes (create, set, delete) exist only with allowWrites, and
 * each needs the token. Every tree request goes through a bounded gate (503 when full) and
 * every ZooKeeper call has a deadline.
 */
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { CallOptions, ZooKeeperClient } from '@zoo/client'
import type { EnsembleMonitor } from '../ensemble/monitor.js'
import type { ResolvedDashboardOptions } from '../options.js'
import type { DashboardSession } from '../session.js'
import type { EnsembleSnapshot, InfoView, Sample } from '../shared/api.js'
import { listChildren, readNode } from '../tree/browse.js'
import { createNode, deleteNode, setNode } from '../tree/edits.js'
import type { LiveViews } from '../tree/live.js'
import { recipeView } from '../tree/recipes.js'
import { TOKEN_HEADER, tokenMatches } from './guard.js'
import { HttpError, parseWith, readJsonBody, sendJson } from './respond.js'
import { MAX_NODE_BYTES, childrenQuery, createBody, decodeData, deleteBody, pathQuery, recipeQuery, setBody } from './schemas.js'
import { EventStream } from './sse.js'

export interface RouteContext {
  request: IncomingMessage
  response: ServerResponse
  query: Record<string, string>
}

export type Handler = (context: RouteContext) => Promise<void>

export interface RouteDeps {
  options: ResolvedDashboardOptions
  token: string | undefined
  session: DashboardSession
  monitor: EnsembleMonitor
  live: LiveViews
  /** registers an open stream; throws a 503 when there are too many */
  openStream: (response: ServerResponse) => EventStream
}

const MAX_BODY_BYTES = 3 * MAX_NODE_BYTES
const MAX_CONTENDERS = 200
const MAX_LIVE_CHILDREN = 200

/** At most `limit` handlers at once; the rest get a 503 instead of a queue that grows. */
export function gate(limit: number): (handler: Handler) => Handler {
  let active = 0
  return (handler) => async (context) => {
    if (active >= limit) throw new HttpError(503, { error: 'unavailable', message: `busy: ${limit} requests are being served; try again` })
    active++
    try {
      await handler(context)
    } finally {
      active--
    }
  }
}

export function buildRoutes(deps: RouteDeps): Map<string, Handler> {
  const { options, session, monitor } = deps
  const call = (): CallOptions => ({ timeoutMs: options.requestTimeoutMs })
  const limits = { maxDataBytes: MAX_NODE_BYTES + 1, timeoutMs: options.requestTimeoutMs }
  const bounded = gate(options.maxConcurrentRequests)
  const routes = new Map<string, Handler>()
  const info: InfoView = { connect: options.connect, writable: options.allowWrites, intervalMs: options.intervalMs, tokenHeader: TOKEN_HEADER }

  routes.set('GET /api/info', async ({ response }) => sendJson(response, 200, info))
  routes.set('GET /api/ensemble', async ({ response }) => sendJson(response, 200, monitor.snapshot()))
  routes.set('GET /api/history', async ({ response }) => sendJson(response, 200, monitor.historyView()))
  routes.set('GET /api/events', async ({ response }) => {
    const stream = deps.openStream(response)
    stream.send('hello', info)
    stream.send('ensemble', { snapshot: monitor.snapshot(), samples: {} })
    const onSnapshot = (snapshot: EnsembleSnapshot, samples: Record<string, Sample>) => stream.send('ensemble', { snapshot, samples })
    monitor.on('snapshot', onSnapshot)
    stream.onClose(() => monitor.off('snapshot', onSnapshot))
  })
  routes.set(
    'GET /api/children',
    bounded(async ({ response, query }) => {
      const q = parseWith(childrenQuery, query)
      sendJson(response, 200, await listChildren(session.get(), q.path, q, limits))
    }),
  )
  routes.set(
    'GET /api/node',
    bounded(async ({ response, query }) => {
      const { path } = parseWith(pathQuery, query)
      sendJson(response, 200, await readNode(session.get(), path, limits))
    }),
  )
  routes.set(
    'GET /api/recipe',
    bounded(async ({ response, query }) => {
      const q = parseWith(recipeQuery, query)
      const recipeLimits = { maxContenders: MAX_CONTENDERS, maxValueBytes: MAX_NODE_BYTES + 1, timeoutMs: options.requestTimeoutMs }
      sendJson(response, 200, await recipeView(session.get(), q.path, q.kind, recipeLimits))
    }),
  )
  routes.set('GET /api/live', async ({ response, query }) => {
    const { path } = parseWith(pathQuery, query)
    session.get()
    const stream = deps.openStream(response)
    try {
      const leave = deps.live.subscribe(path, (update) => ('view' in update ? stream.send('node', update.view) : stream.send('failure', { message: update.error })))
      stream.onClose(leave)
    } catch (error) {
      stream.send('failure', { message: (error as Error).message })
      stream.close()
    }
  })
  if (options.allowWrites) addWriteRoutes(routes, deps, bounded, call)
  return routes
}

function addWriteRoutes(routes: Map<string, Handler>, deps: RouteDeps, bounded: (h: Handler) => Handler, call: () => CallOptions): void {
  const token = deps.token
  if (token === undefined) throw new Error('assertion failed: writes are on but there is no token')
  /** The token first, then the body, then ZooKeeper: a bad request is refused before any session is needed. */
  const write = (run: (raw: unknown, zk: () => ZooKeeperClient) => Promise<unknown>): Handler =>
    bounded(async ({ request, response }) => {
      if (!tokenMatches(request, token)) throw new HttpError(401, { error: 'unauthorized', message: `writes need the token printed at start, in the ${TOKEN_HEADER} header` })
      const body = await readJsonBody(request, MAX_BODY_BYTES)
      sendJson(response, 200, await run(body, () => deps.session.get()))
    })
  routes.set(
    'POST /api/create',
    write(async (raw, zk) => {
      const body = parseWith(createBody, raw)
      return createNode(zk(), { path: body.path, data: bytesOf(body.data, body.encoding), mode: body.mode }, call())
    }),
  )
  routes.set(
    'POST /api/set',
    write(async (raw, zk) => {
      const body = parseWith(setBody, raw)
      return setNode(zk(), { path: body.path, data: bytesOf(body.data, body.encoding), version: body.version }, call())
    }),
  )
  routes.set(
    'POST /api/delete',
    write(async (raw, zk) => {
      const body = parseWith(deleteBody, raw)
      return deleteNode(zk(), body, call())
    }),
  )
}

function bytesOf(data: string, encoding: 'text' | 'base64'): Buffer {
  const bytes = decodeData(data, encoding)
  if (bytes === undefined) throw new HttpError(400, { error: 'invalid', field: 'data', message: 'data: not valid base64' })
  if (bytes.length > MAX_NODE_BYTES) throw new HttpError(400, { error: 'invalid', field: 'data', message: `data: ${bytes.length} bytes is more than a znode holds (${MAX_NODE_BYTES})` })
  return bytes
}
