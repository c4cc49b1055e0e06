import { once } from 'node:events'
import type { Test } from 'tap'
import t from 'tap'
import type { Observations } from '../src/ensemble/member.js'
import { EnsembleMonitor, lagBehind, leaderOf, type MonitorOptions } from '../src/ensemble/monitor.js'
import type { ProbeTarget } from '../src/ensemble/probe.js'
import type { EnsembleSnapshot, MemberView } from '../src/shared/api.js'

const A = { host: '127.0.0.1', port: 1 }
const B = { host: '127.0.0.1', port: 2 }
const session = () => ({ state: 'connected', sessionId: null, connectedHost: null })

const srvr = (mode: string, zxid: string, received = 0) => `Zookeeper version: test\nLatency min/avg/max: 0/0.0/0\nReceived: ${received}\nSent: 0\nConnections: 1\nOutstanding: 0\nZxid: ${zxid}\nMode: ${mode}\nNode count: 4\n`
const as = (mode: string, zxid = '0x100000005', received = 0): Observations => ({ mntr: { kind: 'disabled' }, srvr: { kind: 'text', text: srvr(mode, zxid, received) } })
const refused: Observations = { mntr: { kind: 'refused', reason: 'connection refused' }, srvr: { kind: 'refused', reason: 'connection refused' } }

function monitorFor(t: Test, probe: MonitorOptions['probe'], overrides: Partial<MonitorOptions> = {}): EnsembleMonitor {
  const monitor = new EnsembleMonitor({ connect: [A, B], intervalMs: 5_000, probeTimeoutMs: 100, historySamples: 10, adminUrl: () => undefined, probe, ...overrides }, session)
  t.teardown(() => monitor.stop())
  return monitor
}

const roles = (snapshot: EnsembleSnapshot) => snapshot.members.map((m) => `${m.key}=${m.role}`)

t.test('a role change is published at once, and a member whose probe hangs does not hold the others back', async (t) => {
  let releaseB: (o: Observations) => void = () => {}
  const probe = ({ client }: ProbeTarget) => (client!.port === 1 ? Promise.resolve(as('leader')) : new Promise<Observations>((resolve) => (releaseB = resolve)))
  const monitor = monitorFor(t, probe)
  const first = once(monitor, 'snapshot')
  const started = Date.now()
  monitor.start()
  const [snapshot] = (await first) as [EnsembleSnapshot]
  t.ok(Date.now() - started < 1_000, 'well before the 5 s interval')
  t.same(roles(snapshot), ['127.0.0.1:1=leader', '127.0.0.1:2=unknown'])
  t.equal(snapshot.members[1]!.detail, 'not probed yet')
  const next = once(monitor, 'snapshot')
  releaseB(refused)
  const [after] = (await next) as [EnsembleSnapshot]
  t.same(roles(after), ['127.0.0.1:1=leader', '127.0.0.1:2=down'])
  t.equal(after.leaderId, null, 'ids unknown without conf')
})

t.test('probes of one member never overlap, however slow', async (t) => {
  let active = 0
  let maxActive = 0
  let calls = 0
  const probe = async () => {
    calls++
    maxActive = Math.max(maxActive, ++active)
    await new Promise((resolve) => setTimeout(resolve, 60))
    active--
    return as('follower')
  }
  const monitor = monitorFor(t, probe, { connect: [A], intervalMs: 20 })
  monitor.start()
  await new Promise((resolve) => setTimeout(resolve, 400))
  t.ok(calls >= 3, `polled again and again (${calls})`)
  t.equal(maxActive, 1)
})

t.test('ids from conf join the config, and members missing from the connect string appear once all are identified', async (t) => {
  const conf = (id: number) => ({ kind: 'text' as const, text: `clientPort=${id}\nserverId=${id}\nmembership: \nserver.1=127.0.0.1:11:12:participant\nserver.2=127.0.0.1:21:22:participant\nserver.3=127.0.0.1:31:32:participant\nversion=100000000\n` })
  const probe = async ({ client }: ProbeTarget, options: { askIdentity: boolean }) => ({ ...as(client!.port === 2 ? 'leader' : 'follower'), conf: options.askIdentity ? conf(client!.port) : undefined })
  const monitor = monitorFor(t, probe, { intervalMs: 30 })
  monitor.start()
  let snapshot: EnsembleSnapshot
  do [snapshot] = (await once(monitor, 'snapshot')) as [EnsembleSnapshot]
  while (snapshot.members.length < 3)
  t.same(
    snapshot.members.map((m) => [m.id, m.key]),
    [
      [1, '127.0.0.1:1'],
      [2, '127.0.0.1:2'],
      [3, 'server.3'],
    ],
  )
  t.equal(snapshot.leaderId, 2)
  t.equal(snapshot.configVersion, '100000000')
  const third = snapshot.members[2]!
  t.equal(third.role, 'unknown', 'never probed (no client address), so not called down')
  t.match(third.detail, /no client address/)
})

t.test('chart samples go out with the snapshots and stay in the history', async (t) => {
  let received = 0
  const probe = async () => as('standalone', '0x5', (received += 10))
  const monitor = monitorFor(t, probe, { connect: [A], intervalMs: 25 })
  monitor.start()
  let rate: number | null = null
  for (let i = 0; i < 20 && rate === null; i++) {
    const [, samples] = (await once(monitor, 'snapshot')) as [EnsembleSnapshot, Record<string, { requestsPerSec: number | null }>]
    rate = samples['127.0.0.1:1']?.requestsPerSec ?? null
  }
  t.ok(rate !== null && rate > 0, `a request rate (${rate}/s)`)
  t.ok(monitor.historyView().members['127.0.0.1:1']!.length >= 2)
})

const row = (over: Partial<MemberView>): MemberView => ({
  key: 'k', id: 1, address: null, quorumAddress: null, peerType: null, role: 'follower', detail: null, sources: [], version: null, zxid: null, epoch: null, lagTxns: null, lagNote: null,
  connections: null, outstanding: null, latencyMinMs: null, latencyAvgMs: null, latencyMaxMs: null, znodeCount: null, watchCount: null, ephemerals: null, requestsPerSec: null, lastAnswerAgeMs: null,
  ...over,
})

t.test('lag: transactions behind the leader in the same epoch, a note across epochs', async (t) => {
  const leader = row({ role: 'leader', zxid: '0x300000010', epoch: 3 })
  t.same(lagBehind(row({ zxid: '0x30000000a' }), leader), { lagTxns: 6, lagNote: null })
  t.same(lagBehind(row({ zxid: '0x300000012' }), leader), { lagTxns: 0, lagNote: null }, 'polled after the leader: not ahead, in sync')
  t.same(lagBehind(row({ zxid: '0x2000000ff' }), leader), { lagTxns: 16, lagNote: 'at least: its last txn is of an earlier epoch' })
  t.same(lagBehind(row({ zxid: '0x2000000ff' }), row({ role: 'leader', zxid: '0x300000000' })), { lagTxns: 0, lagNote: null }, 'right after an election: nothing new yet')
  t.same(lagBehind(row({ zxid: '0x400000001' }), leader), { lagTxns: null, lagNote: 'a later epoch than the leader' })
  t.same(lagBehind(leader, leader), { lagTxns: 0, lagNote: null })
  t.same(lagBehind(row({ role: 'down', zxid: '0x1' }), leader), { lagTxns: null, lagNote: null })
  t.same(lagBehind(row({ zxid: '0x1' }), undefined), { lagTxns: null, lagNote: 'no leader known' })
})

t.test('leaderOf: of two members claiming to lead, the newer epoch', async (t) => {
  const old = row({ key: 'a', role: 'leader', epoch: 2 })
  const current = row({ key: 'b', role: 'leader', epoch: 3 })
  t.equal(leaderOf([old, current, row({ key: 'c' })]), current)
  t.equal(leaderOf([row({})]), undefined)
})
