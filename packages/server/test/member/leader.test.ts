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
  let lastLoggedZxid = 0n
  const status = (): PeerStatus => ({ id: 1, role: 'leading', leader: 1, epoch: 1, acceptedEpoch: 1, serving: true, lastLoggedZxid, committedZxid: lastLoggedZxid })
  const intake = new LeaderIntake({
    myid: 1,
    quorum: {
      propose: (payload) => {
        const txn = decodeTxn(Buffer.from(payload))
        proposed.push(txn)
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
  return { intake, proposed }
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
