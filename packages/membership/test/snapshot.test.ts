// Snapshots, their diffs, and the one-slot update stream: properties over arbitrary sequences
// (fast-check): replaying the events of whatever updates a consumer got, however it paced its
// pulls, gives the last snapshot it got, and once it drains, the last snapshot published.
import t from 'tap'
import fc from 'fast-check'
import { GroupSnapshot, diffSnapshots, type Member, type MembershipEvent } from '../src/index.js'
import { UpdateStream } from '../src/stream.js'
import { InvalidMemberDataError } from '../src/errors.js'

const member = (id: string, registration: number, version: number): Member<number> => ({
  id, data: version, path: `/g/${id}`, registration: String(registration), version, registeredAtMs: 0,
})

/** A snapshot: up to 6 ids, each absent, valid (registration, version) or invalid. */
const snapshotArb = fc
  .array(fc.tuple(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f'), fc.integer({ min: 1, max: 3 }), fc.integer({ min: 0, max: 3 }), fc.boolean()), { maxLength: 6 })
  .map((rows) => {
    const byId = new Map(rows.map((r) => [r[0], r]))
    const valid = [...byId.values()].filter((r) => !r[3]).map(([id, reg, v]) => member(id, reg, v))
    const invalid = [...byId.values()].filter((r) => r[3]).map(([id, reg, v]) => ({ id, path: `/g/${id}`, registration: String(reg), version: v, raw: Buffer.alloc(0), error: new InvalidMemberDataError('schema', id, 'no') }))
    return new GroupSnapshot(valid, invalid)
  })

type State = Map<string, string>
const key = (m: Member<number>) => `${m.registration}/${m.version}`
function replay(state: State, events: MembershipEvent<number>[]): void {
  for (const e of events) {
    if (e.type === 'leave') {
      if (state.get(e.member.id) !== key(e.member)) throw new Error(`leave of ${e.member.id} that was not there as ${key(e.member)}`)
      state.delete(e.member.id)
    } else if (e.type === 'join') {
      if (state.has(e.member.id)) throw new Error(`join of ${e.member.id} that was there`)
      state.set(e.member.id, key(e.member))
    } else if (e.type === 'change') {
      if (state.get(e.member.id) !== key(e.previous)) throw new Error(`change of ${e.member.id} from a state it was not in`)
      state.set(e.member.id, key(e.member))
    }
  }
}
const stateOf = (s: GroupSnapshot<number>): State => new Map(s.members.map((m) => [m.id, key(m)]))

t.test('diff: replaying the events of A -> B on A gives B, every event applicable', async (t) => {
  fc.assert(
    fc.property(snapshotArb, snapshotArb, (a, b) => {
      const state = stateOf(a)
      replay(state, diffSnapshots(a, b))
      t.same(state, stateOf(b))
      return true
    }),
    { numRuns: 500 },
  )
  fc.assert(
    fc.property(snapshotArb, snapshotArb, fc.array(fc.constantFrom('a', 'b', 'c', 'd', 'e', 'f')), (a, b, extra) => {
      // A watch passes the ids it re-read: every id that differs, and maybe some that do not.
      const differing = [...new Set([...a.allIds(), ...b.allIds()])].filter((id) => a.get(id) !== b.get(id) || a.getInvalid(id) !== b.getInvalid(id))
      t.same(diffSnapshots(a, b, [...differing, ...extra]), diffSnapshots(a, b))
      return true
    }),
    { numRuns: 300 },
  )
  const before = new GroupSnapshot([member('a', 1, 0), member('b', 1, 0), member('c', 1, 0)])
  const after = new GroupSnapshot([member('a', 1, 1), member('b', 2, 0), member('d', 1, 0)])
  t.same(diffSnapshots(before, after).map((e) => `${e.type}:${e.member.id}`), ['leave:b', 'leave:c', 'change:a', 'join:b', 'join:d'], 'leaves, changes, joins; a new registration is leave + join')
  t.same(diffSnapshots(undefined, before).map((e) => e.type), ['join', 'join', 'join'])
})

t.test('stream: any publish/pull interleaving replays to the last snapshot delivered, and drains to the last published', async (t) => {
  await fc.assert(
    fc.asyncProperty(fc.array(fc.tuple(snapshotArb, fc.boolean()), { minLength: 1, maxLength: 30 }), async (steps) => {
      const stream = new UpdateStream<number>(() => {})
      const state: State = new Map()
      let last: GroupSnapshot<number> | undefined
      let pending: Promise<IteratorResult<unknown>> | undefined
      const consume = (result: IteratorResult<{ snapshot: GroupSnapshot<number>; events: MembershipEvent<number>[] }>) => {
        replay(state, result.value.events)
        t.same(state, stateOf(result.value.snapshot))
        last = result.value.snapshot
      }
      let published = 0
      for (const [snapshot, pull] of steps) {
        stream.publish(snapshot)
        published++
        if (pull && !pending) pending = stream.next().then((r) => (consume(r as never), (pending = undefined), r))
        await Promise.resolve()
        await Promise.resolve()
      }
      const final = steps.at(-1)![0]
      // Drain: what the consumer ends on equals what was read last.
      if (pending) await Promise.race([pending, new Promise((r) => setTimeout(r, 0))])
      if (!last || diffSnapshots(last, final).length > 0) {
        const r = await Promise.race([stream.next(), new Promise<'none'>((res) => setTimeout(() => res('none'), 5))])
        if (r !== 'none') consume(r as never)
      }
      t.same(state, stateOf(final), `after ${published} publishes`)
      stream.end()
      return true
    }),
    { numRuns: 200 },
  )
})

t.test('stream: the first update comes even when empty; identical re-reads are not delivered; end and fail', async (t) => {
  let closed = 0
  const stream = new UpdateStream<number>(() => closed++)
  stream.publish(new GroupSnapshot<number>([]))
  const first = await stream.next()
  t.ok(first.value!.initial)
  t.same(first.value!.events, [])
  stream.publish(new GroupSnapshot<number>([]))
  stream.publish(new GroupSnapshot([member('a', 1, 0)]))
  stream.publish(new GroupSnapshot([member('a', 1, 1)]))
  const second = await stream.next()
  t.equal(second.value!.reads, 3, 'three reads folded into one update')
  t.same(second.value!.events.map((e: MembershipEvent<number>) => e.type), ['join'])
  const waiting = stream.next()
  stream.publish(new GroupSnapshot([member('a', 1, 1)]))
  stream.fail(new Error('boom'))
  await t.rejects(waiting, /boom/, 'a waiting next() gets the failure; identical snapshot was not delivered')
  t.same(await stream.next(), { value: undefined, done: true })
  t.equal(closed, 1)
  await t.rejects(async () => {
    const s = new UpdateStream<number>(() => {})
    void s.next()
    await s.next()
  }, /called again/)
})
