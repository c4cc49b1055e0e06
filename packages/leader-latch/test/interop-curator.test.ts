/** Our latch and Apache Curator's LeaderLatch (Java, javac'd here) on one path, Curator's naming. */
import t from 'tap'
import { verdict } from '../src/testing/index.js'
import { runInterop } from './support/interop.js'

t.test('zoo + Curator LeaderLatch: exactly one leader as leadership is handed around', { timeout: 55_000 }, async (t) => {
  const { report, participants, leaders } = await runInterop(t, 'curator', 6)
  t.same(participants.map((p) => p.id), ['zoo-1', 'curator-1', 'zoo-2', 'curator-2'], 'our participants() reads Curator nodes in queue order')
  t.ok(participants.some((p) => p.path.includes('/_c_') && p.path.includes('-latch-')), 'Curator naming: _c_<uuid>-latch-<seq>')
  const { ok, text } = verdict(report)
  t.ok(ok, text)
  t.ok(leaders.some((id) => id.startsWith('zoo')) && leaders.some((id) => id.startsWith('curator')), `both led: ${leaders.join(' -> ')}`)
  t.ok(report.terms.length >= 5, `${report.terms.length} terms`)
})
