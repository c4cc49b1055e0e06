// Watch delivery against a real server: order across nodes, before the reply of the write that
// caused it, one-shot vs persistent vs recursive, removal.
import t from 'tap'
import { ErrorCode } from '@zoo/protocol'
import type { PersistentWatchEvent, WatchEvent } from '../../src/watches.js'
import { clientFor, ensembleFor } from '../support/target.js'

const ensemble = await ensembleFor(t, { members: 1 })
const watcher = await clientFor(t, ensemble.connectString)
const writer = await clientFor(t, ensemble.connectString)

async function take<T>(iterator: AsyncIterator<T>, count: number): Promise<T[]> {
  const out: T[] = []
  while (out.length < count) {
    const next = await iterator.next()
    if (next.done) break
    out.push(next.value)
  }
  return out
}

t.test('events arrive in the order the server applied the changes', async (t) => {
  await watcher.mkdirp('/order')
  const names = Array.from({ length: 20 }, (_, i) => `/order/n${i}`)
  for (const name of names) await writer.create(name, 'x')
  const seen: string[] = []
  await Promise.all(names.map((name) => watcher.getData(name, { watch: (e) => seen.push(`${e.type} ${e.path}`) })))
  await watcher.getChildren('/order', { watch: (e) => seen.push(`${e.type} ${e.path}`) })
  const shuffled = [...names].reverse()
  const expected: string[] = []
  for (const [i, name] of shuffled.entries()) {
    if (i % 3 === 0) {
      await writer.delete(name)
      expected.push(`deleted ${name}`)
      if (!expected.includes('childrenChanged /order')) expected.push('childrenChanged /order')
    } else {
      await writer.setData(name, 'y')
      expected.push(`dataChanged ${name}`)
    }
  }
  await watcher.sync('/order')
  await watcher.getData('/order')
  t.same(seen, expected, 'the same order as the writes')
})

t.test('a watch event comes before the reply of the write that caused it', async (t) => {
  await watcher.create('/self', 'a')
  const sequence: string[] = []
  await watcher.getData('/self', { watch: (e) => sequence.push(`event ${e.type}`) })
  await watcher.setData('/self', 'b')
  sequence.push('setData resolved')
  t.same(sequence, ['event dataChanged', 'setData resolved'])
})

t.test('exists on a missing node fires on creation; one-shot watches fire once', async (t) => {
  const events: WatchEvent[] = []
  t.equal(await watcher.exists('/later', { watch: (e) => events.push(e) }), null)
  await writer.create('/later', 'x')
  await writer.setData('/later', 'y')
  await watcher.sync('/later')
  await watcher.exists('/later')
  t.same(events, [{ type: 'created', path: '/later' }])
})

t.test('persistent watch: every change to the node, in order, until the loop ends', async (t) => {
  await writer.create('/pw', '0')
  const stream = watcher.watch('/pw')
  await watcher.sync('/pw') // addWatch is ordered before this; the watch is in place now
  for (let i = 1; i <= 5; i++) await writer.setData('/pw', String(i))
  await writer.create('/pw/child')
  await writer.delete('/pw/child')
  await writer.delete('/pw')
  await writer.create('/pw', 'again')
  const events = await take(stream, 9)
  t.same(
    events.map((e) => e.type),
    ['dataChanged', 'dataChanged', 'dataChanged', 'dataChanged', 'dataChanged', 'childrenChanged', 'childrenChanged', 'deleted', 'created'],
  )
  await stream.return!()
})

t.test('recursive watch: the subtree, without child events; ended by an AbortSignal', async (t) => {
  await writer.create('/tree')
  const controller = new AbortController()
  const stream = watcher.watch('/tree', { recursive: true, signal: controller.signal })
  await watcher.sync('/tree')
  await writer.create('/tree/a', '1')
  await writer.create('/tree/a/b', '2')
  await writer.setData('/tree/a/b', '3')
  await writer.delete('/tree/a/b')
  await writer.create('/treehouse')
  await writer.setData('/tree', 'root')
  const events: PersistentWatchEvent[] = await take(stream, 5)
  t.same(events, [
    { type: 'created', path: '/tree/a' },
    { type: 'created', path: '/tree/a/b' },
    { type: 'dataChanged', path: '/tree/a/b' },
    { type: 'deleted', path: '/tree/a/b' },
    { type: 'dataChanged', path: '/tree' },
  ])
  controller.abort()
  t.same(await stream.next(), { value: undefined, done: true })
})

t.test('removeWatches: the callback hears `removed`; the server forgets the watch', async (t) => {
  await writer.create('/rm', 'x')
  const events: WatchEvent[] = []
  await watcher.getData('/rm', { watch: (e) => events.push(e) })
  await watcher.getChildren('/rm', { watch: (e) => events.push(e) })
  await watcher.removeWatches('/rm', { type: 'data' })
  t.same(events, [{ type: 'removed', path: '/rm' }])
  await writer.setData('/rm', 'y')
  await writer.create('/rm/c')
  await watcher.sync('/rm')
  t.same(events, [{ type: 'removed', path: '/rm' }, { type: 'childrenChanged', path: '/rm' }], 'the child watch stayed')
  await t.rejects(watcher.removeWatches('/rm'), { code: ErrorCode.NOWATCHER, path: '/rm' })
})

t.test('a one-shot watch on a path with a recursive watch does not break it (one mode per path on the server)', async (t) => {
  await writer.create('/mixed', '0')
  const stream = watcher.watch('/mixed', { recursive: true })
  await watcher.sync('/mixed')
  const oneShot: WatchEvent[] = []
  await watcher.getData('/mixed', { watch: (e) => oneShot.push(e) })
  await watcher.getChildren('/mixed', { watch: (e) => oneShot.push(e) })
  await writer.setData('/mixed', '1')
  await writer.setData('/mixed', '2')
  await writer.create('/mixed/c')
  t.same(await take(stream, 3), [
    { type: 'dataChanged', path: '/mixed' },
    { type: 'dataChanged', path: '/mixed' },
    { type: 'created', path: '/mixed/c' },
  ], 'the recursive watch saw every change')
  t.same(oneShot, [{ type: 'dataChanged', path: '/mixed' }, { type: 'childrenChanged', path: '/mixed' }], 'each one-shot watch fired once')

  // The recursive watch ends while a one-shot watch rides on it: the server is given it back.
  const later: WatchEvent[] = []
  await watcher.getChildren('/mixed', { watch: (e) => later.push(e) })
  await stream.return!()
  await watcher.sync('/mixed')
  await writer.create('/mixed/d')
  await writer.setData('/mixed', '3')
  await watcher.sync('/mixed')
  await watcher.getData('/mixed')
  t.same(later, [{ type: 'childrenChanged', path: '/mixed' }], 'the one-shot child watch still fired, once')
})
