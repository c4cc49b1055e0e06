import t from 'tap'
import { SessionTracker } from '../../src/member/session-tracker.js'
import { SessionIdGenerator } from '../../src/member/leader.js'

t.test('touch extends the deadline; silence expires once; closing sessions take no touch', async (t) => {
  const tracker = new SessionTracker()
  tracker.add(1n, 1000, 0, undefined)
  tracker.add(2n, 1000, 0, 3)
  t.ok(tracker.touch(1n, 900, 2))
  t.equal(tracker.get(1n)?.owner, 2, 'the first toucher becomes the owner')
  t.same(tracker.expire(1000), [2n])
  t.same(tracker.expire(1500), [], 'marked closing, not expired twice')
  t.notOk(tracker.touch(2n, 1500, 3))
  t.same(tracker.expire(1900), [1n])
  t.throws(() => tracker.add(3n, 0, 0, undefined))
})

t.test('revalidation moves a session and names its previous owner; ownership gates writes', async (t) => {
  const tracker = new SessionTracker()
  tracker.add(7n, 5000, 0, 1)
  t.ok(tracker.isOwner(7n, 1))
  t.same(tracker.revalidate(7n, 10, 2), { valid: true, previousOwner: 1 })
  t.notOk(tracker.isOwner(7n, 1), 'the old member\'s requests are SESSIONMOVED')
  t.ok(tracker.isOwner(7n, 2))
  t.same(tracker.revalidate(7n, 20, 2), { valid: true, previousOwner: undefined })
  tracker.markClosing(7n)
  t.same(tracker.revalidate(7n, 30, 3), { valid: false })
  t.same(tracker.revalidate(8n, 30, 3), { valid: false })
})

t.test('session ids carry the server id in the top byte and count up', async (t) => {
  const ids = new SessionIdGenerator(3, 1_700_000_000_000)
  const a = ids.nextId()
  const b = ids.nextId()
  t.equal(a >> 56n, 3n)
  t.equal(b, a + 1n)
  t.throws(() => new SessionIdGenerator(256, 0))
})

t.test('a stall of the member itself does not count against sessions', async (t) => {
  const tracker = new SessionTracker()
  tracker.add(1n, 1000, 0, 1)
  tracker.extendAll(5000)
  t.same(tracker.expire(5500), [])
  t.same(tracker.expire(6000), [1n])
})
