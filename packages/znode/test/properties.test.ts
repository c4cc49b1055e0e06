// Property tests: apply is deterministic (a follower fed the leader's txn bytes ends with the same
// digest and byte-identical snapshots), the incremental digest is the from-scratch one, and a
// snapshot taken at any point loads into a tree that continues exactly as the original.
import t from 'tap'
import fc from 'fast-check'
import { ErrorCode, OpCode, Perms } from '@zoo/protocol'
import type { ACL, MultiOp } from '@zoo/protocol'
import { DataTree, PrepareView, decodeTxn, encodeTxn, readSnapshot, snapshotBytes, snapshotStream } from '../src/index.js'
import type { WriteRequest } from '../src/index.js'

const SESSIONS = [0x11n, 0x12n, 0x13n]
const acl: ACL[] = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }]
const path = fc.array(fc.constantFrom('a', 'b', 'c'), { minLength: 1, maxLength: 3 }).map((p) => `/${p.join('/')}`)
const data = fc.option(fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)), { nil: null })
const version = fc.constantFrom(-1, 0, 1)

const createOp = fc.record({
  type: fc.constantFrom(OpCode.create, OpCode.create2),
  path, data, acl: fc.constant(acl), flags: fc.integer({ min: 0, max: 3 }),
})
const multiOp: fc.Arbitrary<MultiOp> = fc.oneof(
  createOp,
  fc.record({ type: fc.constant(OpCode.delete), path, version }),
  fc.record({ type: fc.constant(OpCode.setData), path, data, version }),
  fc.record({ type: fc.constant(OpCode.check), path, version }),
) as fc.Arbitrary<MultiOp>
const request: fc.Arbitrary<WriteRequest> = fc.oneof(
  { weight: 4, arbitrary: createOp },
  { weight: 1, arbitrary: fc.record({ type: fc.constant(OpCode.createContainer), path, data, acl: fc.constant(acl), flags: fc.constant(4) }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant(OpCode.createTTL), path, data, acl: fc.constant(acl), flags: fc.constantFrom(5, 6), ttl: fc.constantFrom(1n, 100n) }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant(OpCode.delete), path, version }) },
  { weight: 3, arbitrary: fc.record({ type: fc.constant(OpCode.setData), path, data, version }) },
  { weight: 1, arbitrary: fc.record({ type: fc.constant(OpCode.setACL), path, acl: fc.constant(acl), version }) },
  { weight: 2, arbitrary: fc.record({ type: fc.constant(OpCode.multi), ops: fc.array(multiOp, { maxLength: 4 }) }) },
  { weight: 1, arbitrary: fc.constant({ type: OpCode.closeSession } as WriteRequest) },
  { weight: 1, arbitrary: fc.constant({ type: OpCode.createSession, timeoutMs: 10_000, passwd: Buffer.alloc(16, 1) } as WriteRequest) },
) as fc.Arbitrary<WriteRequest>
const step = fc.record({ session: fc.constantFrom(...SESSIONS), request })

/**
 * Runs the steps on a leader and returns the txn bytes it produced. `batches` sizes how many
 * requests are prepared before the leader applies them (1: each applied before the next).
 */
function lead(steps: { session: bigint; request: WriteRequest }[], batches: number[] = []): { leader: DataTree; txns: Buffer[] } {
  const leader = new DataTree()
  const view = new PrepareView(leader)
  const txns: Buffer[] = []
  const all = [...SESSIONS.map((session) => ({ session, request: { type: OpCode.createSession, timeoutMs: 10_000, passwd: Buffer.alloc(16) } as WriteRequest })), ...steps]
  let zxid = 0n
  for (let i = 0, b = 0; i < all.length; b++) {
    const batch = all.slice(i, i + Math.max(1, batches[b % Math.max(1, batches.length)] ?? 1))
    i += batch.length
    const prepared = batch.map(({ session, request: req }) => {
      zxid++
      return encodeTxn(view.prepare(req, { sessionId: session, cxid: Number(zxid), zxid, time: 1000n + zxid, authInfo: [] }))
    })
    for (const bytes of prepared) {
      const result = leader.apply(decodeTxn(bytes))
      if (result.digestMismatch) throw new Error(`prepare predicted another digest at zxid ${result.zxid}`)
      txns.push(bytes)
    }
  }
  return { leader, txns }
}

t.test('followers applying the same txns end identical to the leader', async (t) => {
  fc.assert(fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
    const { leader, txns } = lead(steps)
    const follower = new DataTree()
    for (const bytes of txns) {
      follower.apply(decodeTxn(bytes))
      if (follower.digest !== leader.digest && follower.lastProcessedZxid === leader.lastProcessedZxid) return false
    }
    return follower.digest === leader.digest && snapshotBytes(follower).equals(snapshotBytes(leader)) && follower.digestMismatches === 0
  }), { numRuns: 150 })
  t.pass('deterministic')
})

t.test('requests prepared ahead of their commits become the same txns as requests prepared one by one', async (t) => {
  fc.assert(fc.property(fc.array(step, { maxLength: 60 }), fc.array(fc.integer({ min: 1, max: 6 }), { minLength: 1, maxLength: 8 }), (steps, batches) => {
    // The one intended difference: a session's request after its closeSession is SESSIONEXPIRED
    // while the close is in flight, UNKNOWNSESSION once it applied (Apache's session tracker).
    const normalize = (bytes: Buffer) => {
      const txn = decodeTxn(bytes)
      const ops = txn.body.type === OpCode.multi ? txn.body.ops : [txn.body]
      for (const op of ops) if (op.type === OpCode.error && op.err === ErrorCode.UNKNOWNSESSION) op.err = ErrorCode.SESSIONEXPIRED
      return encodeTxn(txn)
    }
    const oneByOne = lead(steps).txns.map(normalize)
    const pipelined = lead(steps, batches).txns.map(normalize)
    return oneByOne.length === pipelined.length && oneByOne.every((bytes, i) => bytes.equals(pipelined[i] as Buffer))
  }), { numRuns: 200 })
  t.pass('the view is the tree to be')
})

t.test('a snapshot taken anywhere loads into a tree that continues identically', async (t) => {
  fc.assert(fc.property(fc.array(step, { maxLength: 60 }), fc.nat(), (steps, cut) => {
    const { leader, txns } = lead(steps)
    const at = cut % (txns.length + 1)
    const early = new DataTree()
    for (const bytes of txns.slice(0, at)) early.apply(decodeTxn(bytes))
    const snapshot = snapshotBytes(early)
    const restored = readSnapshot(snapshot)
    if (!snapshotBytes(restored).equals(snapshot)) return false
    for (const bytes of txns.slice(at)) restored.apply(decodeTxn(bytes))
    return snapshotBytes(restored).equals(snapshotBytes(leader)) && restored.digest === leader.digest
  }), { numRuns: 150 })
  t.pass('round-trips')
})

t.test('a snapshot streamed while txns apply holds exactly the tree at its start', async (t) => {
  // Each stream step writes about one node (tiny chunks), so txns land between any two nodes.
  const interleaving = fc.array(fc.integer({ min: 0, max: 3 }), { maxLength: 200 })
  fc.assert(fc.property(fc.array(step, { maxLength: 80 }), fc.nat(), interleaving, (steps, cut, pattern) => {
    const { txns } = lead(steps)
    const at = cut % (txns.length + 1)
    const tree = new DataTree()
    for (const bytes of txns.slice(0, at)) tree.apply(decodeTxn(bytes))
    const expected = snapshotBytes(tree)
    const stream = snapshotStream(tree, { chunkBytes: 16, pauseEveryNodes: 2 })
    const chunks: Buffer[] = []
    let next = at
    for (let i = 0; ; i++) {
      // Apply 0-3 txns between stream steps, per the pattern.
      for (let n = pattern[i % Math.max(1, pattern.length)] ?? 0; n > 0 && next < txns.length; n--) tree.apply(decodeTxn(txns[next++] as Buffer))
      const chunk = stream.next()
      if (chunk.done === true) break
      chunks.push(chunk.value)
    }
    for (const bytes of txns.slice(next)) tree.apply(decodeTxn(bytes))
    // Ended: the tree keeps nothing more for it.
    return Buffer.concat(chunks).equals(expected) && tree.nodes.openPreservers === 0
  }), { numRuns: 200 })
  t.pass('copy-on-write view')
})

t.test('approximateDataSize is path lengths plus data bytes, kept incrementally and through snapshots', async (t) => {
  fc.assert(fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
    const { leader } = lead(steps)
    let expected = 0
    const walk = (p: string) => {
      expected += p.length + (leader.data(p)?.length ?? 0)
      for (const name of leader.children(p) ?? []) walk(p === '/' ? `/${name}` : `${p}/${name}`)
    }
    walk('/')
    return leader.approximateDataSize === expected && readSnapshot(snapshotBytes(leader)).approximateDataSize === expected
  }), { numRuns: 150 })
  t.pass('matches a full count')
})
