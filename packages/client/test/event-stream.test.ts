import t from 'tap'
import { EventStream } from '../src/event-stream.js'

const marker = () => -1

t.test('buffers until pulled, then hands events to a waiting consumer', async (t) => {
  let closed = 0
  const s = new EventStream<number>(10, marker, () => closed++)
  s.push(1)
  s.push(2)
  t.same(await s.next(), { value: 1, done: false })
  t.same(await s.next(), { value: 2, done: false })
  const pending = s.next()
  s.push(3)
  t.same(await pending, { value: 3, done: false })
  s.end()
  t.same(await s.next(), { value: undefined, done: true })
  t.equal(closed, 1)
  s.push(4)
  t.same(await s.next(), { value: undefined, done: true }, 'nothing after the end')
})

t.test('a slow consumer gets an overflow marker instead of unbounded memory', async (t) => {
  const s = new EventStream<number>(3, marker, () => {})
  for (let i = 0; i < 4; i++) s.push(i)
  t.equal(s.buffered, 1)
  t.same(await s.next(), { value: -1, done: false })
})

t.test('failures reach the consumer after what was buffered; break closes', async (t) => {
  const s = new EventStream<number>(10, marker, () => {})
  s.push(1)
  s.fail(new Error('gone'))
  t.same(await s.next(), { value: 1, done: false })
  await t.rejects(s.next(), { message: 'gone' })
  t.same(await s.next(), { value: undefined, done: true })
  const waiting = new EventStream<number>(10, marker, () => {})
  const next = waiting.next()
  waiting.fail(new Error('while waiting'))
  await t.rejects(next, { message: 'while waiting' })
  let closed = 0
  const looped = new EventStream<number>(10, marker, () => closed++)
  looped.push(1)
  looped.push(2)
  for await (const value of looped) {
    t.equal(value, 1)
    break
  }
  t.equal(closed, 1, 'break calls return(), which unregisters')
  t.equal(looped.closed, true)
})
