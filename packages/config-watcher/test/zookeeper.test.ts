// The ZooKeeper backend against a real server: values, invalid updates, deletion, recreation,
// both watch kinds, subtree mode, compare-and-set, session expiry.
import t from 'tap'
import * as z from 'zod'
import type { ZooKeeperClient } from '@zoo/client'
import { publishConfig, watchConfig, InvalidConfigError, VersionConflictError, ConfigUnavailableError, type ConfigWatcher } from '../src/index.js'
import { clientFor, clusterFor, expireSession } from './support/target.js'

const Schema = z.object({ flag: z.boolean(), limit: z.number().int().positive() })
type Config = z.output<typeof Schema>

const cluster = await clusterFor(t, { members: 1 })
const zk = await clientFor(t, cluster.connectString)
const writer = await clientFor(t, cluster.connectString)

async function until(what: string, probe: () => boolean, timeoutMs = 5_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

function track(w: ConfigWatcher<Config>) {
  const changes: { next: Config; version: number }[] = []
  const invalid: InvalidConfigError[] = []
  let missing = 0
  w.on('change', (next, _prev, v) => changes.push({ next, version: v.version }))
  w.on('invalid', (error) => invalid.push(error))
  w.on('missing', () => missing++)
  return { changes, invalid, missing: () => missing }
}

for (const watchMode of ['persistent', 'oneShot'] as const) {
  t.test(`${watchMode} watch: changes, a rejected update, deletion and re-creation`, async (t) => {
    const path = `/cfg/${watchMode}/basic`
    await publishConfig(writer, path, Schema, { flag: false, limit: 1 })
    const w = await watchConfig(zk, path, Schema, { watchMode })
    t.teardown(() => w.close())
    t.same(w.current, { flag: false, limit: 1 })
    t.equal(w.version?.version, 0)
    const seen = track(w)

    await publishConfig(writer, path, Schema, { flag: true, limit: 2 })
    await until('limit 2', () => w.current.limit === 2)
    t.same(seen.changes.at(-1), { next: { flag: true, limit: 2 }, version: 1 })

    await writer.setData(path, '{"flag": "yes"}')
    // Bursts are coalesced (only the newest version is read), so let the first bad one be seen.
    await until('the first invalid report', () => seen.invalid.length === 1)
    await writer.setData(path, '{not json')
    await until('two invalid reports', () => seen.invalid.length === 2)
    t.same(w.current, { flag: true, limit: 2 }, 'the last good value stays')
    t.same(seen.invalid.map((e) => e.reason), ['schema', 'parse'])

    await writer.delete(path)
    await until('missing', () => seen.missing() === 1)
    t.ok(w.missing)
    t.same(w.current, { flag: true, limit: 2 }, 'deletion keeps the last good value')

    // Re-created: version 0 again, yet newer (larger czxid) than version 3 of the old node.
    await publishConfig(writer, path, Schema, { flag: false, limit: 9 })
    await until('the new incarnation', () => w.current.limit === 9)
    t.equal(w.version?.version, 0)
    t.notOk(w.missing)
    t.equal(seen.invalid.length, 2, 'an invalid version is reported once, not at every re-read')
  })
}

t.test('starting on a missing or invalid node uses the default, or waits for a valid value', async (t) => {
  const w = await watchConfig(zk, '/cfg/start/missing', Schema, { default: { flag: false, limit: 5 } })
  t.teardown(() => w.close())
  t.same(w.current, { flag: false, limit: 5 })
  t.equal(w.version, undefined)
  await publishConfig(writer, '/cfg/start/missing', Schema, { flag: true, limit: 6 })
  await until('the published value', () => w.current.limit === 6)

  await writer.mkdirp('/cfg/start/bad', { data: '[]' })
  await t.rejects(watchConfig(zk, '/cfg/start/bad', Schema, { initialTimeoutMs: 300 }), ConfigUnavailableError)
  const pending = watchConfig(zk, '/cfg/start/bad', Schema, { initialTimeoutMs: 5_000 })
  await new Promise((r) => setTimeout(r, 100))
  await publishConfig(writer, '/cfg/start/bad', Schema, { flag: true, limit: 1 })
  const late = await pending
  t.same(late.current, { flag: true, limit: 1 })
  await late.close()

  t.throws(() => watchConfig(zk, '/cfg/x', Schema, { default: { flag: 1 } as never }), /default config does not pass/)
})

t.test('publishConfig validates before writing and compares-and-sets', async (t) => {
  const path = '/cfg/publish'
  await t.rejects(publishConfig(writer, path, Schema, { flag: true, limit: -1 }), InvalidConfigError)
  t.equal(await writer.exists(path), null, 'nothing written')
  const v0 = await publishConfig(writer, path, Schema, { flag: true, limit: 1 }, { expectedVersion: 'absent' })
  await t.rejects(publishConfig(writer, path, Schema, { flag: true, limit: 1 }, { expectedVersion: 'absent' }), VersionConflictError)
  const v1 = await publishConfig(writer, path, Schema, { flag: true, limit: 2 }, { expectedVersion: v0 })
  t.equal(v1.version, 1)
  await t.rejects(publishConfig(writer, path, Schema, { flag: true, limit: 3 }, { expectedVersion: 0 }), VersionConflictError)
  // Delete and re-create up to the same version number: a (czxid, version) CAS tells them apart.
  await writer.delete(path)
  await writer.create(path, '{"flag":true,"limit":1}')
  await writer.setData(path, '{"flag":true,"limit":1}')
  await t.rejects(publishConfig(writer, path, Schema, { flag: true, limit: 4 }, { expectedVersion: v1 }), VersionConflictError)
  // A value that passes the schema but not after a JSON round trip is refused.
  const WithDate = z.object({ at: z.date() })
  await t.rejects(publishConfig(writer, '/cfg/date', WithDate, { at: new Date() }), /not after serialize \+ parse/)
})

t.test('subtree mode: children are keys; publishes are atomic and compare-and-set on the parent', async (t) => {
  const Tree = z.object({ flags: z.object({ beta: z.boolean() }), limits: z.object({ rps: z.number() }) })
  const path = '/cfg/tree'
  await publishConfig(writer, path, Tree, { flags: { beta: false }, limits: { rps: 10 } }, { subtree: true })
  t.same((await writer.getChildren(path)).children.sort(), ['flags', 'limits'])
  const w = await watchConfig(zk, path, Tree, { subtree: true })
  t.teardown(() => w.close())
  t.same(w.current, { flags: { beta: false }, limits: { rps: 10 } })
  const v = await publishConfig(writer, path, Tree, { flags: { beta: true }, limits: { rps: 10 } }, { subtree: true, expectedVersion: w.version!.version })
  await until('beta on', () => w.current.flags.beta)
  t.equal(w.version?.mzxid, v.mzxid, 'the tree version is the multi that wrote it')
  // A child edited directly (as zkCli would) is seen too.
  await writer.setData(`${path}/limits`, '{"rps": 99}')
  await until('rps 99', () => w.current.limits.rps === 99)
  const invalid: unknown[] = []
  w.on('invalid', (e) => invalid.push(e))
  await writer.create(`${path}/extra`, 'not json')
  await until('invalid tree', () => invalid.length === 1)
  t.equal(w.current.limits.rps, 99)
  await writer.delete(`${path}/extra`)
  await t.rejects(publishConfig(writer, path, Tree, { flags: { beta: false }, limits: { rps: 1 } }, { subtree: true, expectedVersion: 0 }), VersionConflictError)
})

t.test('a session expiry: the watcher re-reads on the new session and keeps following', async (t) => {
  const path = '/cfg/expiry'
  await publishConfig(writer, path, Schema, { flag: false, limit: 1 })
  // A short timeout: when the twin of expireSession closes the session, the server may leave this
  // client's connection open and silent (its reconnect raced the close), and the client then
  // learns of the expiry only when it hears nothing for 2/3 of its timeout.
  const own: ZooKeeperClient = await clientFor(t, cluster.connectString, { sessionTimeoutMs: 4_000 })
  const watchers = [await watchConfig(own, path, Schema, { watchMode: 'persistent' }), await watchConfig(own, path, Schema, { watchMode: 'oneShot' })]
  const states: string[] = []
  own.on('state', (s) => states.push(s))
  const before = own.sessionId
  await expireSession(own, cluster.connectString)
  // Written while the watchers' session is dead: only a re-read on the new session sees it.
  await publishConfig(writer, path, Schema, { flag: true, limit: 2 })
  await until('a new session', () => own.state === 'connected' && own.sessionId !== before, 20_000)
  await until('both watchers on limit 2', () => watchers.every((w) => w.current.limit === 2))
  t.ok(states.includes('expired'))
  await publishConfig(writer, path, Schema, { flag: true, limit: 3 })
  await until('both watchers on limit 3', () => watchers.every((w) => w.current.limit === 3))
  for (const w of watchers) await w.close()
})

t.test('close ends async iteration and stops listening', async (t) => {
  const path = '/cfg/iterate'
  await publishConfig(writer, path, Schema, { flag: false, limit: 1 })
  const w = await watchConfig(zk, path, Schema)
  const seen: number[] = []
  const loop = (async () => {
    for await (const value of w) {
      seen.push(value.limit)
      if (value.limit === 3) await w.close()
    }
  })()
  for (const limit of [2, 3]) {
    await publishConfig(writer, path, Schema, { flag: false, limit })
    await until(`limit ${limit}`, () => seen.includes(limit) || seen.at(-1)! >= limit)
  }
  await loop
  t.equal(seen[0], 1, 'starts with the current value')
  t.equal(seen.at(-1), 3)
  t.ok(w.closed)
})
