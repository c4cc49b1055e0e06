// The leader's intake against a scripted quorum: which writes of a session that moved between
// members are refused with SESSIONMOVED.
import t from 'tap'
import type { Test } from 'tap'
import { ErrorCode, OpCode } from '@zoo/protocol'
import { DataTree, decodeTxn } from '@zoo/znode'
import type { Txn } from '@zoo/znode'
import type { PeerStatus } from '@zoo/consensus'
import { LeaderIntake } from '../../src/member/leader.js'
import type { PendingWrite } from '../../src/member/leader.js'

const SESSION = 0x1234n

/** A leader in epoch 1 (nothing logged yet) whose quorum logs every proposal at once. */
function leader(t: Test) {
  const tree = new DataTree()
  const proposed: Txn[] = []
  const payloads: Uint8Array[] = []
  let lastLoggedZxid = 0n
  const status = (): PeerStatus => ({ id: 1, role: 'leading', leader: 1, epoch: 1, acceptedEpoch: 1, serving: true, lastLoggedZxid, committedZxid: lastLoggedZxid })
  const intake = new LeaderIntake({
    myid: 1,
    quorum: {
      propose: (payload) => {
        const txn = decodeTxn(Buffer.from(payload))
        proposed.push(txn)
        payloads.push(payload)
        lastLoggedZxid = txn.zxid
        return new Promise(() => undefined)
      },
      barrier: () => Promise.resolve(0n),
      sendToLeader: () => undefined,
      sendToMember: () => undefined,
      status,
    },
    tree: () => tree,
    maxInflightProposals: 1000,
    maxQueuedWrites: 1000,
    ttlEnabled: false,
    refuse: (write, reason) => t.fail(`refused ${write.request.type}: ${reason}`),
    log: () => undefined,
    nowMs: () => 0,
    wallClockMs: () => 0,
  })
  intake.start()
  // The session is owned by member 2 (where its client connected last).
  intake.tracker.add(SESSION, 10_000, 0, 2)
  return { intake, proposed, payloads }
}

const fromMember = (from: number, request: PendingWrite['request']): PendingWrite => ({ request, sessionId: SESSION, cxid: 7, authInfo: [], from })

t.test('a write through a member that does not own the session is SESSIONMOVED', async (t) => {
  const { intake, proposed } = leader(t)
  intake.submit(fromMember(3, { type: OpCode.setData, path: '/', data: Buffer.from('x'), version: -1 }))
  t.equal(proposed.length, 1)
  t.same(proposed[0]?.body, { type: OpCode.error, err: ErrorCode.SESSIONMOVED })
})

t.test('closeSession through a member that does not own the session closes it (as Apache)', async (t) => {
  const { intake, proposed } = leader(t)
  intake.submit(fromMember(3, { type: OpCode.closeSession }))
  t.equal(proposed.length, 1)
  t.equal(proposed[0]?.body.type, OpCode.closeSession, 'a closeSession txn, not an error')
  t.equal(proposed[0]?.clientId, SESSION)
})

t.test('a committed entry carrying the bytes this leader proposed gives back the txn it prepared; other bytes are left to decode', async (t) => {
  const { intake, proposed, payloads } = leader(t)
  for (const path of ['/a', '/b', '/c']) intake.submit({ request: { type: OpCode.setData, path, data: Buffer.from('x'), version: -1 }, sessionId: SESSION, cxid: 7, authInfo: [], from: 2 })
  t.equal(payloads.length, 3)
  const [p1, p2, p3] = payloads as [Uint8Array, Uint8Array, Uint8Array]
  const [z1, z2, z3] = proposed.map((x) => x.zxid) as [bigint, bigint, bigint]
  const first = intake.take({ zxid: z1, payload: p1 })
  t.same(first, proposed[0], 'the prepared txn, equal to what its bytes decode to')
  t.equal(intake.take({ zxid: z1, payload: p1 }), undefined, 'taken once')
  t.equal(intake.take({ zxid: z2, payload: Buffer.from(p2) }), undefined, 'equal bytes in another object (not ours to vouch for) are decoded')
  t.same(intake.take({ zxid: z3, payload: p3 }), proposed[2])
  t.equal(intake.take({ zxid: z3 + 1n, payload: p3 }), undefined, 'nothing left')
  intake.submit({ request: { type: OpCode.setData, path: '/d', data: Buffer.from('x'), version: -1 }, sessionId: SESSION, cxid: 7, authInfo: [], from: 2 })
  intake.stop()
  t.equal(intake.take({ zxid: proposed[3]!.zxid, payload: payloads[3]! }), undefined, 'a leader that stopped vouches for nothing')
})
