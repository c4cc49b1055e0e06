// Hand-written scenarios for the whole Peer, etcd raft style: drive a small ensemble message by
// message and check roles, what is persisted, what is sent and what is committed.
import t from 'tap'
import type { Message } from '../src/core/messages.js'
import { encodeMessage } from '../src/core/messages.js'
import { Peer } from '../src/core/peer.js'
import { makeZxid } from '../src/core/zxid.js'
import { Harness, bytes, snapshotOf } from './harness.js'

const syncModes = (h: Harness, to: number): string[] => {
  const seen: string[] = []
  const original = h.deliverOnce.bind(h)
  h.deliverOnce = (filter = () => true) =>
    original((from, dest, m) => {
      if (dest === to && m.type === 'syncstart') seen.push(m.mode)
      return filter(from, dest, m)
    })
  return seen
}

t.test('three fresh voters elect the highest id and replicate in order', async (t) => {
  const h = new Harness([1, 2, 3])
  t.equal(h.settle(), 3, 'equal histories: the highest server id wins')
  t.equal(h.peer(3).status().epoch, 1)
  for (let i = 0; i < 5; i++) h.propose(`p${i}`)
  h.stabilize()
  for (const id of [1, 2, 3]) t.same(h.member(id).applied, ['p0', 'p1', 'p2', 'p3', 'p4'], `member ${id} applied all in order`)
  t.same(
    h.member(1).disk.log.map((e) => e.zxid),
    [1n, 2n, 3n, 4n, 5n].map((c) => makeZxid(1, Number(c))),
    'zxids are epoch << 32 | counter',
  )
})

t.test('the vote with the higher epoch, then zxid, wins over a higher server id', async (t) => {
  const h = new Harness([1, 2, 3])
  h.settle()
  h.crash(3)
  h.crash(2)
  // Member 1 alone cannot commit, but logs what the (dead) leader would have proposed: give it
  // more history by restarting an ensemble where it holds the longest log.
  h.member(1).disk.log.push({ zxid: makeZxid(1, 1), payload: bytes('only-on-1') })
  h.crash(1)
  for (const id of [1, 2, 3]) h.start(id)
  t.equal(h.settle(), 1, 'member 1 has the highest logged zxid')
  t.same(h.member(3).applied, ['only-on-1'], 'its history became the new epoch history')
})

t.test('observers learn the leader, never vote, and get INFORM', async (t) => {
  const h = new Harness([1, 2, 3], [4, 5])
  const leader = h.settle()
  t.equal(h.peer(4).status().role, 'observing')
  t.equal(h.peer(4).status().leader, leader)
  h.propose('a')
  h.stabilize()
  t.same(h.member(4).applied, ['a'])
  // Observers do not count: with two voters down the leader cannot commit.
  h.crash(1)
  h.crash(2)
  const sent: string[] = []
  h.deliverOnce((_, __, m) => (sent.push(m.type), true))
  h.until(() => h.peer(3).status().role === 'looking', 20)
  t.pass('the leader steps down although both observers are still connected')
})

t.test('a lagging follower is brought back with DIFF', async (t) => {
  const h = new Harness([1, 2, 3])
  h.settle()
  h.crash(1)
  for (let i = 0; i < 4; i++) h.propose(`x${i}`)
  h.stabilize()
  const modes = syncModes(h, 1)
  h.start(1)
  h.settle()
  t.same(modes, ['diff'])
  t.same(h.member(1).applied, ['x0', 'x1', 'x2', 'x3'])
})

t.test('a follower with extra uncommitted txns is cut back with TRUNC', async (t) => {
  const h = new Harness([1, 2, 3])
  t.equal(h.settle(), 3)
  h.propose('committed')
  h.stabilize()
  // The leader logs two proposals nobody else receives, then dies.
  h.isolate(3)
  h.propose('lost-1')
  h.propose('lost-2')
  h.stabilize()
  h.crash(3)
  h.heal()
  h.until(() => h.leader() !== undefined && h.leader() !== 3, 50)
  h.propose('new-epoch')
  h.stabilize()
  const modes = syncModes(h, 3)
  h.start(3)
  h.settle()
  t.same(modes, ['trunc'])
  t.same(h.member(3).applied, ['committed', 'new-epoch'], 'the uncommitted tail is gone')
  t.notOk(
    h.member(3).disk.log.some((e) => new TextDecoder().decode(e.payload).startsWith('lost')),
    'and cut from the log on disk',
  )
})

t.test('a follower behind the leader snapshot gets SNAP and restores it', async (t) => {
  const h = new Harness([1, 2, 3])
  const leader = h.settle()
  h.crash(1)
  for (let i = 0; i < 6; i++) h.propose(`s${i}`)
  h.stabilize()
  const m = h.member(leader)
  const snap = snapshotOf(m, h.peer(leader).status().committedZxid)
  h.peer(leader).compact(snap)
  m.disk.snapshot = snap
  h.propose('after-snapshot')
  h.stabilize()
  const modes = syncModes(h, 1)
  h.start(1)
  h.settle()
  t.same(modes, ['snap'])
  t.same(h.member(1).applied, ['s0', 's1', 's2', 's3', 's4', 's5', 'after-snapshot'])
  t.equal(h.member(1).disk.snapshot?.zxid, snap.zxid, 'the snapshot is persisted on the follower')
})

t.test('a leader that loses its quorum steps down; followers re-elect', async (t) => {
  const h = new Harness([1, 2, 3], [], { syncLimitTicks: 3, initLimitTicks: 6 })
  const leader = h.settle()
  h.isolate(leader)
  for (let i = 0; i < 3; i++) h.tick()
  t.equal(h.peer(leader).status().role, 'leading', 'still leading within syncLimit')
  h.tick()
  h.stabilize()
  t.equal(h.peer(leader).status().role, 'looking', 'steps down after syncLimit ticks of silence')
  h.until(() => [1, 2, 3].some((id) => id !== leader && h.peer(id).status().serving), 30)
  const next = h.leader()!
  t.not(next, leader)
  t.ok(h.peer(next).status().epoch > 1, 'a new epoch')
})

t.test('proposals are refused clearly', async (t) => {
  const h = new Harness([1, 2, 3], [], { maxInflightProposals: 2, maxPayloadBytes: 8 })
  const leader = h.settle()
  const follower = leader === 1 ? 2 : 1
  t.same(h.peer(follower).propose(bytes('x')), { ok: false, reason: 'not-leader' })
  t.same(h.peer(leader).propose(new Uint8Array(9)), { ok: false, reason: 'too-large' })
  t.ok(h.peer(leader).propose(bytes('a')).ok)
  t.ok(h.peer(leader).propose(bytes('b')).ok)
  t.same(h.peer(leader).propose(bytes('c')), { ok: false, reason: 'busy' }, 'bounded in-flight proposals')
  h.process(leader)
  h.stabilize()
  t.ok(h.peer(leader).propose(bytes('c')).ok, 'accepted again once committed')
})

t.test('the zxid counter rollover forces a new epoch', async (t) => {
  // counterBits 3: counters 1..6 are usable.
  const h = new Harness([1, 2, 3], [], { counterBits: 3 })
  const leader = h.settle()
  for (let i = 1; i <= 6; i++) h.propose(`c${i}`)
  const r = h.peer(leader).propose(bytes('c7'))
  t.same(r, { ok: false, reason: 'epoch-exhausted' })
  t.equal(h.peer(leader).status().role, 'looking', 'the leader steps down at once')
  h.process(leader)
  const next = h.settle()
  t.equal(h.peer(next).status().epoch, 2)
  h.propose('c7')
  h.stabilize()
  t.same(h.member(1).applied, ['c1', 'c2', 'c3', 'c4', 'c5', 'c6', 'c7'], 'nothing lost across the forced election')
  t.equal(h.member(1).disk.log.at(-1)!.zxid, makeZxid(2, 1))
})

t.test('barriers complete in order after the commits before them, on leader and follower', async (t) => {
  const h = new Harness([1, 2, 3])
  const leader = h.settle()
  const follower = leader === 1 ? 2 : 1
  const zx = h.propose('before')
  const lb = h.peer(leader).barrier()
  const fb = h.peer(follower).barrier()
  t.ok(lb.ok && fb.ok)
  h.process(leader)
  h.process(follower)
  t.same(h.member(leader).barriers, [], 'the leader barrier waits for its outstanding proposal')
  h.stabilize()
  t.same(h.member(leader).barriers, [{ id: 1, ok: true, zxid: zx }])
  t.same(h.member(follower).barriers, [{ id: 1, ok: true, zxid: zx }])
  t.same(h.member(follower).applied, ['before'], 'applied before the barrier completed')
})

t.test('a barrier fails when the learner loses its leader', async (t) => {
  const h = new Harness([1, 2, 3], [], { syncLimitTicks: 2, initLimitTicks: 4 })
  const leader = h.settle()
  const follower = leader === 1 ? 2 : 1
  h.isolate(leader)
  const b = h.peer(follower).barrier()
  t.ok(b.ok)
  for (let i = 0; i < 4; i++) h.tick([follower])
  h.stabilize()
  t.same(h.member(follower).barriers, [{ id: 1, ok: false, reason: 'lost-leader' }])
})

t.test('the member channel carries bytes from a follower to the leader and back', async (t) => {
  const h = new Harness([1, 2, 3], [4])
  const leader = h.settle()
  t.ok(h.peer(4).sendToLeader(bytes('hello')).ok)
  h.process(4)
  h.stabilize()
  t.same(h.member(leader).received.map((r) => [r.from, new TextDecoder().decode(r.payload)]), [[4, 'hello']])
  t.ok(h.peer(leader).sendToMember(4, bytes('back')).ok)
  h.process(leader)
  h.stabilize()
  t.same(h.member(4).received.map((r) => [r.from, new TextDecoder().decode(r.payload)]), [[leader, 'back']])
  t.same(h.peer(leader).sendToLeader(bytes('x')), { ok: false, reason: 'not-leader' })
  t.same(h.peer(leader).sendToMember(99, bytes('x')), { ok: false, reason: 'unknown-member' })
})

t.test('Ready: a follower ACKs a proposal only in the Ready that makes it durable', async (t) => {
  const h = new Harness([1, 2, 3])
  const leader = h.settle()
  const follower = leader === 1 ? 2 : 1
  h.propose('p')
  // Deliver to the follower by hand and look at its Ready.
  const f = h.peer(follower)
  const pending = h.queue.filter((q) => q.to === follower)
  h.queue = h.queue.filter((q) => q.to !== follower)
  const { decodeMessage } = await import('../src/core/messages.js')
  for (const q of pending) f.step(q.from, decodeMessage(q.bytes))
  const rd = f.ready()
  t.equal(rd.persist?.append.length, 1, 'the proposal is to be persisted')
  t.same(
    rd.messages.map((o) => [o.message.type, o.early === true]),
    [['ack', false]],
    'and acknowledged in the same Ready (sent after the persist)',
  )
  t.throws(() => f.ready(), /before advance/, 'no second Ready before advance()')
  f.advance(rd)
})

t.test('Ready: proposals and forwarded requests leave before an fsync they do not depend on; ACKs after theirs', async (t) => {
  const { decodeMessage } = await import('../src/core/messages.js')
  const h = new Harness([1, 2, 3])
  const leader = h.settle()
  const follower = leader === 1 ? 2 : 1
  const l = h.peer(leader)
  const f = h.peer(follower)
  const kinds = (messages: readonly { message: Message; early?: boolean }[]) => messages.map((o) => `${o.message.type}${o.early === true ? ' (early)' : ''}`)

  t.ok(l.propose(bytes('a')).ok)
  const leaderReady = l.ready()
  t.same(kinds(leaderReady.messages.filter((o) => o.to === follower)), ['proposal (early)'], "the leader's proposal may go before its own log has it")
  t.ok(l.propose(bytes('b')).ok)
  const meanwhile = l.takeEarly()
  t.same(kinds(meanwhile.filter((o) => o.to === follower)), ['proposal (early)'], 'and one made while that fsync runs leaves at once')
  l.advance(leaderReady)
  t.notOk(l.hasReady() && l.ready().messages.some((o) => o.message.type === 'proposal'), 'what left early is not sent again')

  for (const o of [...leaderReady.messages, ...meanwhile].filter((o) => o.to === follower)) f.step(leader, decodeMessage(encodeMessage(o.message)))
  t.ok(f.sendToLeader(bytes('forwarded')).ok)
  const followerReady = f.ready()
  t.same(kinds(followerReady.messages), ['channel (early)', 'ack'], 'the ACK goes last, after the fsync; the forwarded request before it')
  const seqs = followerReady.messages.map((o) => (o.message as { seq: number }).seq)
  t.ok(seqs[0]! < seqs[1]!, 'in link order')
  t.ok(f.sendToLeader(bytes('later')).ok)
  t.same(f.takeEarly(), [], 'a request made while the ACK waits for the fsync stays behind it on the link')
  f.advance(followerReady)
  t.same(kinds(f.ready().messages), ['channel (early)'], 'and leaves first in the next Ready')
})

t.test('Ready: on NEWLEADER the synced txns come before currentEpoch, both before the ACK', async (t) => {
  for (const broken of [false, true]) {
    const h = new Harness([1, 2, 3])
    h.settle()
    h.crash(1)
    h.propose('a')
    h.stabilize()
    h.start(1, { unsafeTestFaults: { currentEpochBeforeTxns: broken } })
    h.settle()
    const readys = h.member(1).readys
    const epoch = h.peer(1).status().epoch
    const ack = readys.findLastIndex((r) => r.messages.some((o) => o.message.type === 'acknewleader'))
    t.ok(ack >= 0, 'a Ready acknowledges NEWLEADER')
    const rd = readys[ack]!
    t.ok(rd.persist!.append.length > 0, 'the same Ready persists the synced txns')
    if (!broken) {
      t.equal(rd.persist!.currentEpoch, epoch, 'and currentEpoch, which the caller writes after them, before sending the ACK')
    } else {
      t.equal(rd.persist!.currentEpoch, undefined, 'the unsafe switch moves currentEpoch out of it...')
      t.equal(readys[ack - 1]!.persist?.currentEpoch, epoch, '...into a Ready of its own, written before the txns')
      t.equal(readys[ack - 1]!.persist?.append.length, 0)
    }
  }
})

t.test('messages from unknown members or ourselves are ignored', async (t) => {
  const p = new Peer({ id: 1, voters: [1, 2, 3] }, { acceptedEpoch: 0, currentEpoch: 0, log: [] }, { random: () => 0.5 })
  while (p.hasReady()) p.advance(p.ready())
  const n: Message = { type: 'notification', state: 'looking', leader: 9, zxid: 0n, round: 9, peerEpoch: 9, acceptedEpoch: 0 }
  p.step(9, n)
  p.step(1, n)
  t.equal(p.stats.ignoredMessages, 2)
  t.notOk(p.hasReady())
})

t.test('persisted state is validated', async (t) => {
  const mk = (acceptedEpoch: number, currentEpoch: number, log: { zxid: bigint; payload: Uint8Array }[]) => () =>
    new Peer({ id: 1, voters: [1] }, { acceptedEpoch, currentEpoch, log }, { random: () => 0 })
  t.throws(mk(1, 2, []), /currentEpoch 2 > acceptedEpoch 1/)
  t.throws(mk(1, 1, [{ zxid: 5n, payload: bytes('') }, { zxid: 4n, payload: bytes('') }]), /zxid order/)
  t.throws(() => new Peer({ id: 4, voters: [1, 2, 3] }, { acceptedEpoch: 0, currentEpoch: 0, log: [] }, { random: () => 0 }), /neither a voter nor an observer/)
})

t.test('a single voter leads itself', async (t) => {
  const h = new Harness([7])
  t.equal(h.settle(), 7)
  h.propose('solo')
  h.stabilize()
  t.same(h.member(7).applied, ['solo'])
})

t.test('a follower that concluded before its leader is answered as soon as the leader leads, and keeps knocking meanwhile', async (t) => {
  const mk = (id: number, electionFinalizeTicks: number) =>
    new Peer({ id, voters: [1, 2, 3], electionFinalizeTicks }, { acceptedEpoch: 0, currentEpoch: 0, log: [] }, { random: () => 0.5 })
  const p1 = mk(1, 0)
  const p3 = mk(3, 2)
  const out = (p: Peer, to: number) => {
    const msgs: Message[] = []
    while (p.hasReady()) {
      const rd = p.ready()
      msgs.push(...rd.messages.filter((o) => o.to === to).map((o) => o.message))
      p.advance(rd)
    }
    return msgs
  }
  const from3 = out(p3, 1)
  out(p1, 3)
  for (const m of from3) p1.step(3, m)
  const info = out(p1, 3).filter((m) => m.type === 'followerinfo')
  t.equal(p1.status().role, 'following', 'member 1 concluded at once')
  t.equal(info.length, 1)
  p3.step(1, info[0]!)
  t.notOk(out(p3, 1).some((m) => m.type === 'reset'), 'a member still looking ignores FOLLOWERINFO instead of resetting it')
  p3.step(1, { type: 'notification', state: 'looking', leader: 3, zxid: 0n, round: 1, peerEpoch: 0, acceptedEpoch: 0 })
  p3.tick()
  p3.tick()
  t.equal(p3.status().role, 'leading', 'member 3 concluded after its finalize wait')
  t.ok(out(p3, 1).some((m) => m.type === 'leaderinfo'), 'and answers the FOLLOWERINFO it kept the moment it leads')
  p1.tick()
  const again = out(p1, 3).filter((m) => m.type === 'followerinfo')
  t.same(again, info, 'the same FOLLOWERINFO (link, seq 0) again on the next tick (had the first been lost)')
  p3.step(1, again[0]!)
  t.notOk(out(p3, 1).some((m) => m.type === 'leaderinfo'), 'a repeat on the same link is not answered twice')
})

// ---- linkDown: a broken connection, not silence ----
const linkDown = (h: Harness, at: number, lost: number): void => {
  h.peer(at).linkDown(lost)
  h.process(at)
}

t.test('linkDown: a follower leaves its leader at once, not after syncLimit, and fails its barriers', async (t) => {
  const h = new Harness([1, 2, 3], [], { syncLimitTicks: 20, initLimitTicks: 20 })
  const leader = h.settle()
  const [f1, f2] = [1, 2, 3].filter((id) => id !== leader) as [number, number]
  const { elections, linkLosses } = h.peer(f1).stats
  linkDown(h, f1, f2)
  t.equal(h.peer(f1).status().role, 'following', 'a link to a fellow follower is not the leader link')
  t.equal(h.peer(f1).stats.elections, elections)
  t.ok(h.peer(f1).barrier().ok)
  h.crash(leader)
  linkDown(h, f1, leader)
  t.equal(h.peer(f1).status().role, 'looking', 'LOOKING in the same step, no tick needed')
  t.same(h.member(f1).barriers, [{ id: 1, ok: false, reason: 'lost-leader' }])
  t.equal(h.peer(f1).stats.linkLosses, linkLosses + 1)
  linkDown(h, f2, leader)
  h.until(() => h.leader() !== undefined, 10)
  t.not(h.leader(), leader, 'the survivors elect a new leader well within syncLimit (20 ticks)')
})

t.test('linkDown: an observer leaves its leader at once too', async (t) => {
  const h = new Harness([1, 2, 3], [4], { syncLimitTicks: 20, initLimitTicks: 20 })
  const leader = h.settle()
  linkDown(h, 4, leader)
  t.equal(h.peer(4).status().role, 'looking')
  const again = h.settle(10)
  t.equal(again, leader, 'the leader still holds its quorum')
  t.equal(h.peer(4).status().role, 'observing', 'the observer rejoins the same leader')
})

t.test('linkDown: a leader drops the learner but steps down only when the rest lack a quorum, on its next tick', async (t) => {
  const h = new Harness([1, 2, 3], [], { syncLimitTicks: 20, initLimitTicks: 20 })
  const leader = h.settle()
  const [f1, f2] = [1, 2, 3].filter((id) => id !== leader) as [number, number]
  linkDown(h, leader, f1)
  h.tick([leader])
  h.stabilize()
  t.equal(h.peer(leader).status().role, 'leading', 'leader + f2 still make a quorum')
  t.ok(h.peer(leader).status().serving)
  // f1 did not see the break itself: its next message on the old link is refused and it rejoins.
  h.settle(10)
  t.equal(h.peer(f1).status().leader, leader, 'f1 rejoined the same leader')
  h.propose('after')
  h.stabilize()
  for (const id of [1, 2, 3]) t.same(h.member(id).applied, ['after'], `member ${id} applied the next proposal`)

  linkDown(h, leader, f1)
  linkDown(h, leader, f2)
  t.equal(h.peer(leader).status().role, 'leading', 'no step-down between ticks')
  h.tick([leader])
  t.equal(h.peer(leader).status().role, 'looking', 'steps down on the next tick: no quorum')
})

t.test('linkDown: ourselves, unknown members and a looking peer are no-ops', async (t) => {
  const h = new Harness([1, 2, 3])
  const before = h.peer(1).status()
  linkDown(h, 1, 1)
  linkDown(h, 1, 99)
  linkDown(h, 1, 2)
  t.same(h.peer(1).status(), before, 'still looking, same round')
  t.equal(h.peer(1).stats.elections, 1)
  h.settle()
})

t.test('linkDown: survivors of a dead leader elect without waiting a tick; linkUp restores the finalize wait', async (t) => {
  for (const reconnected of [false, true]) {
    const h = new Harness([1, 2, 3], [], { syncLimitTicks: 20, initLimitTicks: 20, electionFinalizeTicks: 3 })
    const leader = h.settle()
    const survivors = [1, 2, 3].filter((id) => id !== leader)
    h.crash(leader)
    for (const s of survivors) linkDown(h, s, leader)
    if (reconnected) {
      // Its connection came back (a restart, say): it may yet send a better vote.
      for (const s of survivors) {
        h.peer(s).linkUp(leader)
        h.process(s)
      }
    }
    h.stabilize()
    const serving = survivors.every((s) => h.peer(s).status().serving)
    if (reconnected) t.notOk(serving, 'with the old leader reachable again, the survivors wait out the finalize ticks')
    else t.ok(serving, 'the dead leader cannot send a better vote: elected and serving with no tick at all')
    h.until(() => survivors.every((s) => h.peer(s).status().serving), 10)
    t.not(h.leader(), leader)
  }
})
