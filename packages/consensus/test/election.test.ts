// Fast Leader Election driven by hand: notifications in, decisions out.
import t from 'tap'
import type { Vote } from '../src/core/election.js'
import type { Notification } from '../src/core/messages.js'
import { resolvePeerConfig } from '../src/core/config.js'
import { Election, betterVote } from '../src/core/election.js'
import { isQuorum, quorumSize, quorumZxid } from '../src/core/quorum.js'

function setup(id: number, selfVote: Vote | undefined, finalizeTicks = 1, voters = [1, 2, 3], unreachable = new Set<number>()) {
  let now = 0
  const sent: { to: number | 'all'; n: Notification }[] = []
  const e = new Election(
    {
      config: resolvePeerConfig({ id, voters, observers: [9], electionFinalizeTicks: finalizeTicks }),
      now: () => now,
      acceptedEpoch: () => 0,
      unreachable: (v) => unreachable.has(v),
      broadcast: (n) => sent.push({ to: 'all', n }),
      send: (to, n) => sent.push({ to, n }),
    },
    1,
    selfVote,
  )
  return { e, sent, tick: () => (now++, e.onTick()) }
}

const vote = (leader: number, zxid = 0n, peerEpoch = 0): Vote => ({ leader, zxid, peerEpoch })
const looking = (v: Vote, round = 1): Notification => ({ type: 'notification', state: 'looking', ...v, round, acceptedEpoch: 0 })
const settled = (state: 'following' | 'leading', v: Vote, round = 1): Notification => ({ type: 'notification', state, ...v, round, acceptedEpoch: 0 })

t.test('votes are ordered by peerEpoch, then zxid, then server id', async (t) => {
  t.ok(betterVote(vote(1, 0n, 2), vote(3, 99n, 1)))
  t.ok(betterVote(vote(1, 5n, 1), vote(3, 4n, 1)))
  t.ok(betterVote(vote(3, 5n, 1), vote(2, 5n, 1)))
  t.notOk(betterVote(vote(3, 5n, 1), vote(3, 5n, 1)))
})

t.test('a looking voter adopts a better vote and concludes after the finalize wait', async (t) => {
  const { e, sent, tick } = setup(1, vote(1))
  e.start()
  t.equal(sent.at(-1)!.n.leader, 1, 'proposes itself first')
  t.equal(e.onNotification(2, looking(vote(2))), undefined, 'a quorum {1, 2} on 2, but the finalize wait runs')
  t.equal(sent.at(-1)!.n.leader, 2, 're-broadcasts the better vote')
  t.same(tick(), { vote: vote(2), round: 1 }, 'concludes once the wait elapsed')
})

t.test('a better vote during the finalize wait changes the outcome', async (t) => {
  const { e, tick } = setup(1, vote(1), 2, [1, 2, 3, 4, 5])
  e.start()
  e.onNotification(2, looking(vote(2)))
  e.onNotification(3, looking(vote(2)))
  t.equal(tick(), undefined, 'quorum {1, 2, 3} on 2: waiting')
  e.onNotification(4, looking(vote(4)))
  t.equal(tick(), undefined, 'the better vote from 4 arrived in time: 2 is not chosen')
  e.onNotification(2, looking(vote(4)))
  t.equal(tick(), undefined, 'quorum {1, 2, 4} on 4: the wait starts over')
  t.same(tick(), { vote: vote(4), round: 1 })
})

t.test('a quorum lost and regained still concludes (regression: stuck finalize)', async (t) => {
  const { e, tick } = setup(1, vote(5, 0n, 1), 1, [1, 2, 3, 4, 5])
  e.start()
  e.onNotification(2, looking(vote(5, 0n, 1)))
  e.onNotification(3, looking(vote(5, 0n, 1)))
  // A higher round clears the votes collected so far...
  e.onNotification(4, looking(vote(5, 0n, 1), 2))
  t.equal(e.round, 2)
  // ...and they come back in the new round.
  e.onNotification(2, looking(vote(5, 0n, 1), 2))
  e.onNotification(3, looking(vote(5, 0n, 1), 2))
  tick()
  t.same(tick(), { vote: vote(5, 0n, 1), round: 2 })
})

t.test('a notification of an older round is answered, not counted', async (t) => {
  const { e, sent } = setup(1, vote(1))
  e.onNotification(2, looking(vote(2), 3))
  t.equal(e.round, 3)
  sent.length = 0
  e.onNotification(3, looking(vote(3), 1))
  t.same(sent.map((s) => [s.to, s.n.round]), [[3, 3]])
})

t.test('a newcomer joins a leader that, with it, has a quorum; votes for non-voters are ignored', async (t) => {
  const { e } = setup(1, vote(1, 9n, 9), 1, [1, 2, 3, 4, 5])
  e.start()
  t.equal(e.onNotification(3, settled('following', vote(9))), undefined, 'observer 9 is no leader')
  t.equal(e.onNotification(4, settled('leading', vote(4, 2n, 1), 7)), undefined, '{1, 4}: 2 of 5')
  t.same(e.onNotification(2, settled('following', vote(4, 1n, 0), 6)), { vote: vote(4, 2n, 1), round: 7 }, '{1, 2, 4}: joins, adopting the leader report')
})

t.test('a leader must report itself; reports of members now looking are forgotten', async (t) => {
  const { e } = setup(1, vote(1), 1, [1, 2, 3, 4, 5])
  e.start()
  e.onNotification(2, settled('following', vote(4)))
  t.equal(e.onNotification(3, settled('following', vote(4))), undefined, 'no report from 4 itself yet')
  e.onNotification(2, looking(vote(2)))
  e.onNotification(3, looking(vote(3)))
  t.equal(e.onNotification(4, settled('leading', vote(4))), undefined, '2 and 3 are looking again: only {1, 4}')
})

t.test('an observer never proposes and follows what voters report', async (t) => {
  const { e, sent } = setup(9, undefined)
  e.start()
  t.equal(sent.at(-1)!.n.leader, 0, 'asks without a vote')
  t.equal(e.onNotification(1, looking(vote(1))), undefined, 'looking voters do not move it')
  t.equal(e.onNotification(1, settled('following', vote(2))), undefined)
  t.same(e.onNotification(2, settled('leading', vote(2), 4)), { vote: vote(2), round: 4 }, 'leader 2 confirmed by itself and 1')
})

t.test('quorums count voters only', async (t) => {
  t.same([1, 2, 3, 4, 5, 6].map(quorumSize), [1, 2, 2, 3, 3, 4])
  t.ok(isQuorum([1, 2, 3], new Set([1, 3, 9])))
  t.notOk(isQuorum([1, 2, 3], new Set([1, 9, 10])), 'observers 9 and 10 do not count')
  t.equal(quorumZxid([1, 2, 3], (id) => ({ 1: 10n, 2: 7n, 3: undefined })[id]), 7n)
  t.equal(quorumZxid([1, 2, 3, 4, 5], (id) => BigInt(id)), 3n)
})

t.test('a quorum concludes without the finalize wait once every reachable voter voted for it', async (t) => {
  const down = new Set<number>()
  const { e, tick } = setup(1, vote(1), 5, [1, 2, 3, 4, 5], down)
  e.start()
  e.onNotification(2, looking(vote(3)))
  t.equal(e.onNotification(3, looking(vote(3))), undefined, 'quorum {1, 2, 3} on 3, but 4 and 5 may still send a better vote')
  down.add(5)
  t.equal(e.onNotification(4, looking(vote(2))), undefined, '4 voted for a worse one (it has not heard of 3 yet): still waiting')
  t.same(e.onNotification(4, looking(vote(3))), { vote: vote(3), round: 1 }, 'all reachable voters agree and 5 is unreachable: no one is left to send a better vote')
  t.equal(tick(), undefined)
})

t.test('every voter agreeing concludes at once (nobody is left to send a better vote)', async (t) => {
  const { e } = setup(1, vote(1), 5)
  e.start()
  t.equal(e.onNotification(2, looking(vote(3))), undefined, 'quorum {1, 2} on 3 waits for 3')
  t.same(e.onNotification(3, looking(vote(3))), { vote: vote(3), round: 1 })
})

t.test('a worse vote of our round is answered with ours at once (the sender missed it), a better one is not', async (t) => {
  const { e, sent } = setup(2, vote(2))
  e.start()
  const before = sent.length
  e.onNotification(1, looking(vote(1)))
  t.same(sent.slice(before), [{ to: 1, n: looking(vote(2)) }], 'our vote, to the sender only')
  const after = sent.length
  e.onNotification(1, looking(vote(2)))
  t.equal(sent.length, after, 'it agrees now: nothing more to say')
  e.onNotification(3, looking(vote(3)))
  t.same(sent.slice(after).map((s) => s.to), ['all'], 'a better vote is adopted and broadcast, not answered')
})
