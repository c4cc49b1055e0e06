import t from 'tap'
import fc from 'fast-check'
import { checkRegister } from '../src/checker/register.js'
import type { RegisterOp, RegisterState } from '../src/checker/history.js'
import { renderCounterexample } from '../src/checker/index.js'
import { cas, write } from './support/ops.js'

const init: RegisterState = { version: 0, value: 'init' }
const check = (ops: RegisterOp[], final?: RegisterState, maxSteps?: number) => checkRegister('r', init, ops, final, { maxSteps })

t.test('known linearizable histories', async (t) => {
  t.equal(check([write(1, 'r', 'a', 0, 1, { ok: 1 }), write(1, 'r', 'b', 2, 3, { ok: 2 })]).verdict, 'linearizable', 'sequential writes')
  // Invoked a then b, overlapping; the versions say b went first: allowed, they overlap.
  t.equal(check([write(1, 'r', 'a', 0, 10, { ok: 2 }), write(2, 'r', 'b', 1, 5, { ok: 1 })]).verdict, 'linearizable', 'overlapping writes in either order')
  t.equal(check([cas(1, 'r', 0, 'a', 0, 10, { ok: 1 }), cas(2, 'r', 0, 'b', 1, 5, 'fail')]).verdict, 'linearizable', 'one of two racing CAS loses')
  t.equal(check([write(1, 'r', 'a', 0, 1, { ok: 1 })], { version: 1, value: 'a' }).verdict, 'linearizable', 'final read sees the acknowledged write')
  t.equal(check([], init).verdict, 'linearizable', 'no operations, final read is the initial state')
})

t.test('known non-linearizable histories', async (t) => {
  const lost = check([write(1, 'r', 'a', 0, 1, { ok: 1 }), write(2, 'r', 'b', 2, 3, { ok: 1 })])
  t.equal(lost.verdict, 'not-linearizable', 'two acknowledged writes got the same version: one was lost')
  const backwards = check([write(1, 'r', 'a', 0, 1, { ok: 2 }), write(2, 'r', 'b', 2, 3, { ok: 1 })])
  t.equal(backwards.verdict, 'not-linearizable', 'a write acknowledged before another began got the later version')
  t.equal(check([cas(1, 'r', 0, 'a', 0, 10, { ok: 1 }), cas(2, 'r', 0, 'b', 1, 5, { ok: 1 })]).verdict, 'not-linearizable', 'two CAS on the same version both won')
  t.equal(check([write(1, 'r', 'a', 0, 1, { ok: 1 }), cas(2, 'r', 1, 'b', 2, 3, 'fail')]).verdict, 'not-linearizable', 'CAS refused at the version it expected')
  t.equal(check([write(1, 'r', 'a', 0, 1, { ok: 1 })], init).verdict, 'not-linearizable', 'acknowledged write missing after healing')
  t.equal(check([write(1, 'r', 'a', 0, 1, { ok: 1 })], { version: 1, value: 'zzz' }).verdict, 'not-linearizable', 'final value nobody wrote')
})

t.test('timed-out operations are possibly applied: an open interval from their invocation', async (t) => {
  const unknown = write(1, 'r', 'u', 0, 5, 'unknown')
  const after = write(2, 'r', 'w', 10, 11, { ok: 2 })
  t.equal(check([unknown, after]).verdict, 'linearizable', 'version 2 is explained by the timed-out write having applied')
  t.equal(check([{ ...unknown, outcome: 'fail', error: 'BADVERSION' }, after]).verdict, 'not-linearizable', 'the same history with a definite failure is not')
  t.equal(check([write(1, 'r', 'u', 0, 5, 'unknown'), write(2, 'r', 'w', 10, 11, { ok: 1 })]).verdict, 'linearizable', 'or it never applied')
  const late = [write(1, 'r', 'u', 0, 1, 'unknown'), write(2, 'r', 'a', 10, 11, { ok: 1 }), write(2, 'r', 'b', 20, 21, { ok: 3 })]
  t.equal(check(late).verdict, 'linearizable', 'it may apply long after the client gave up on it')
  t.equal(check([write(1, 'r', 'a', 0, 1, { ok: 2 }), write(2, 'r', 'u', 5, 6, 'unknown')]).verdict, 'not-linearizable', 'but never before it was invoked')
  t.equal(check([write(1, 'r', 'u', 0, 1, 'unknown')], { version: 1, value: 'u' }).verdict, 'linearizable', 'final state from a timed-out write')
  t.equal(check([cas(1, 'r', 5, 'u', 0, 1, 'unknown'), write(2, 'r', 'a', 10, 11, { ok: 2 })]).verdict, 'not-linearizable', 'a timed-out CAS applies only at its expected version')
})

t.test('the counterexample names the operation that cannot be placed, and why', async (t) => {
  const first = write(1, 'r', 'a', 0, 1, { ok: 1 })
  const second = write(2, 'r', 'b', 2, 3, { ok: 2 })
  const lost = cas(3, 'r', 2, 'c', 4, 5, { ok: 3 })
  const forged = write(1, 'r', 'd', 6, 7, { ok: 3 })
  const result = check([first, second, lost, forged])
  if (result.verdict !== 'not-linearizable') throw new Error('expected a violation')
  t.same(result.counterexample.linearized, [first, second], 'the prefix that still works')
  t.equal(result.counterexample.blocked, lost, 'the first answered op that cannot follow it')
  t.same(result.counterexample.state, { version: 2, value: 'b' })
  t.match(result.counterexample.candidates[0]?.reason, /past what .*write r=d/, 'it would overtake the write that also claims version 3')
  const text = renderCounterexample('r', result).join('\n')
  t.match(text, /longest linearizable prefix has 2 operations/)
  t.match(text, new RegExp(`#${lost.id} p3 cas r if version 2 =c`))
})

t.test('the search is bounded', async (t) => {
  const ops = Array.from({ length: 12 }, (_, i) => write(i, 'r', `v${i}`, 0, 100, 'unknown'))
  ops.push(write(99, 'r', 'x', 200, 201, { ok: 50 }))
  const result = check(ops, undefined, 1_000)
  t.equal(result.verdict, 'unknown', 'an exhausted search says unknown, not pass or fail')
})

/** A true atomic register: each op takes effect at a random instant inside its interval. */
const atomicHistory = fc
  .array(fc.record({ start: fc.integer({ min: 0, max: 1000 }), length: fc.integer({ min: 1, max: 200 }), at: fc.double({ min: 0, max: 1, noNaN: true }), cas: fc.boolean(), lag: fc.integer({ min: 0, max: 3 }), fate: fc.constantFrom('answered', 'answered', 'answered', 'lost-applied', 'lost-not-applied') }), { minLength: 1, maxLength: 40 })
  .map((specs) => {
    const timed = specs.map((spec, i) => ({ ...spec, i, point: spec.start + spec.at * spec.length }))
    const ops: RegisterOp[] = []
    let state = { ...init }
    for (const spec of [...timed].sort((a, b) => a.point - b.point)) {
      const value = `v${spec.i}`
      const end = spec.start + spec.length
      const expected = Math.max(0, state.version - spec.lag)
      const applies = spec.fate !== 'lost-not-applied' && (!spec.cas || expected === state.version)
      if (applies) state = { version: state.version + 1, value }
      const answer = spec.fate === 'answered' ? (applies ? { ok: state.version } : 'fail' as const) : 'unknown' as const
      ops.push(spec.cas ? cas(spec.i, 'r', expected, value, spec.start, end, answer) : write(spec.i, 'r', value, spec.start, end, answer))
    }
    return { ops, final: state }
  })

t.test('property: histories of a real atomic register are linearizable', async (t) => {
  fc.assert(fc.property(atomicHistory, ({ ops, final }) => check(ops, final).verdict === 'linearizable'), { seed: 20240601, numRuns: 300 })
  t.pass('300 generated histories')
})

t.test('property: two acknowledged writes with one version are always caught', async (t) => {
  fc.assert(
    fc.property(atomicHistory, ({ ops, final }) => {
      const acked = ops.filter((op) => op.outcome === 'ok')
      fc.pre(acked.length >= 2)
      const [a, b] = acked as [RegisterOp, RegisterOp]
      const forged = ops.map((op) => (op === b ? { ...op, version: a.version } : op))
      return check(forged, final).verdict === 'not-linearizable'
    }),
    { seed: 7, numRuns: 300 },
  )
  t.pass('300 forged histories')
})

t.test('a long history with many timed-out writes stays cheap', async (t) => {
  const ops: RegisterOp[] = []
  let version = 0
  for (let i = 0; i < 4000; i++) {
    const start = i * 10
    if (i % 20 === 0) {
      const applied = i % 40 === 0
      if (applied) version++
      ops.push(write(i % 8, 'r', `v${i}`, start, start + 15, 'unknown'))
    } else {
      version++
      ops.push(write(i % 8, 'r', `v${i}`, start, start + 15, { ok: version }))
    }
  }
  const result = check(ops)
  t.equal(result.verdict, 'linearizable')
  t.ok(result.steps < 2_000_000, `${result.steps} search steps for 4000 ops with 200 timed out`)
})
