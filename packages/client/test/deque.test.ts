import t from 'tap'
import fc from 'fast-check'
import { BoundedQueue } from '../src/deque.js'

t.test('FIFO across growth and wrap-around, bounded', async (t) => {
  const q = new BoundedQueue<number>(100)
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 70; i++) t.equal(q.push(round * 100 + i), true)
    for (let i = 0; i < 50; i++) t.equal(q.shift(), round * 100 + i)
    t.same([...q].slice(0, 2), [round * 100 + 50, round * 100 + 51])
    t.same(q.drain(), Array.from({ length: 20 }, (_, i) => round * 100 + 50 + i))
  }
  for (let i = 0; i < 100; i++) q.push(i)
  t.equal(q.full, true)
  t.equal(q.push(100), false, 'refuses past capacity')
  t.equal(q.length, 100)
  t.equal(q.peek(), 0)
  t.throws(() => new BoundedQueue(0), RangeError)
})

t.test('property: behaves like an array with a cap', async (t) => {
  fc.assert(
    fc.property(fc.array(fc.oneof(fc.constant<'shift'>('shift'), fc.integer())), fc.integer({ min: 1, max: 40 }), (ops, capacity) => {
      const q = new BoundedQueue<number>(capacity)
      const model: number[] = []
      for (const op of ops) {
        if (op === 'shift') {
          if (q.shift() !== model.shift()) return false
        } else if (q.push(op) !== model.length < capacity) return false
        else if (model.length < capacity) model.push(op)
      }
      return q.length === model.length && JSON.stringify([...q]) === JSON.stringify(model)
    }),
  )
  t.pass()
})
