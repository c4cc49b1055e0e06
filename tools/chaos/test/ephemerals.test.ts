import t from 'tap'
import { checkEphemerals } from '../src/checker/ephemerals.js'

t.test('ephemerals of ended sessions must be gone', async (t) => {
  const owners = [
    { sessionId: '1', created: ['/e/a'], endedMs: 10, how: 'killed' as const },
    { sessionId: '2', created: ['/e/b'], endedMs: 20, how: 'closed' as const },
    { sessionId: '3', created: ['/e/c'], how: 'alive' as const },
  ]
  t.same(checkEphemerals({ owners, finalEphemerals: [{ path: '/e/c', ephemeralOwner: '3' }] }), [], 'a live owner keeps its node')
  const left = checkEphemerals({ owners, finalEphemerals: [{ path: '/e/a', ephemeralOwner: '1' }, { path: '/e/b', ephemeralOwner: '2' }, { path: '/e/x', ephemeralOwner: '9' }] })
  t.match(left[0], /\/e\/a outlived its session 1 \(killed/)
  t.match(left[1], /\/e\/b outlived its session 2 \(closed/)
  t.match(left[2], /owned by session 9, which no owner process opened/)
})
