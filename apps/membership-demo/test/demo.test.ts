// The demo end to end (smaller): a SIGKILLed worker and a paused one leave the live view within
// the session timeout + 2 s, the paused one comes back by itself on a new session, and graceful
// leaves are seen at once.
import t from 'tap'
import { runDemo } from '../src/demo.js'

t.test('the demo runs and its timings hold', async (t) => {
  const lines: string[] = []
  const result = await runDemo((line) => lines.push(line), { workers: 3, sessionTimeoutMs: 3_000, pauseBeyondTimeoutMs: 1_000 })
  const limit = result.sessionTimeoutMs + 2_000
  t.ok(result.killedGoneMs <= limit, `SIGKILL -> gone in ${Math.round(result.killedGoneMs)} ms`)
  t.ok(result.pausedGoneMs <= limit, `SIGSTOP -> gone in ${Math.round(result.pausedGoneMs)} ms`)
  t.ok(result.resumedBackMs < 5_000, `SIGCONT -> back in ${Math.round(result.resumedBackMs)} ms`)
  t.match(result.pausedWorkerSaid.join('; '), /lost \{"reason":"expired"\}.*registered .*"reregistration":true/, 'the paused worker knew it was lost, then registered again')
  t.equal(result.gracefulGoneMs.length, 2)
  for (const ms of result.gracefulGoneMs) t.ok(ms < 2_000, `a graceful leave is seen in ${Math.round(ms)} ms`)
  t.ok(lines.some((l) => l.includes('view: leave worker-2')), 'the live view printed the leave')
})
