/**
 * The HTTP API against a real server (each target of test/support/target.ts, one member): the
 * safety model (no write route without --allow-writes, the token, the Host check, zod-checked
 * bodies), version-checked edits, paging through 10,000 children, live views, recipe views.
 */
import { request } from 'node:http'
import t, { type Test } from 'tap'
import { freePort } from '@zoo/testkit'
import { Mutex } from '@zoo/lock'
import type { ZooKeeperClient } from '@zoo/client'
import { gate } from '../src/http/routes.js'
import { startDashboard, type ChildrenPage, type LiveView, type NodeView, type RecipeView } from '../src/index.js'
import { clientFor, dashboardFor, eventually } from './support/dashboard.js'
import { ensembleFor, selectedTargets } from './support/target.js'

t.setTimeout(120_000)

interface Reply {
  status: number
  headers: Record<string, string | string[] | undefined>
  body: any
}

/** A raw request (node:http, so the Host header can be anything). */
function call(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: options.method ?? 'GET', headers: options.headers }, (res) => {
      const chunks: Buffer[] = []
      res.on('data', (c: Buffer) => chunks.push(c))
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8')
        let body: unknown = text
        try {
          body = JSON.parse(text)
        } catch {}
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body })
      })
    })
    req.on('error', reject)
    req.end(options.body)
  })
}

const json = (body: unknown, headers: Record<string, string> = {}) => ({ method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify(body) })

/** Server-sent events of one stream, as they come. */
function events(url: string): { next: (name: string, match?: (data: any) => boolean) => Promise<any>; close: () => void } {
  const seen: { event: string; data: any }[] = []
  let wake: () => void = () => {}
  let buffer = ''
  const req = request(url, (res) => {
    res.on('data', (chunk: Buffer) => {
      buffer += chunk.toString('utf8')
      let end: number
      while ((end = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, end)
        buffer = buffer.slice(end + 2)
        const event = /^event: (.*)$/m.exec(block)?.[1]
        const data = /^data: (.*)$/m.exec(block)?.[1]
        if (event && data) seen.push({ event, data: JSON.parse(data) })
      }
      wake()
    })
  })
  req.end()
  return {
    async next(name, match = () => true) {
      for (;;) {
        const index = seen.findIndex((e) => e.event === name && match(e.data))
        if (index >= 0) return seen.splice(0, index + 1).at(-1)!.data
        await new Promise<void>((resolve) => (wake = resolve))
      }
    },
    close: () => req.destroy(),
  }
}

t.test('gate: at most n handlers at once, the rest get a 503 at once', async (t) => {
  const bounded = gate(1)
  let release: () => void = () => {}
  const slow = bounded(() => new Promise<void>((resolve) => (release = resolve)))
  const first = slow({} as never)
  const refused = await slow({} as never).then(
    () => undefined,
    (error: { status?: number }) => error,
  )
  t.equal(refused?.status, 503)
  release()
  await first
  await t.resolves(bounded(async () => {})({} as never), 'free again')
})

t.test('a dead ensemble: the console still answers at once (members down, tree 503)', async (t) => {
  const dashboard = await dashboardFor(t, { connect: `127.0.0.1:${await freePort()}`, adminPort: 0, sessionTimeoutMs: 2_000 }, { waitForSession: false })
  const snapshot = await eventually('a probe', 5_000, async () => {
    const s = (await call(`${dashboard.url}api/ensemble`)).body
    return s.members[0].role === 'down' ? s : undefined
  })
  t.equal(snapshot.session.state, 'connecting')
  const node = await call(`${dashboard.url}api/node?path=/`)
  t.equal(node.status, 503)
  t.match(node.body, { error: 'unavailable', message: /no ZooKeeper session yet/ })
  const started = Date.now()
  t.equal((await call(dashboard.url)).status, 200, 'the page itself')
  t.ok(Date.now() - started < 1_000, 'at once')
})

t.test('a port already taken: startDashboard fails and leaves nothing running', async (t) => {
  const first = await dashboardFor(t, { connect: `127.0.0.1:${await freePort()}`, adminPort: 0, sessionTimeoutMs: 2_000 }, { waitForSession: false })
  await t.rejects(startDashboard({ connect: '127.0.0.1:1', port: first.port }), { code: 'EADDRINUSE' })
})

for (const target of selectedTargets()) {
  t.test(`${target.name}: the API`, async (t) => {
    const ensemble = await ensembleFor(t, target, { members: 1 })
    const zk = await clientFor(t, ensemble.connectString)
    await t.test('read-only by default: no write route at all', async (t) => suiteReadOnly(t, ensemble.connectString, ensemble.dashboardOptions))
    await t.test('with --allow-writes', async (t) => suiteWrites(t, zk, ensemble.connectString, ensemble.dashboardOptions))
  })
}

async function suiteReadOnly(t: Test, connect: string, extra: object): Promise<void> {
  const dashboard = await dashboardFor(t, { connect, ...extra })
  t.equal(dashboard.token, undefined)
  const write = await call(`${dashboard.url}api/set`, json({ path: '/', data: 'x', version: 0 }))
  t.equal(write.status, 404)
  t.match(write.body.message, /--allow-writes/)
  const page = await call(dashboard.url)
  t.equal(page.status, 200)
  t.match(page.headers['content-type'], /text\/html/)
  t.match(page.headers['content-security-policy'], /default-src 'self'/)
  t.equal((await call(`${dashboard.url}assets/app.js`)).status, 200, 'the bundle is served by the console itself')
  t.equal((await call(`${dashboard.url}assets/nothing.js`)).status, 404)
  const rebound = await call(dashboard.url, { headers: { host: 'attacker.example:80' } })
  t.equal(rebound.status, 421, 'a page reached under another name (DNS rebinding) gets nothing')
  t.equal((await call(dashboard.url.replace('127.0.0.1', 'localhost'))).status, 200, 'localhost is this console too')
  t.match(dashboard.url, /^http:\/\/127\.0\.0\.1:\d+\/$/, 'bound to 127.0.0.1 by default')
}

async function suiteWrites(t: Test, zk: ZooKeeperClient, connect: string, extra: object): Promise<void> {
  const dashboard = await dashboardFor(t, { connect, ...extra, allowWrites: true })
  const token = { 'x-zoo-token': dashboard.token! }
  const url = (path: string) => `${dashboard.url}${path}`

  await t.test('writes need the token, JSON, and a valid body naming the wrong field', async (t) => {
    t.equal((await call(url('api/create'), json({ path: '/w' }))).status, 401)
    t.equal((await call(url('api/create'), json({ path: '/w' }, { 'x-zoo-token': 'x'.repeat(32) }))).status, 401)
    t.equal((await call(url('api/create'), { method: 'POST', headers: { ...token, 'content-type': 'text/plain' }, body: '{}' })).status, 415)
    t.match(await call(url('api/create'), { method: 'POST', headers: { ...token, 'content-type': 'application/json' }, body: '{nope' }), { status: 400, body: { field: '(body)' } })
    t.match(await call(url('api/set'), json({ path: '/w', data: 'x' }, token)), { status: 400, body: { error: 'invalid', field: 'version' } })
    t.match(await call(url('api/set'), json({ path: 'w', data: 'x', version: 0 }, token)), { status: 400, body: { field: 'path' } })
    t.match(await call(url('api/create'), json({ path: '/w', data: '!!', encoding: 'base64' }, token)), { status: 400, body: { field: 'data' } })
    t.equal(await zk.exists('/w'), null, 'nothing was written by any of them')
  })

  await t.test('create, set and delete with the version seen; a stale version is a conflict, not an overwrite', async (t) => {
    const created = await call(url('api/create'), json({ path: '/w', data: 'one' }, token))
    t.match(created, { status: 200, body: { path: '/w', stat: { version: 0 } } })
    t.match(await call(url('api/create'), json({ path: '/w' }, token)), { status: 409, body: { error: 'conflict', code: 'NODEEXISTS' } })
    t.match(await call(url('api/set'), json({ path: '/w', data: 'two', version: 0 }, token)), { status: 200, body: { stat: { version: 1 } } })
    const stale = await call(url('api/set'), json({ path: '/w', data: 'three', version: 0 }, token))
    t.match(stale, { status: 409, body: { error: 'conflict', code: 'BADVERSION' } })
    t.equal(stale.body.message, 'Conflict: /w changed since you loaded it (you edited version 0). It is now at version 1. Nothing was written; reload and try again.')
    t.equal((await zk.getData('/w')).data.toString(), 'two')
    t.match(await call(url('api/delete'), json({ path: '/w', version: 0 }, token)), { status: 409, body: { code: 'BADVERSION' } })
    await zk.create('/w/child')
    t.match(await call(url('api/delete'), json({ path: '/w', version: 1 }, token)), { status: 409, body: { code: 'NOTEMPTY' } })
    await zk.delete('/w/child')
    t.match(await call(url('api/delete'), json({ path: '/w', version: 1 }, token)), { status: 200 })
    t.equal(await zk.exists('/w'), null)
    t.match(await call(url('api/set'), json({ path: '/w', data: 'x', version: 1 }, token)), { status: 409, body: { message: /was deleted since you loaded it/ } })
    const binary = await call(url('api/create'), json({ path: '/bin', data: Buffer.from([0, 255, 1]).toString('base64'), encoding: 'base64' }, token))
    t.equal(binary.status, 200)
    t.same([...(await zk.getData('/bin')).data], [0, 255, 1])
    const node = (await call(url('api/node?path=/bin'))).body as NodeView
    t.equal(node.data, 'AP8B')
    t.match(node.acl, [{ scheme: 'world', id: 'anyone', perms: 'cdrwa' }])
    t.match(await call(url('api/node?path=/nope')), { status: 404, body: { error: 'not found', code: 'NONODE' } })
  })

  await t.test('10,000 children: one page at a time, in name order, filterable', async (t) => {
    await zk.create('/big')
    for (let start = 0; start < 10_000; start += 1_000) {
      await Promise.all(Array.from({ length: 1_000 }, (_, i) => zk.create(`/big/item-${String(start + i).padStart(5, '0')}`)))
    }
    const last = (await call(url('api/children?path=/big&offset=9950&limit=100'))).body as ChildrenPage
    t.equal(last.total, 10_000)
    t.equal(last.children.length, 50)
    t.equal(last.children[0]!.name, 'item-09950')
    t.equal(last.children.at(-1)!.name, 'item-09999')
    t.match(last.children[0], { numChildren: 0, dataLength: 0, ephemeral: false })
    const filtered = (await call(url('api/children?path=/big&filter=item-0999&limit=500'))).body as ChildrenPage
    t.equal(filtered.total, 10)
    t.match(await call(url('api/children?path=/big&limit=10000')), { status: 400, body: { field: 'limit' } }, 'no request for everything at once')
  })

  await t.test('a live view follows data and children through a watch', async (t) => {
    await zk.create('/live', 'v0')
    const stream = events(url('api/live?path=/live'))
    t.teardown(() => stream.close())
    const initial = (await stream.next('node')) as LiveView
    t.match(initial, { exists: true, cause: 'initial', numChildren: 0, stat: { version: 0 } })
    await zk.setData('/live', 'v1')
    const changed = (await stream.next('node', (v: LiveView) => v.stat?.version === 1)) as LiveView
    t.equal(Buffer.from(changed.data!, 'base64').toString(), 'v1')
    t.equal(changed.cause, 'changed')
    await zk.create('/live/kid')
    t.match(await stream.next('node', (v: LiveView) => v.numChildren === 1), { children: ['kid'] })
    await zk.delete('/live/kid')
    await zk.delete('/live')
    t.match(await stream.next('node', (v: LiveView) => !v.exists), { exists: false, stat: null })
  })

  await t.test('recipe views: a kazoo- and a Curator-named lock made by @zoo/lock, a config node, a config subtree', async (t) => {
    for (const naming of ['kazoo', 'curator'] as const) {
      const path = `/locks/${naming}`
      const holders = await Promise.all(['first', 'second'].map(async (id) => ({ id, zk: await clientFor(t, connect) })))
      await new Mutex(holders[0]!.zk, path, { id: 'first', naming }).acquire()
      const waiting = new AbortController()
      t.teardown(() => waiting.abort())
      void new Mutex(holders[1]!.zk, path, { id: 'second', naming }).acquire({ signal: waiting.signal }).catch(() => undefined)
      const view = await eventually(`the ${naming} waiter`, 5_000, async () => {
        const v = (await call(url(`api/recipe?path=${path}`))).body as RecipeView
        return v.total === 2 ? v : undefined
      })
      t.match(view, { kind: 'lock', naming, holders: [{ id: 'first' }], waiters: [{ id: 'second' }] }, naming)
      t.match(view.holders[0]!.sessionId, /^0x[0-9a-f]+$/)
    }
    await zk.create('/settings', JSON.stringify({ limit: 3 }))
    await zk.setData('/settings', JSON.stringify({ limit: 4 }))
    t.match((await call(url('api/recipe?path=/settings'))).body, { kind: 'config', config: { layout: 'node', json: { limit: 4 }, jsonValid: true, version: 1 } })
    await zk.create('/tree-config')
    await zk.create('/tree-config/b', '2')
    await zk.create('/tree-config/a', '1')
    const subtree = (await call(url('api/recipe?path=/tree-config&kind=config'))).body as RecipeView
    t.same(subtree.config?.entries, [
      { key: 'a', value: '1' },
      { key: 'b', value: '2' },
    ])
    t.match((await call(url('api/recipe?path=/tree-config'))).body, { kind: null }, 'auto does not call every node with children a config')
  })
}
