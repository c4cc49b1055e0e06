import t from 'tap'
import type { LinkMessage } from '../src/core/messages.js'
import { Outbox } from '../src/core/outbox.js'
import { makeZxid } from '../src/core/zxid.js'

const entry = (counter: number, bytes = 8) => ({ zxid: makeZxid(1, counter), payload: new Uint8Array(bytes) })
const limits = { maxEntriesPerMessage: 4, maxBatchBytes: 1_000 }

t.test('outbox: consecutive proposals to one learner merge into one message, up to the limits', async (t) => {
  const outbox = new Outbox()
  const first: LinkMessage = { type: 'proposal', entries: [entry(1)], link: 7, seq: 0 }
  outbox.send(2, first)
  for (const c of [2, 3, 4]) t.ok(outbox.tryMerge(2, 7, { type: 'proposal', entries: [entry(c)] }, limits), `entry ${c} merged`)
  t.notOk(outbox.tryMerge(2, 7, { type: 'proposal', entries: [entry(5)] }, limits), 'maxEntriesPerMessage reached')
  t.notOk(outbox.tryMerge(3, 7, { type: 'proposal', entries: [entry(1)] }, limits), 'nothing sent to learner 3 yet')
  t.notOk(outbox.tryMerge(2, 8, { type: 'proposal', entries: [entry(5)] }, limits), 'another link')
  t.same(first.entries.map((e) => e.zxid), [makeZxid(1, 1)], "the caller's message is copied, not grown")
  const batch = outbox.take()
  t.equal(batch.messages.length, 1)
  const merged = batch.messages[0]!.message as LinkMessage & { entries: { zxid: bigint }[] }
  t.same(merged.entries.map((e) => e.zxid), [1, 2, 3, 4].map((c) => makeZxid(1, c)))
  t.equal(merged.seq, 0)
  t.ok(outbox.isEmpty(), 'a merged batch is handed out whole')
})

t.test('outbox: the byte limit counts every merged entry', async (t) => {
  const outbox = new Outbox()
  const bytesLimits = { maxEntriesPerMessage: 100, maxBatchBytes: 3 * (100 + 12) }
  outbox.send(2, { type: 'proposal', entries: [entry(1, 100)], link: 1, seq: 0 })
  t.ok(outbox.tryMerge(2, 1, { type: 'proposal', entries: [entry(2, 100)] }, bytesLimits))
  t.ok(outbox.tryMerge(2, 1, { type: 'proposal', entries: [entry(3, 100)] }, bytesLimits))
  t.notOk(outbox.tryMerge(2, 1, { type: 'proposal', entries: [entry(4, 1)] }, bytesLimits), 'a fourth entry passes maxBatchBytes')
  outbox.send(2, { type: 'proposal', entries: [entry(4, 1)], link: 1, seq: 1 })
  t.ok(outbox.tryMerge(2, 1, { type: 'proposal', entries: [entry(5, 1)] }, bytesLimits), 'a new message starts its own count')
  const counts = outbox.take().messages.map((m) => (m.message as unknown as { entries: unknown[] }).entries.length)
  t.same(counts, [3, 2])
})

t.test('outbox: a commit merges into the last commit; a message of another type in between stops it', async (t) => {
  const outbox = new Outbox()
  outbox.send(2, { type: 'commit', zxid: makeZxid(1, 1), link: 1, seq: 0 })
  t.ok(outbox.tryMerge(2, 1, { type: 'commit', zxid: makeZxid(1, 2) }, limits))
  outbox.send(2, { type: 'proposal', entries: [entry(3)], link: 1, seq: 1 })
  t.notOk(outbox.tryMerge(2, 1, { type: 'commit', zxid: makeZxid(1, 3) }, limits))
  const messages = outbox.take().messages.map((m) => m.message as LinkMessage)
  t.same(messages.map((m) => m.type), ['commit', 'proposal'])
  t.equal((messages[0] as { zxid: bigint }).zxid, makeZxid(1, 2))
})

t.test('outbox: early messages are per-member runs before the first message that waits for the fsync', async (t) => {
  const outbox = new Outbox()
  outbox.send(2, { type: 'proposal', entries: [entry(1)], link: 1, seq: 0 })
  outbox.send(3, { type: 'ackepoch', currentEpoch: 1, lastZxid: 0n, counted: true, link: 1, seq: 0 })
  outbox.send(3, { type: 'ping', link: 1, seq: 1 })
  outbox.send(2, { type: 'commit', zxid: makeZxid(1, 1), link: 1, seq: 1 })
  const { batch, waiting } = outbox.takeForReady()
  t.same(
    batch.messages.map((o) => [o.to, o.message.type, o.early === true]),
    [
      [2, 'proposal', true],
      [3, 'ackepoch', false],
      [3, 'ping', false],
      [2, 'commit', true],
    ],
    'a ping behind a waiting ACKEPOCH waits too',
  )
  t.same([...waiting], [3])
})

t.test('outbox: takeEarly leaves what is blocked, and merging goes on into what is left', async (t) => {
  const outbox = new Outbox()
  outbox.send(2, { type: 'proposal', entries: [entry(1)], link: 1, seq: 0 })
  outbox.send(3, { type: 'proposal', entries: [entry(1)], link: 1, seq: 0 })
  outbox.send(4, { type: 'reset', link: 1 })
  const taken = outbox.takeEarly(new Set([3]))
  t.same(taken.map((o) => o.to), [2], 'member 3 has a message waiting in the Ready under way; 4 has a reset (waits)')
  t.ok(outbox.tryMerge(3, 1, { type: 'proposal', entries: [entry(2)] }, limits), 'the proposal left for 3 still takes merges')
  t.notOk(outbox.tryMerge(2, 1, { type: 'proposal', entries: [entry(2)] }, limits), 'the one sent to 2 does not')
  const left = outbox.take().messages.map((o) => [o.to, o.message.type, (o.message as { entries?: unknown[] }).entries?.length])
  t.same(left, [
    [3, 'proposal', 2],
    [4, 'reset', undefined],
  ])
})
