// Interop on one path: Apache Curator's ServiceDiscovery (Java, curator-x-discovery 5.4) and
// our Group with the curator layout see each other's instances with their payloads; kazoo's
// Party (Python) and our Group with the kazoo-party layout list the same members.
import t from 'tap'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import * as z from 'zod'
import { selectedEnsemble } from '@zoo/recipe-core/testing'
import { tempDir } from '@zoo/testkit'
import { Group } from '../src/index.js'
import { Driver } from './support/driver.js'
import { clientFor, eventually, pullUntil } from './support/helpers.js'
import { spawnSync } from 'node:child_process'

const HERE = fileURLToPath(new URL('./interop/', import.meta.url))
const JARS = [
  'curator-x-discovery', 'curator-recipes', 'curator-framework', 'curator-client', 'zookeeper', 'zookeeper-jute', 'guava',
  'jackson-databind', 'jackson-core', 'jackson-annotations', 'slf4j-api', 'slf4j-nop',
].map((name) => `/usr/share/java/${name}.jar`)

const ensemble = await selectedEnsemble()({ members: 1 })
t.teardown(() => ensemble.stop())
const zk = await clientFor(t, ensemble.connectString)

interface Described {
  id: string
  name: string
  address: string
  port: number
  payload: Record<string, unknown>
  payloadType: string
  serviceType: string
  enabled: boolean
  uri: string | null
}

t.test('Curator ServiceDiscovery and our Group (curator layout) see each other', async (t) => {
  const classes = tempDir('curator-discovery')
  t.teardown(() => classes.remove())
  const classpath = JARS.join(':')
  const javac = spawnSync('javac', ['-cp', classpath, '-d', classes.path, join(HERE, 'CuratorDiscovery.java')], { encoding: 'utf8' })
  t.equal(javac.status, 0, javac.stderr)
  const java = await Driver.start(t, 'java', ['-cp', `${classes.path}:${classpath}`, 'CuratorDiscovery', ensemble.connectString, '/discovery', 'api'])

  const payload = z.object({ version: z.string(), weight: z.number() })
  const group = new Group(zk, '/discovery/api', { schema: payload, layout: 'curator' })
  const watch = group.watch()
  t.teardown(() => void watch.return())

  // Curator registers; we see it, payload and instance fields.
  const registered = await java.send<{ stored: string }>(`register java-1 127.0.0.1 8081 {"version":"1.2","weight":3}`)
  t.comment(`Curator stored: ${registered.stored}`)
  const seen = (await pullUntil(watch, (s) => s.has('java-1'))).at(-1)!.snapshot.get('java-1')!
  t.same(seen.data, { version: '1.2', weight: 3 }, 'the Java payload, typed by our schema')
  t.match(seen.instance, { name: 'api', id: 'java-1', address: '127.0.0.1', port: 8081, sslPort: null, serviceType: 'DYNAMIC', uriSpec: '{scheme}://{address}:{port}', enabled: true })
  t.match(seen.instance!.payloadClass, /^java\.util\.\w*Map$/, 'Jackson named the payload class')
  t.ok(seen.instance!.registrationTimeUTC > 0)

  // We register; Curator's query and its ServiceCache see us with our payload.
  const ours = await group.join({ version: '2.0', weight: 5 }, { id: 'zoo-1', instance: { address: '127.0.0.1', port: 9090, uriSpec: '{scheme}://{address}:{port}' } })
  const query = await java.send<{ query: Described[] }>('query')
  const found = query.query.find((i) => i.id === 'zoo-1')
  t.match(found, { name: 'api', address: '127.0.0.1', port: 9090, payload: { version: '2.0', weight: 5 }, serviceType: 'DYNAMIC', enabled: true, uri: 'http://127.0.0.1:9090' })
  t.match(found!.payloadType, /^java\.util\.\w*Map$/, 'Curator built the Map class we named')
  t.same(query.query.map((i) => i.id).sort(), ['java-1', 'zoo-1'])
  await eventually(async () => (await java.send<{ cache: Described[] }>('cache')).cache.length === 2, 'the ServiceCache to list both')

  // Updates travel both ways.
  await ours.update({ version: '2.1', weight: 6 })
  await eventually(async () => (await java.send<{ cache: Described[] }>('cache')).cache.find((i) => i.id === 'zoo-1')?.payload.version === '2.1', 'the cache to see our update')
  await java.send(`update java-1 {"version":"1.3","weight":3}`)
  await pullUntil(watch, (s) => s.get('java-1')?.data.version === '1.3')

  // Leaving: each side sees the other go.
  await ours.leave()
  t.same((await java.send<{ query: Described[] }>('query')).query.map((i) => i.id), ['java-1'])
  await java.send('unregister java-1')
  await pullUntil(watch, (s) => s.size === 0)
  await java.send('quit')
})

t.test('kazoo Party and our Group (kazoo-party layout) list the same members on one path', async (t) => {
  const python = await Driver.start(t, '/usr/bin/python3', [join(HERE, 'kazoo_party.py'), ensemble.connectString, '/parties/workers'])
  const group = new Group(zk, '/parties/workers', { schema: z.string(), layout: 'kazoo-party' })
  const watch = group.watch()
  t.teardown(() => void watch.return())
  await python.send('join kazoo-a')
  await python.send('join kazoo-b')
  const ours = [await group.join('zoo-a'), await group.join('zoo-b')]
  const everyone = ['kazoo-a', 'kazoo-b', 'zoo-a', 'zoo-b']
  const snapshot = (await pullUntil(watch, (s) => s.size === 4)).at(-1)!.snapshot
  t.same(snapshot.members.map((m) => m.data).sort(), everyone, 'our view')
  t.same((await python.send<{ list: string[] }>('list')).list, everyone, "kazoo's view")
  for (const m of snapshot.members) t.match(m.path, /\/[0-9a-f]{32}__party__$/, `${m.data} is named as kazoo names it`)

  await python.send('leave kazoo-a')
  await ours[0]!.leave()
  const after = (await pullUntil(watch, (s) => s.size === 2)).at(-1)!.snapshot
  t.same(after.members.map((m) => m.data).sort(), ['kazoo-b', 'zoo-b'])
  t.same((await python.send<{ list: string[] }>('list')).list, ['kazoo-b', 'zoo-b'])
  await ours[1]!.leave()
  await python.send('quit')
})
