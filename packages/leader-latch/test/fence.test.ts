import t from 'tap'
import fc from 'fast-check'
import { FencedResource, checkHistory, verdict, type WriteRecord } from '../src/testing/fence.js'

t.test('the resource accepts the highest epoch so far and refuses older ones', async (t) => {
  let now = 0
  const resource = new FencedResource(() => now++)
  t.ok(resource.write({ participant: 'a', epoch: 5n, seq: 1 }))
  t.ok(resource.write({ participant: 'a', epoch: 5n, seq: 2 }))
  t.ok(resource.write({ participant: 'b', epoch: 9n, seq: 1 }))
  t.notOk(resource.write({ participant: 'a', epoch: 5n, seq: 3 }), 'the deposed leader is refused')
  const report = checkHistory(resource.history())
  t.equal(report.rejected, 1)
  t.same(report.terms.map((x) => [x.participant, x.epoch, x.writes]), [['a', 5n, 2], ['b', 9n, 1]])
  t.same(report.handoverGapsMs, [1])
  t.ok(verdict(report).ok, verdict(report).text)
})

t.test('the checker finds what a broken resource or latch would let through', async (t) => {
  const rec = (participant: string, epoch: bigint, atMs: number, accepted = true): WriteRecord => ({ participant, epoch, seq: atMs, atMs, accepted })
  const stale = checkHistory([rec('a', 5n, 0), rec('b', 9n, 1), rec('a', 5n, 2)])
  t.equal(stale.staleAccepted.length, 1, 'an accepted write below the highest epoch')
  t.equal(stale.overlaps.length, 1, 'and the terms interleave')
  t.notOk(verdict(stale).ok)
  const shared = checkHistory([rec('a', 5n, 0), rec('b', 5n, 1)])
  t.same(shared.sharedEpochs, [{ epoch: 5n, participants: ['a', 'b'] }], 'two participants claiming one epoch')
  t.notOk(verdict(shared).ok)
})

t.test('the history is bounded', async (t) => {
  const resource = new FencedResource(undefined, 2)
  resource.write({ participant: 'a', epoch: 1n, seq: 1 })
  resource.write({ participant: 'a', epoch: 1n, seq: 2 })
  t.throws(() => resource.write({ participant: 'a', epoch: 1n, seq: 3 }), RangeError)
})

t.test('property: whatever writes arrive, the fence lets no stale epoch through', async () => {
  fc.assert(
    fc.property(fc.array(fc.record({ participant: fc.constantFrom('a', 'b', 'c'), epoch: fc.bigInt({ min: 0n, max: 20n }) }), { maxLength: 200 }), (writes) => {
      const resource = new FencedResource()
      writes.forEach((w, seq) => resource.write({ ...w, seq }))
      const report = checkHistory(resource.history())
      return report.staleAccepted.length === 0 && report.overlaps.length === 0 && report.accepted + report.rejected === writes.length
    }),
  )
})
