// Membership's retry pacing and the wake-up its heartbeat loops sleep on.
import t from 'tap'
import { backoffMs } from '../src/reread.js'
import { Wakeup } from '../src/wakeup.js'

t.test('backoffMs: 50 ms doubling up to 2 s, jittered', async (t) => {
  for (let attempt = 0; attempt < 10; attempt++) {
    const ms = backoffMs(attempt, () => 0.5)
    t.ok(ms >= 25 && ms <= 2_000)
  }
  t.equal(backoffMs(20, () => 1), 2_000)
})

t.test('wakeup: a kick before the wait is not lost; a timeout wakes too', async (t) => {
  const wakeup = new Wakeup()
  wakeup.kick()
  await wakeup.wait()
  const started = Date.now()
  await wakeup.wait(30)
  t.ok(Date.now() - started >= 25)
  const waiting = wakeup.wait()
  await t.rejects(wakeup.wait(), /one waiter/)
  wakeup.kick()
  await waiting
})
