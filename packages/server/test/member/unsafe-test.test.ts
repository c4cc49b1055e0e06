// The test-only broken build (zoo.test.ackBeforeQuorum) announces itself: whoever starts it sees
// it in the member's log at once. What it breaks is shown end to end by @zoo/chaos
// (tools/chaos/test/broken.test.ts) and in the consensus simulator (sim-teeth.test.ts).
import t from 'tap'
import type { LogLevel } from '../../src/log.js'
import { startStandalone } from '../support/servers.js'

t.test('a member with zoo.test.ackBeforeQuorum=true warns at start that it is a broken build', async (t) => {
  const lines: { level: LogLevel; message: string }[] = []
  await startStandalone(t, { 'zoo.test.ackBeforeQuorum': 'true' }, { logger: (level, message) => lines.push({ level, message }) })
  t.match(lines, [{ level: 'warn', message: /^TEST-ONLY BROKEN BUILD: zoo\.test\.ackBeforeQuorum=true: .*acknowledged writes WILL be lost/ }])
})

t.test('without the key nothing is said about it', async (t) => {
  const lines: string[] = []
  await startStandalone(t, {}, { logger: (_level, message) => lines.push(message) })
  t.notOk(lines.some((m) => m.includes('TEST-ONLY')))
})
