// A member cut off from its quorum in read-only mode: clients that accept it read, cannot
// write, and move to a real session once the quorum is back.
import t from 'tap'
import { ErrorCode } from '@zoo/protocol'
import type { ClientState } from '../../src/state.js'
import { until } from '../support/fake-server.js'
import { clientFor, ensembleFor } from '../support/target.js'

t.setTimeout(180_000)
const ensemble = await ensembleFor(t, { members: 3, readOnlyMode: true, tickTimeMs: 500 })

t.test('read-only member: state readOnly, reads work, writes fail with NOTREADONLY, then a real session', async (t) => {
  const setup = await clientFor(t, ensemble.connectString)
  await setup.create('/ro', 'data')
  await setup.close()
  const [alone, ...others] = ensemble.ids as [number, ...number[]]
  for (const id of others) await ensemble.kill(id)
  const deadline = Date.now() + 60_000
  while (!(await ensemble.readOnly(alone))) {
    if (Date.now() > deadline) throw new Error('the member never went read-only')
    await new Promise((resolve) => setTimeout(resolve, 200))
  }
  const zk = await clientFor(t, ensemble.address(alone), { readOnly: true, sessionTimeoutMs: 10_000 })
  const states: ClientState[] = []
  zk.on('state', (s) => states.push(s))
  t.equal(zk.state, 'readOnly')
  t.equal((await zk.getData('/ro')).data.toString(), 'data', 'reads are served')
  await t.rejects(zk.create('/ro/new'), { code: ErrorCode.NOTREADONLY, path: '/ro/new' }, 'writes are refused')
  const readOnlySession = zk.sessionId
  for (const id of others) await ensemble.start(id)
  await until(() => states.includes('connected'), 60_000, 'a read-write session')
  t.notOk(states.includes('expired'), 'a read-only session is replaced, not expired')
  t.not(zk.sessionId, readOnlySession)
  t.equal(await zk.create('/ro/new', 'x'), '/ro/new', 'writes work again')
})
