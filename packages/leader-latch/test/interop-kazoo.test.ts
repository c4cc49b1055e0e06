/** Our latch and kazoo's Election (Python) on one path, kazoo's naming (<hex>__lock__<seq>). */
import t from 'tap'
import { verdict } from '../src/testing/index.js'
import { runInterop } from './support/interop.js'

t.test('zoo + kazoo Election: exactly one leader as leadership is handed around', { timeout: 55_000 }, async (t) => {
  const { report, participants, leaders } = await runInterop(t, 'kazoo', 6)
  t.same(participants.map((p) => p.id), ['zoo-1', 'kazoo-1', 'zoo-2', 'kazoo-2'], 'our participants() reads kazoo nodes in queue order')
  t.ok(participants.some((p) => p.path.includes('__lock__')), 'kazoo naming: <hex>__lock__<seq>')
  const { ok, text } = verdict(report)
  t.ok(ok, text)
  t.ok(leaders.some((id) => id.startsWith('zoo')) && leaders.some((id) => id.startsWith('kazoo')), `both led: ${leaders.join(' -> ')}`)
  t.ok(report.terms.length >= 5, `${report.terms.length} terms`)
})
