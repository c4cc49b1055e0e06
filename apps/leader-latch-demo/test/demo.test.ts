import t from 'tap'
import { runDemo } from '../src/demo.js'

t.test('the demo shows every handover and a paused leader that stood down before acting again', { timeout: 58_000 }, async (t) => {
  const lines: string[] = []
  const result = await runDemo({ candidates: 3, sessionTimeoutMs: 2_000, tickTimeMs: 500, pauseMs: 4_000, print: (line) => lines.push(line) })
  t.comment(lines.join('\n'))
  t.ok(result.ok, result.verdictText)
  t.ok(result.handoverMs.kill < 2_000 * 2, `kill -9 handover ${Math.round(result.handoverMs.kill)} ms is bounded by the session timeout`)
  t.ok(result.handoverMs.graceful < 1_000, `graceful handover ${Math.round(result.handoverMs.graceful)} ms`)
  t.match(result.pausedFirstAfterResume, /^stood down/, 'the paused leader first reported standing down')
  t.equal(result.pausedStaleWrites, 0, 'and sent no write with its old epoch')
  t.ok(lines.some((l) => l.includes('REFUSED')) === false, 'no write was refused: nobody tried')
})
