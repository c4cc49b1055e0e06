// The demo end to end: every instance follows every valid version, rejects the invalid one
// and keeps serving on the last good value, and survives the killed member.
import t from 'tap'
import { runDemo } from '../src/demo.js'

t.test('the demo runs and shows what it claims', async (t) => {
  const lines: string[] = []
  const result = await runDemo((line) => lines.push(line))
  const services = ['service-1', 'service-2', 'service-3']
  for (const version of [1, 3, 4]) {
    const row = result.table.get(version)
    t.ok(row && services.every((s) => typeof row.get(s) === 'number'), `every instance saw version ${version}`)
  }
  t.ok(services.every((s) => result.table.get(2)?.get(s) === 'rejected'), 'every instance rejected the invalid version 2')
  t.same(result.http['after the invalid update'], ['5 x new checkout'], 'still serving on version 1 after the invalid update')
  t.ok(result.http['version 0, 20 requests']!.some((a) => a.endsWith('x 429')), 'the rate limit of version 0 applied')
  t.same(result.http['version 1, 20 requests'], ['20 x new checkout'], 'the flag and the higher limit of version 1 applied')
  t.same(new Set(result.finalConfigs), new Set(['{"newCheckout":false,"rateLimitPerSec":100}']))
  t.ok(lines.some((l) => /killing member \d/.test(l)))
  t.ok(lines.some((l) => l.startsWith('when each instance saw each version')))
})
