import t from 'tap'
import { AdminServer } from '../../src/admin/http.js'
import { ServerMetrics } from '../../src/metrics.js'
import { sampleStatus } from '../support/sample-status.js'

t.test('admin HTTP: /commands in Apache JSON, /metrics for Prometheus, /status', async (t) => {
  const metrics = new ServerMetrics()
  metrics.observe('readlatency', 3)
  metrics.observeIn('write_per_namespace', 'app', 10)
  let serving = true
  const admin = new AdminServer({ host: '127.0.0.1', port: 0, metrics, status: () => ({ ...sampleStatus('leader'), serving }) })
  await admin.listen()
  t.teardown(() => admin.close())
  const get = async (path: string) => {
    const res = await fetch(`http://127.0.0.1:${admin.port}${path}`)
    return { status: res.status, type: res.headers.get('content-type'), text: await res.text() }
  }

  const ruok = await get('/commands/ruok')
  t.equal(ruok.status, 200)
  t.same(JSON.parse(ruok.text), { command: 'ruok', error: null })

  const monitor = JSON.parse((await get('/commands/mntr')).text)
  t.equal(monitor.command, 'monitor', 'aliases run the primary command')
  t.equal(monitor.server_state, 'leader')
  t.equal(monitor.znode_count, 7)
  t.equal(monitor.avg_latency, 6.8)
  t.equal(monitor.error, null)
  t.same(Object.keys(monitor).slice(-2), ['command', 'error'], 'command and error come last, as Apache')

  const wchp = (await get('/commands/watches_by_path')).text
  t.match(wchp, /"\/app\/x" : \[\n\s+72057696574898176\n/, 'session ids are exact JSON numbers')
  t.match(JSON.parse((await get('/commands/stat')).text), { server_stats: { server_state: 'leader' }, connections: [{ session_id: '0x1000017dfae0000' }, {}] })
  t.same(JSON.parse((await get('/commands/is_read_only')).text), { read_only: false, command: 'is_read_only', error: null })
  // Apache's keys (snake_case, numbers): the dashboard takes member ids from server_id.
  const configuration = JSON.parse((await get('/commands/configuration')).text) as Record<string, unknown>
  t.same(Object.keys(configuration), ['client_port', 'data_dir', 'data_log_dir', 'tick_time', 'max_client_cnxns', 'min_session_timeout', 'max_session_timeout', 'server_id', 'client_port_listen_backlog', 'command', 'error'].filter((k) => k in configuration))
  t.match(configuration, { client_port: Number, tick_time: Number, server_id: Number, command: 'configuration', error: null })

  const unknown = await get('/commands/nope')
  t.equal(unknown.status, 404)
  t.same(JSON.parse(unknown.text), { command: 'nope', error: 'Unknown command: nope' })
  t.match((await get('/commands')).text, /<a href="\/commands\/monitor">monitor<\/a>/)

  const prom = await get('/metrics')
  t.equal(prom.status, 200)
  t.match(prom.type, /^text\/plain/)
  t.match(prom.text, /^znode_count 7$/m)
  t.match(prom.text, /^readlatency_count 1$/m)
  t.match(prom.text, /^readlatency\{quantile="0\.5"\} 3$/m)
  t.match(prom.text, /^write_per_namespace_sum\{key="app"\} 10$/m)
  t.match(prom.text, /^process_cpu_user_seconds_total /m, 'process metrics too')

  const status = JSON.parse((await get('/status')).text)
  t.match(status, { role: 'leader', serving: true, epoch: 1, last_zxid: '0x1d', sessions: 1, znode_count: 7, outstanding_requests: 0 })

  serving = false
  t.match(JSON.parse((await get('/commands/srvr')).text), { command: 'server_stats', error: /not currently serving/ })
  t.equal((await fetch(`http://127.0.0.1:${admin.port}/status`, { method: 'POST' })).status, 405)
})
