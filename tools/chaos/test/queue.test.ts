import t from 'tap'
import { checkQueue } from '../src/checker/queue.js'
import { createSeq, seqName } from './support/ops.js'

t.test('a queue with acknowledged, unknown and lost-but-harmless creates passes', async (t) => {
  const ops = [createSeq(1, 'a', 0, 1, { seq: 0, czxid: 10 }), createSeq(2, 'b', 0, 5, 'unknown'), createSeq(1, 'c', 2, 3, { seq: 2, czxid: 12 }), createSeq(3, 'd', 4, 6, 'unknown')]
  const finalQueue = [{ name: seqName(0), data: 'a', czxid: '10' }, { name: seqName(1), data: 'b', czxid: '11' }, { name: seqName(2), data: 'c', czxid: '12' }]
  const result = checkQueue({ ops, finalQueue })
  t.same(result.violations, [])
  t.same(result.stats, { acknowledged: 2, unknown: 2, final: 3 })
})

t.test('violations', async (t) => {
  const twice = checkQueue({ ops: [createSeq(1, 'a', 0, 1, { seq: 0, czxid: 10 }), createSeq(2, 'b', 0, 1, { seq: 0, czxid: 11 })], finalQueue: [] })
  t.match(twice.violations.join('\n'), /sequence 0 acknowledged twice/)
  const zxid = checkQueue({ ops: [createSeq(1, 'a', 0, 10, { seq: 1, czxid: 10 }), createSeq(2, 'b', 0, 10, { seq: 0, czxid: 11 })], finalQueue: [] })
  t.match(zxid.violations.join('\n'), /out of zxid order/)
  const realTime = checkQueue({ ops: [createSeq(1, 'a', 0, 1, { seq: 1, czxid: 11 }), createSeq(2, 'b', 2, 3, { seq: 0, czxid: 10 })], finalQueue: [] })
  t.match(realTime.violations.join('\n'), /invoked after .* was acknowledged/)
  const lost = checkQueue({ ops: [createSeq(1, 'a', 0, 1, { seq: 0, czxid: 10 })], finalQueue: [] })
  t.match(lost.violations.join('\n'), /acknowledged create lost/)
  const phantom = checkQueue({ ops: [], finalQueue: [{ name: seqName(0), data: 'zz', czxid: '1' }] })
  t.match(phantom.violations.join('\n'), /which no create wrote/)
  const doubled = checkQueue({ ops: [createSeq(1, 'a', 0, 1, 'unknown')], finalQueue: [{ name: seqName(0), data: 'a', czxid: '1' }, { name: seqName(1), data: 'a', czxid: '2' }] })
  t.match(doubled.violations.join('\n'), /applied twice/)
  const gap = checkQueue({ ops: [createSeq(1, 'a', 0, 1, { seq: 1, czxid: 10 })], finalQueue: [{ name: seqName(1), data: 'a', czxid: '10' }] })
  t.match(gap.violations.join('\n'), /final queue is not 0..0/)
  const renamed = checkQueue({ ops: [createSeq(1, 'a', 0, 1, { seq: 0, czxid: 10 }), createSeq(1, 'b', 2, 3, 'unknown')], finalQueue: [{ name: seqName(0), data: 'b', czxid: '10' }, { name: seqName(1), data: 'a', czxid: '11' }] })
  t.match(renamed.violations.join('\n'), /was acknowledged as sequence 0/)
})
