// The leader's discovery by hand: crafted messages from would-be followers.
import t from 'tap'
import type { LinkBody, LinkMessage, Message } from '../src/core/messages.js'
import type { Ready } from '../src/core/types.js'
import { Peer } from '../src/core/peer.js'
import { makeZxid } from '../src/core/zxid.js'

const entry = (epoch: number, counter: number) => ({ zxid: makeZxid(epoch, counter), payload: new Uint8Array([counter]) })

/** Peer 1 with history 1:1..1:2 in epoch 1, elected by peer 2's vote, registered by 2 and 3. */
function leaderInDiscovery(unsafeTestFaults = {}) {
  const p = new Peer(
    { id: 1, voters: [1, 2, 3], electionFinalizeTicks: 0, unsafeTestFaults },
    { acceptedEpoch: 1, currentEpoch: 1, log: [entry(1, 1), entry(1, 2)] },
    { random: () => 0.25 },
  )
  const readys: Ready[] = []
  const drain = () => {
    while (p.hasReady()) {
      const r = p.ready()
      readys.push(r)
      p.advance(r)
    }
  }
  drain()
  p.step(2, { type: 'notification', state: 'looking', leader: 1, zxid: makeZxid(1, 2), round: 1, peerEpoch: 1, acceptedEpoch: 1 })
  drain()
  const link = (from: number, body: LinkBody, seq: number, linkId = from * 100) => {
    p.step(from, { ...body, link: linkId, seq } as LinkMessage)
    drain()
  }
  link(2, { type: 'followerinfo', observer: false, acceptedEpoch: 1 }, 0)
  link(3, { type: 'followerinfo', observer: false, acceptedEpoch: 1 }, 0)
  return { p, readys, link }
}

const sent = (readys: Ready[], to: number): Message[] => readys.flatMap((r) => r.messages.filter((o) => o.to === to).map((o) => o.message))

t.test('a new epoch is max(acceptedEpoch) + 1, persisted before LEADERINFO goes out', async (t) => {
  const { p, readys } = leaderInDiscovery()
  t.equal(p.status().role, 'leading')
  const r = readys.find((x) => x.persist?.acceptedEpoch === 2)
  t.ok(r, 'acceptedEpoch 2 persisted')
  t.ok(r!.messages.some((o) => o.message.type === 'leaderinfo'), 'in the Ready whose messages announce it')
  t.same(sent(readys, 3).filter((m) => m.type === 'leaderinfo').length, 1)
})

t.test('the leader refuses a follower ahead of it', async (t) => {
  const { p, readys, link } = leaderInDiscovery()
  link(2, { type: 'ackepoch', currentEpoch: 1, lastZxid: makeZxid(1, 5), counted: true }, 1)
  const to2 = sent(readys, 2)
  t.same(to2.at(-1), { type: 'reset', link: 200 }, 'follower 2 (1:5 > 1:2) is refused')
  t.notOk(to2.some((m) => m.type === 'syncstart'), 'and never synced')
  link(3, { type: 'ackepoch', currentEpoch: 1, lastZxid: makeZxid(1, 1), counted: true }, 1)
  const to3 = sent(readys, 3).map((m) => m.type)
  t.same(to3.slice(-3), ['syncstart', 'syncentries', 'newleader'], 'follower 3 (behind) gets a DIFF')
  t.equal(p.status().epoch, 2, 'epoch acknowledged by {1, 3}')
})

t.test('a follower ahead in epoch is refused too', async (t) => {
  const { readys, link } = leaderInDiscovery()
  link(2, { type: 'ackepoch', currentEpoch: 2, lastZxid: makeZxid(1, 1), counted: true }, 1)
  t.same(sent(readys, 2).at(-1), { type: 'reset', link: 200 })
})

t.test('with the unsafe switch the ahead follower is truncated instead', async (t) => {
  const { readys, link } = leaderInDiscovery({ noFollowerAheadCheck: true })
  link(2, { type: 'ackepoch', currentEpoch: 1, lastZxid: makeZxid(1, 5), counted: true }, 1)
  const start = sent(readys, 2).find((m) => m.type === 'syncstart')
  t.match(start, { mode: 'trunc', truncZxid: makeZxid(1, 2) })
})

t.test('link sequence: duplicates are dropped, a gap ends the link', async (t) => {
  const { readys, link } = leaderInDiscovery()
  link(3, { type: 'ackepoch', currentEpoch: 1, lastZxid: makeZxid(1, 2), counted: true }, 1)
  const before = sent(readys, 3).length
  link(3, { type: 'ackepoch', currentEpoch: 1, lastZxid: makeZxid(1, 2), counted: true }, 1)
  t.equal(sent(readys, 3).length, before, 'a duplicate changes nothing')
  link(3, { type: 'ping' }, 5)
  t.same(sent(readys, 3).at(-1), { type: 'reset', link: 300 }, 'a gap resets the link')
  link(3, { type: 'ping' }, 6)
  t.same(sent(readys, 3).at(-1), { type: 'reset', link: 300 }, 'and later messages on it are answered with a reset')
})

t.test('a member that accepted a higher epoch makes the leader lead again above it', async (t) => {
  const { p, link } = leaderInDiscovery()
  link(3, { type: 'followerinfo', observer: false, acceptedEpoch: 9 }, 0, 301)
  t.equal(p.status().role, 'looking', 'steps down instead of leaving member 3 out for its whole epoch')
})
