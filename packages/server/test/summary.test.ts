import t from 'tap'
import { javaDouble, PERCENTILE_WINDOW, Summary } from '../src/summary.js'
import { ServerMetrics, MAX_SUMMARY_SET_KEYS } from '../src/metrics.js'

t.test('summary: avg rounded to 4 places, min/max 0 when empty, percentiles over a window', async (t) => {
  const s = new Summary(true)
  t.same(s.entries('x').map(([k, v]) => `${k}=${v}`), ['avg_x=0.0', 'min_x=0', 'max_x=0', 'cnt_x=0', 'sum_x=0', 'p50_x=0', 'p95_x=0', 'p99_x=0', 'p999_x=0'])
  for (const v of [5, 18, 6, 16, 9, 10, 14, 1, 18, 18, 14]) s.observe(v)
  t.equal(s.avg, 11.7273)
  t.equal(s.min, 1)
  t.equal(s.max, 18)
  t.equal(s.percentile(0.5), 14)
  for (let i = 0; i < PERCENTILE_WINDOW; i++) s.observe(100)
  t.equal(s.percentile(0.5), 100, 'old samples leave the window')
  t.equal(s.count, 11 + PERCENTILE_WINDOW)
  t.throws(() => s.observe(Number.NaN))
  t.throws(() => new Summary(false).percentile(0.5))
})

t.test('javaDouble keeps ".0" on integers', async (t) => {
  t.equal(javaDouble(0), '0.0')
  t.equal(javaDouble(6.8), '6.8')
  t.equal(javaDouble(-2), '-2.0')
})

t.test('metrics: response sizes, summary sets bounded, srst resets', async (t) => {
  const m = new ServerMetrics()
  t.equal(m.get('min_client_response_size'), -1)
  m.responseSize(16)
  m.responseSize(106)
  m.responseSize(20)
  t.same([m.get('last_client_response_size'), m.get('min_client_response_size'), m.get('max_client_response_size')], [20, 16, 106])
  for (let i = 0; i < MAX_SUMMARY_SET_KEYS + 50; i++) m.observeIn('write_per_namespace', `ns${i}`, 1)
  const sets = m.monitor({}, 'standalone').filter(([k]) => k.startsWith('cnt_') && k.endsWith('_write_per_namespace'))
  t.equal(sets.length, MAX_SUMMARY_SET_KEYS + 1, 'extra namespaces share one "other" bucket')
  m.inc('packets_received', 3)
  m.observe('readlatency', 4)
  m.resetStatistics()
  t.equal(m.get('packets_received'), 0)
  t.equal(m.summary('readlatency').count, 0)
  t.equal(m.get('max_client_response_size'), -1)
  const leaderOnly = m.monitor({}, 'standalone').some(([k]) => k === 'synced_followers')
  t.notOk(leaderOnly, 'leader-only values are not printed by a standalone server')
  t.ok(m.monitor({}, 'leader').some(([k]) => k === 'synced_followers'))
})
