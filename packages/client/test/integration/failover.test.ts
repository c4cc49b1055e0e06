// kill -9 of the member a client is on, mid-stream: the session, its ephemerals and every kind
// of watch survive on another member; requests in flight fail with CONNECTIONLOSS, nothing else.
import t from 'tap'
import { ErrorCode, KeeperError } from '@zoo/protocol'
import type { ClientState } from '../../src/state.js'
import type { PersistentWatchEvent, WatchEvent } from '../../src/watches.js'
import { until } from '../support/fake-server.js'
import { clientFor, ensembleFor } from '../support/target.js'

t.setTimeout(180_000)
const ensemble = await ensembleFor(t, { members: 3 })

t.test('kill -9 of the member the client is on: session, ephemerals and watches survive on another member', async (t) => {
  const zk = await clientFor(t, ensemble.connectString, { sessionTimeoutMs: 20_000 })
  const states: ClientState[] = []
  zk.on('state', (s) => states.push(s))
  const sessionId = zk.sessionId
  await zk.create('/eph', 'mine', { mode: 'ephemeral' })
  await zk.create('/watched', 'v0')
  await zk.create('/load', '0')
  const oneShot: WatchEvent[] = []
  const children: WatchEvent[] = []
  await zk.getData('/watched', { watch: (e) => oneShot.push(e) })
  await zk.getChildren('/watched', { watch: (e) => children.push(e) })
  const stream = zk.watch('/watched', { recursive: true })
  await zk.sync('/')
  const victim = ensemble.memberAt(zk.connectedHost!)
  t.comment(`client on member ${victim} (${await ensemble.mode(victim)}); killing it mid-stream`)

  // Eight callers keep reads and writes in flight the whole time.
  let running = true
  const failures: unknown[] = []
  let completed = 0
  const callers = Array.from({ length: 8 }, async (_, caller) => {
    for (let i = 0; running; i++) {
      try {
        if (i % 4 === 0) await zk.setData('/load', `${caller}-${i}`)
        else await zk.getData('/load')
        completed++
      } catch (error) {
        failures.push(error)
      }
    }
  })
  await until(() => completed > 500, 20_000, 'load under way')
  await ensemble.kill(victim)
  await until(() => states.includes('reconnected'), 30_000, 'reconnected')
  const afterReconnect = completed
  await until(() => completed > afterReconnect + 200, 20_000, 'load going on after the reconnect')
  running = false
  await Promise.all(callers)

  t.same(states, ['suspended', 'reconnected'], 'suspended at once, then reconnected; never expired')
  t.equal(zk.sessionId, sessionId, 'the same session')
  t.not(ensemble.memberAt(zk.connectedHost!), victim, 'on another member')
  t.ok(failures.length > 0, `${failures.length} requests were in flight at the kill`)
  t.ok(failures.every((e) => e instanceof KeeperError && e.code === ErrorCode.CONNECTIONLOSS), 'and each failed with CONNECTIONLOSS, nothing else')

  const survivors = ensemble.ids.filter((id) => id !== victim).map((id) => ensemble.address(id)).join(',')
  const other = await clientFor(t, survivors)
  t.equal((await other.exists('/eph'))?.ephemeralOwner, sessionId, 'the ephemeral lives on')
  await other.setData('/watched', 'v1')
  await other.create('/watched/child')
  await until(() => oneShot.length === 1 && children.length === 1, 10_000, 'one-shot watches')
  t.same(oneShot, [{ type: 'dataChanged', path: '/watched' }], 'the data watch was re-registered')
  t.same(children, [{ type: 'childrenChanged', path: '/watched' }], 'the child watch too')
  const events: PersistentWatchEvent[] = []
  for await (const event of stream) {
    events.push(event)
    if (events.length === 3) break
  }
  t.same(events, [
    { type: 'resync', path: '/watched', reason: 'reconnected' },
    { type: 'dataChanged', path: '/watched' },
    { type: 'created', path: '/watched/child' },
  ], 'the recursive watch: a resync marker, then the changes')
})
