import t from 'tap'
import { checkObservations, checkProcessOrder, checkReadValues } from '../src/checker/sessions.js'
import { read, write } from './support/ops.js'

const initial = { r: { version: 0, value: 'init' }, s: { version: 0, value: 'init' } }

t.test('one state per version', async (t) => {
  t.same(checkObservations([write(1, 'r', 'a', 0, 1, { ok: 1, mzxid: 10 }), read(2, 'r', 2, 3, 'a', 1, 10)]), [])
  const split = checkObservations([write(1, 'r', 'a', 0, 1, { ok: 1, mzxid: 10 }), write(2, 'r', 'b', 0, 1, { ok: 1, mzxid: 11 })])
  t.match(split[0], /two states at version 1: a \(mzxid 10\).*and b \(mzxid 11\)/)
  const disordered = checkObservations([write(1, 'r', 'a', 0, 1, { ok: 1, mzxid: 20 }), write(1, 'r', 'b', 2, 3, { ok: 2, mzxid: 15 })])
  t.match(disordered[0], /version 1 has mzxid 20 but the later version 2 has mzxid 15/)
})

t.test('reads return written values at the version their write produced', async (t) => {
  t.same(checkReadValues([write(1, 'r', 'a', 0, 1, { ok: 1 }), read(2, 'r', 2, 3, 'a', 1, 101), read(2, 's', 4, 5, 'init', 0, 0)], initial), [])
  t.same(checkReadValues([write(1, 'r', 'u', 0, 1, 'unknown'), read(2, 'r', 2, 3, 'u', 7, 107)], initial), [], 'a timed-out write may be read, at any version')
  t.match(checkReadValues([read(2, 'r', 2, 3, 'ghost', 1, 101)], initial)[0], /nobody wrote that value/)
  t.match(checkReadValues([read(2, 'r', 2, 3, 'a', 1, 101), write(1, 'r', 'a', 5, 6, { ok: 1 })], initial)[0], /before it was written/)
  t.match(checkReadValues([write(1, 'r', 'a', 0, 1, { ok: 1 }), read(2, 'r', 2, 3, 'a', 2, 102)], initial)[0], /produced version 1/)
  t.match(checkReadValues([write(1, 'r', 'a', 0, 1, 'fail')], initial), [], 'a refused write is not a source')
})

t.test('a process never reads older than its own writes or its earlier reads', async (t) => {
  const ownWrite = [write(1, 'r', 'a', 0, 1, { ok: 1 }), read(1, 'r', 2, 3, 'init', 0, 0)]
  t.match(checkProcessOrder(ownWrite, initial)[0], /older than its own acknowledged write/)
  const goesBack = [write(2, 'r', 'a', 0, 1, { ok: 1 }), read(1, 'r', 2, 3, 'a', 1, 101), read(1, 'r', 4, 5, 'init', 0, 0)]
  t.match(checkProcessOrder(goesBack, initial)[0], /older than it had already read/)
  const otherProcess = [write(1, 'r', 'a', 0, 1, { ok: 1 }), read(2, 'r', 2, 3, 'init', 0, 0)]
  t.same(checkProcessOrder(otherProcess, initial), [], 'another process may read a stale member (reads are not linearizable)')
})

t.test('a process never reads below the zxid it has already seen, on any register', async (t) => {
  // p2 wrote s at zxid 110 (so it has seen 110); r was at version 1 by zxid 101.
  const ops = [write(1, 'r', 'a', 0, 1, { ok: 1, mzxid: 101 }), write(2, 's', 'x', 2, 3, { ok: 1, mzxid: 110 }), read(2, 'r', 4, 5, 'init', 0, 0, 110)]
  t.match(checkProcessOrder(ops, initial)[0], /had seen zxid 110, by which r was at version 1/)
  const fresh = [write(1, 'r', 'a', 0, 1, { ok: 1, mzxid: 101 }), write(2, 's', 'x', 2, 3, { ok: 1, mzxid: 90 }), read(2, 'r', 4, 5, 'init', 0, 0, 90)]
  t.same(checkProcessOrder(fresh, initial), [], 'below the write of r in zxid order, the old value is fine')
})
