import t from 'tap'
import { Leadership, LeadershipLostError, LeadershipTimeoutError, LatchClosedError, deadlineAfter } from '../src/leadership.js'
import { FakeClock } from './support/fake-clock.js'

t.test('a term lasts until its deadline, and hasLeadership reads the clock synchronously', async (t) => {
  const clock = new FakeClock()
  const leadership = new Leadership(clock)
  const events: string[] = []
  leadership.on('isLeader', (term) => events.push(`isLeader ${term.epoch}`))
  leadership.on('notLeader', (reason, epoch) => events.push(`notLeader ${reason} ${epoch}`))
  const term = leadership.gain(7n, clock.now() + 1_000)!
  t.ok(leadership.holds())
  clock.advance(999)
  t.ok(leadership.holds(), 'one ms before the deadline')
  // A paused process: time moves, no timer has run yet. The answer must already be false.
  clock.jump(1)
  t.notOk(term.signal.aborted, 'the deadline timer has not run')
  t.notOk(leadership.holds(), 'the clock says the deadline passed')
  t.ok(term.signal.aborted, 'asking ended the term: the signal agrees with the answer')
  t.ok(term.signal.reason instanceof LeadershipLostError && term.signal.reason.reason === 'deadline')
  t.same(events, ['isLeader 7', 'notLeader deadline 7'])
  clock.advance(10)
  t.same(events.length, 2, 'the overdue timer does not report twice')
})

t.test('the deadline timer ends the term without anyone asking', async (t) => {
  const clock = new FakeClock()
  const leadership = new Leadership(clock)
  const term = leadership.gain(1n, clock.now() + 500)!
  clock.advance(499)
  t.notOk(term.signal.aborted)
  clock.advance(1)
  t.ok(term.signal.aborted)
  t.equal(clock.pending, 0)
})

t.test('extend moves the deadline later only, and only for the same epoch', async (t) => {
  const clock = new FakeClock()
  const leadership = new Leadership(clock)
  leadership.gain(3n, clock.now() + 100)
  leadership.extend(3n, clock.now() + 50)
  t.equal(leadership.deadlineMs, clock.now() + 100, 'never shortened')
  leadership.extend(4n, clock.now() + 500)
  t.equal(leadership.deadlineMs, clock.now() + 100, 'another epoch cannot extend this term')
  leadership.extend(3n, clock.now() + 300)
  clock.advance(200)
  t.ok(leadership.holds())
  clock.advance(100)
  t.notOk(leadership.holds())
  leadership.extend(3n, clock.now() + 1_000)
  t.notOk(leadership.holds(), 'an ended term is not revived')
})

t.test('gain refuses a deadline already passed, and asserts against two terms at once', async (t) => {
  const clock = new FakeClock()
  const leadership = new Leadership(clock)
  t.equal(leadership.gain(1n, clock.now()), undefined)
  t.notOk(leadership.holds())
  leadership.gain(2n, clock.now() + 10)
  t.throws(() => leadership.gain(3n, clock.now() + 10), /assertion/)
})

t.test('wait resolves on gain, rejects on timeout, abort and close', async (t) => {
  const clock = new FakeClock()
  const leadership = new Leadership(clock)
  const won = leadership.wait()
  const timedOut = leadership.wait({ timeoutMs: 100 })
  const controller = new AbortController()
  const aborted = leadership.wait({ signal: controller.signal })
  clock.advance(100)
  await t.rejects(timedOut, LeadershipTimeoutError)
  controller.abort(new Error('stop'))
  await t.rejects(aborted, /stop/)
  leadership.gain(9n, clock.now() + 1_000)
  t.equal((await won).epoch, 9n)
  t.equal((await leadership.wait()).epoch, 9n, 'at once while leading')
  const later = (leadership.lose('deposed'), leadership.wait())
  leadership.close()
  await t.rejects(later, LatchClosedError)
  await t.rejects(leadership.wait(), LatchClosedError)
  t.equal(leadership.gain(10n, clock.now() + 1_000), undefined, 'no term after close')
})

t.test('deadlineAfter subtracts the drift allowance and checks its inputs', async (t) => {
  t.equal(deadlineAfter(1_000, 10_000, 0.01), 1_000 + 9_900)
  t.equal(deadlineAfter(1_000, 10_000, 0.01, 2), 1_000 + 9_898)
  t.throws(() => deadlineAfter(0, 0, 0.01), RangeError)
  t.throws(() => deadlineAfter(0, 10, 1), RangeError)
})
