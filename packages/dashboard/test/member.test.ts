import t from 'tap'
import { decideMember, type Observations } from '../src/ensemble/member.js'
import { classifyWordAnswer, type AdminAnswer, type WordAnswer } from '../src/ensemble/parse.js'
import { fixture } from './support/fixtures.js'

const text = (name: string): WordAnswer => classifyWordAnswer(fixture(name))
const json = (name: string): AdminAnswer => {
  const raw = fixture(name)
  return { kind: 'json', body: JSON.parse(raw), raw }
}
const refused: WordAnswer = { kind: 'refused', reason: 'connection refused' }
const silent: WordAnswer = { kind: 'silent' }
const disabled: WordAnswer = { kind: 'disabled' }

t.test('mntr and srvr: the role, and figures from both', async (t) => {
  const status = decideMember({ mntr: text('mntr-leader.txt'), srvr: text('srvr-leader.txt'), conf: text('conf-leader.txt') })
  t.equal(status.role, 'leader')
  t.same(status.sources, ['mntr', 'srvr'])
  t.equal(status.serverId, 3)
  t.equal(status.metrics.zxid, 0x100000002n, 'the zxid comes from srvr (mntr has none)')
  t.equal(status.metrics.watchCount, 1)
  t.equal(status.metrics.writeP99Ms, 64)
  t.equal(status.metrics.readP50Ms, 2)
  t.equal(status.metrics.requestsTotal, 4, 'reads + updates from the latency counters')
  t.equal(status.metrics.requestCounter, 'latencySamples')
})

t.test('only srvr (Apache\'s default whitelist), no AdminServer: role and figures from srvr', async (t) => {
  const status = decideMember({ mntr: disabled, srvr: text('srvr-follower.txt') })
  t.equal(status.role, 'follower')
  t.same(status.sources, ['srvr'])
  t.equal(status.metrics.watchCount, undefined, 'srvr says nothing about watches')
  t.equal(status.metrics.requestCounter, 'packetsReceived')
})

t.test('four-letter words off: the AdminServer gives role, figures, zxid and id', async (t) => {
  const status = decideMember({
    mntr: disabled,
    srvr: disabled,
    conf: disabled,
    adminMonitor: json('admin-monitor-leader.json'),
    adminStats: json('admin-server_stats-leader.json'),
    adminConf: json('admin-configuration-leader.json'),
  })
  t.equal(status.role, 'leader')
  t.same(status.sources, ['admin'])
  t.equal(status.serverId, 3)
  t.equal(status.metrics.zxid, 4294967298n)
  t.equal(status.metrics.watchCount, 1)
})

t.test('srvr on, mntr off, AdminServer on: the AdminServer (richer) gives the role, srvr the zxid', async (t) => {
  const status = decideMember({ mntr: disabled, srvr: text('srvr-follower.txt'), adminMonitor: json('admin-monitor-follower.json') })
  t.equal(status.role, 'follower')
  t.same(status.sources, ['admin', 'srvr'])
  t.ok(status.metrics.zxid !== undefined)
  t.ok(status.metrics.watchCount !== undefined)
})

t.test('down only when nothing accepts a connection', async (t) => {
  const down = decideMember({ mntr: refused, srvr: refused, adminMonitor: { kind: 'refused', reason: 'connection refused' } })
  t.equal(down.role, 'down')
  t.equal(down.detail, 'connection refused')
  t.same(down.metrics, {})
})

t.test('accepts connections but answers neither words nor AdminServer: up, role unknown', async (t) => {
  const cases: [string, Observations, RegExp][] = [
    ['silent member (stopped process)', { mntr: silent, srvr: silent }, /answers nothing/],
    ['words disabled, no AdminServer', { mntr: disabled, srvr: disabled }, /no AdminServer configured/],
    ['words disabled, AdminServer refuses', { mntr: disabled, srvr: disabled, adminMonitor: { kind: 'refused', reason: 'x' } }, /AdminServer gave no role/],
    ['not serving (election)', { mntr: { kind: 'notServing' }, srvr: { kind: 'notServing' } }, /not serving/],
    ['AdminServer error', { mntr: refused, srvr: refused, adminMonitor: { kind: 'error', message: 'HTTP 500' } }, /answers, but gives no role/],
  ]
  for (const [name, obs, detail] of cases) {
    const status = decideMember(obs)
    t.equal(status.role, 'unknown', name)
    t.match(status.detail, detail, name)
  }
})

t.test('an unknown state word is reported, not guessed', async (t) => {
  const status = decideMember({ mntr: { kind: 'text', text: 'zk_server_state\tread-only\n' }, srvr: silent })
  t.equal(status.role, 'unknown')
  t.equal(status.detail, 'state read-only')
})
