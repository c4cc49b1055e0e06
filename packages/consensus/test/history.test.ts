import t from 'tap'
import { History } from '../src/core/history.js'
import { InvariantError } from '../src/core/errors.js'
import { planSync } from '../src/core/sync.js'
import { makeZxid } from '../src/core/zxid.js'

const z = makeZxid
const e = (epoch: number, counter: number) => ({ zxid: z(epoch, counter), payload: new Uint8Array([counter]) })
const zs = (entries: { zxid: bigint }[]) => entries.map((x) => x.zxid)

t.test('history: order, points, ranges, truncation and compaction', async (t) => {
  const h = new History(undefined, [e(1, 1), e(1, 2), e(2, 1)])
  t.equal(h.lastZxid, z(2, 1))
  t.equal(h.baseZxid, 0n)
  t.ok(h.hasPoint(0n) && h.hasPoint(z(1, 2)))
  t.notOk(h.hasPoint(z(1, 3)))
  t.same(zs(h.between(z(1, 1))), [z(1, 2), z(2, 1)])
  t.same(zs(h.between(0n, z(1, 2))), [z(1, 1), z(1, 2)])
  t.equal(h.largestEntryAtMost(z(1, 9)), z(1, 2))
  t.equal(h.largestEntryAtMost(z(0, 9)), undefined)
  t.throws(() => h.append(e(1, 5)), InvariantError, 'appends must grow')
  h.compact({ zxid: z(1, 2), data: new Uint8Array() })
  t.equal(h.baseZxid, z(1, 2))
  t.same(zs(h.between(z(1, 2))), [z(2, 1)])
  t.throws(() => h.between(z(1, 1)), /compacted/)
  t.throws(() => h.truncateAfter(z(1, 1)), /below the snapshot/)
  h.truncateAfter(z(1, 2))
  t.equal(h.lastZxid, z(1, 2))
  h.resetTo({ zxid: z(3, 3), data: new Uint8Array() })
  t.equal(h.length, 0)
  t.equal(h.lastZxid, z(3, 3))
})

t.test('planSync chooses DIFF, TRUNC or SNAP', async (t) => {
  const leader = new History(undefined, [e(1, 1), e(1, 2), e(1, 3), e(3, 1), e(3, 2)])
  t.same(planSync(leader, z(3, 2)), { mode: 'diff', truncZxid: 0n, fromZxid: z(3, 2) }, 'up to date: empty DIFF')
  t.same(planSync(leader, z(1, 2)), { mode: 'diff', truncZxid: 0n, fromZxid: z(1, 2) }, 'lagging: DIFF')
  t.same(planSync(leader, 0n), { mode: 'diff', truncZxid: 0n, fromZxid: 0n }, 'empty follower: DIFF of everything')
  t.same(planSync(leader, z(2, 7)), { mode: 'trunc', truncZxid: z(1, 3), fromZxid: z(1, 3) }, 'uncommitted epoch-2 txns: TRUNC to 1:3')
  t.same(planSync(leader, z(1, 9)), { mode: 'trunc', truncZxid: z(1, 3), fromZxid: z(1, 3) }, 'extra epoch-1 txns: TRUNC')
  t.same(planSync(leader, z(3, 5)), { mode: 'trunc', truncZxid: z(3, 2), fromZxid: z(3, 2) }, 'more of our epoch than we have: TRUNC')

  const compacted = new History({ zxid: z(1, 3), data: new Uint8Array([9]) }, [e(1, 1), e(1, 2), e(1, 3), e(3, 1)])
  t.same(planSync(compacted, z(1, 1)), { mode: 'snap', truncZxid: z(1, 3), fromZxid: z(1, 3) }, 'behind the snapshot: SNAP')
  t.same(planSync(compacted, z(1, 3)), { mode: 'diff', truncZxid: 0n, fromZxid: z(1, 3) }, 'at the snapshot: DIFF')
  t.same(planSync(compacted, z(2, 4)), { mode: 'snap', truncZxid: z(1, 3), fromZxid: z(1, 3) }, 'diverged with no shared entry: SNAP')
  const empty = new History(undefined, [])
  t.same(planSync(empty, z(1, 4)), { mode: 'trunc', truncZxid: 0n, fromZxid: 0n }, 'an empty leader cuts everything')
})
