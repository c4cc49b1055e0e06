// The leader's learner counts (what mntr reports as learners, synced_followers, synced_observers,
// pending_syncs), phase by phase, as Apache's leader keeps its LearnerHandler sets.
import t from 'tap'
import { Peer } from '../src/core/peer.js'
import type { LinkBody, LinkMessage } from '../src/core/messages.js'
import { makeZxid } from '../src/core/zxid.js'
import { Harness } from './harness.js'

const entry = (epoch: number, counter: number) => ({ zxid: makeZxid(epoch, counter), payload: new Uint8Array([counter]) })

t.test('by phase: a learner counts from FOLLOWERINFO, as synced from the start of its sync, not once dropped', async (t) => {
  const p = new Peer({ id: 1, voters: [1, 2, 3, 4], observers: [5], electionFinalizeTicks: 0 }, { acceptedEpoch: 1, currentEpoch: 1, log: [entry(1, 1), entry(1, 2)] }, { random: () => 0.25 })
  const drain = () => {
    while (p.hasReady()) p.advance(p.ready())
  }
  drain()
  t.equal(p.learnerCounts(), undefined, 'not leading: no counts')
  for (const from of [2, 3]) p.step(from, { type: 'notification', state: 'looking', leader: 1, zxid: makeZxid(1, 2), round: 1, peerEpoch: 1, acceptedEpoch: 1 })
  drain()
  t.equal(p.status().role, 'leading')
  t.same(p.learnerCounts(), { learners: 0, syncedFollowers: 0, syncedObservers: 0, pendingSyncs: 0 })
  const link = (from: number, body: LinkBody, seq: number) => {
    p.step(from, { ...body, link: from * 100, seq } as LinkMessage)
    drain()
  }
  link(2, { type: 'followerinfo', observer: false, acceptedEpoch: 1 }, 0)
  link(3, { type: 'followerinfo', observer: false, acceptedEpoch: 1 }, 0)
  link(4, { type: 'followerinfo', observer: false, acceptedEpoch: 1 }, 0)
  link(5, { type: 'followerinfo', observer: true, acceptedEpoch: 1 }, 0)
  t.same(p.learnerCounts(), { learners: 4, syncedFollowers: 0, syncedObservers: 0, pendingSyncs: 0 }, 'registered, none syncing yet')
  link(2, { type: 'ackepoch', currentEpoch: 1, lastZxid: makeZxid(1, 9), counted: true }, 1)
  t.same(p.learnerCounts(), { learners: 3, syncedFollowers: 0, syncedObservers: 0, pendingSyncs: 0 }, '2 is ahead of the leader in discovery: refused, its link dropped')
  link(3, { type: 'ackepoch', currentEpoch: 1, lastZxid: makeZxid(1, 1), counted: true }, 1)
  link(4, { type: 'ackepoch', currentEpoch: 1, lastZxid: makeZxid(1, 2), counted: true }, 1)
  t.same(p.learnerCounts(), { learners: 3, syncedFollowers: 2, syncedObservers: 0, pendingSyncs: 0 }, '3 and 4 are being synced: proposals are forwarded to them')
  p.linkDown(4)
  drain()
  t.same(p.learnerCounts(), { learners: 2, syncedFollowers: 1, syncedObservers: 0, pendingSyncs: 0 }, 'a closed connection drops the learner at once')
})

t.test('in broadcast: followers and observers; learners\' sync barriers pending per zxid until the commit', async (t) => {
  const h = new Harness([1, 2, 3], [4])
  const leader = h.settle()
  const [a, b] = [1, 2, 3].filter((id) => id !== leader) as [number, number]
  t.same(h.peer(leader).learnerCounts(), { learners: 3, syncedFollowers: 2, syncedObservers: 1, pendingSyncs: 0 })
  t.equal(h.peer(a).learnerCounts(), undefined, 'a follower reports none (mntr prints them on the leader only)')
  h.propose('x')
  t.ok(h.peer(a).barrier().ok && h.peer(b).barrier().ok && h.peer(leader).barrier().ok)
  h.process(a)
  h.process(b)
  h.process(leader)
  h.deliverOnce()
  t.same(h.peer(leader).learnerCounts()?.pendingSyncs, 1, 'two learner barriers wait on one zxid; the leader\'s own is not a learner sync')
  h.stabilize()
  t.same(h.peer(leader).learnerCounts()?.pendingSyncs, 0, 'answered with the commit')
  t.same(h.member(a).barriers.map((o) => o.ok), [true])
})
