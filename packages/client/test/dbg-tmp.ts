import { startApacheZooKeeper } from '@zoo/testkit'
import { createClient } from '../src/index.js'
const zk0 = await startApacheZooKeeper({ members: 3 })
try {
  const zk = await createClient(zk0.connectString, { sessionTimeoutMs: 20000 })
  const other = await createClient(zk0.connectString)
  zk.on('state', (s) => console.log('state', s, zk.connectedHost))
  await zk.create('/watched', 'v0')
  await zk.getData('/watched', { watch: (e) => console.log('oneshot data', e) })
  await zk.getChildren('/watched', { watch: (e) => console.log('oneshot child', e) })
  const stream = zk.watch('/watched', { recursive: true })
  ;(async () => { for await (const e of stream) console.log('stream', e) })()
  await zk.sync('/')
  const victim = zk0.members.find((m) => zk.connectedHost?.endsWith(`:${m.clientPort}`))!.id
  await zk0.kill(victim)
  await new Promise((r) => setTimeout(r, 4000))
  await other.setData('/watched', 'v1')
  await other.create('/watched/child')
  await new Promise((r) => setTimeout(r, 1000))
  console.log('---- second round, no failover')
  await zk.getData('/watched', { watch: (e) => console.log('oneshot data 2', e) })
  await zk.getChildren('/watched', { watch: (e) => console.log('oneshot child 2', e) })
  await other.setData('/watched', 'v2')
  await other.create('/watched/child2')
  await new Promise((r) => setTimeout(r, 1000))
  await zk.close(); await other.close()
} finally { await zk0.stop() }
