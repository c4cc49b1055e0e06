import t from 'tap'
import { runDemo } from '../src/demo.js'

t.test('the demo shows every handover and a paused leader that stood down before acting again', { timeout: 58_000 }, async (t) => {
  const lines: string[] = []
  const result = await runDemo({ candidates: 3, sessionTimeoutMs: 2_000, tickTimeMs: 500, pauseMs: 4_000, print: (line) => lines.push(line) })
  t.comment(lines.join('\n'))
  t.ok(result.ok, result.verdictText)
  t.ok(result.handoverMs.kill < 2_000 * 2, `kill -9 handover ${Math.round(result.handoverMs.kill)} ms is bounded by the session timeout`)
  t.ok(result.handoverMs.graceful < 1_000, `graceful handover ${Math.round(result.handoverMs.graceful)} ms`)
  // Its first message is "stood down (deadline)", unless it had stood down just before the pause.
  t.notMatch(result.pausedFirstAfterResume ?? '', /^a write/, `the paused leader did not act first: "${result.pausedFirstAfterResume}"`)
  t.equal(result.pausedStaleWrites, 0, 'and sent no write with its old epoch')
  t.ok(lines.some((l) => l.includes('REFUSED')) === false, 'no write was refused: nobody tried')
})
