import t from 'tap'
import fc from 'fast-check'
import { SessionQueue } from '../../src/member/session-queue.js'
import type { QueueEntry, Reply } from '../../src/member/session-queue.js'

const reply = (n: number): Reply => ({ frame: Buffer.from([n]), zxid: BigInt(n) })

function harness() {
  const sent: number[] = []
  const log: string[] = []
  const queue = new SessionQueue({
    run: (entry) => (log.push(`run ${entry.xid}`), reply(entry.xid)),
    submit: (entry) => void log.push(`${entry.kind === 'sync' ? 'barrier' : 'submit'} ${entry.xid}`),
    send: (entry) => void sent.push(entry.xid),
  })
  const write = (xid: number): QueueEntry => ({ kind: 'write', xid, state: 'waiting' })
  const sync = (xid: number): QueueEntry => ({ kind: 'sync', xid, state: 'waiting' })
  const local = (xid: number): QueueEntry => ({ kind: 'local', xid, state: 'waiting' })
  return { queue, sent, log, write, sync, local }
}

t.test('writes are submitted at once and in order; replies leave in request order', async (t) => {
  const h = harness()
  const w1 = h.write(1)
  const w2 = h.write(2)
  h.queue.add(w1)
  h.queue.add(w2)
  t.same(h.log, ['submit 1', 'submit 2'])
  t.equal(h.queue.writesInFlight, 2)
  t.equal(h.queue.oldestWriteInFlight(), w1)
  h.queue.complete(w1, reply(1))
  h.queue.complete(w2, reply(2))
  t.same(h.sent, [1, 2])
})

t.test('a read waits for the session\'s earlier write and runs the moment it completes', async (t) => {
  const h = harness()
  const w1 = h.write(1)
  h.queue.add(w1)
  h.queue.add(h.local(2))
  const w3 = h.write(3)
  h.queue.add(w3)
  t.same(h.log, ['submit 1', 'submit 3'], 'a write may overtake a read waiting on writes')
  h.queue.complete(w1, reply(1))
  t.same(h.log, ['submit 1', 'submit 3', 'run 2'], 'the read ran inside the completion of the write before it')
  t.same(h.sent, [1, 2])
  h.queue.complete(w3, reply(3))
  t.same(h.sent, [1, 2, 3])
})

t.test('writes behind a sync wait for it; reads behind it run when it completes', async (t) => {
  const h = harness()
  const s1 = h.sync(1)
  h.queue.add(s1)
  h.queue.add(h.local(2))
  const w3 = h.write(3)
  h.queue.add(w3)
  t.same(h.log, ['barrier 1'])
  h.queue.complete(s1, reply(1))
  t.same(h.log, ['barrier 1', 'run 2', 'submit 3'])
  t.same(h.sent, [1, 2])
})

t.test('a reply that completes out of order waits for the ones before it', async (t) => {
  const h = harness()
  const s1 = h.sync(1)
  const s2 = h.sync(2)
  h.queue.add(s1)
  h.queue.add(s2)
  h.queue.complete(s2, reply(2))
  t.same(h.sent, [])
  h.queue.complete(s1, reply(1))
  t.same(h.sent, [1, 2])
})

t.test('clear drops everything; completing a dropped entry sends nothing', async (t) => {
  const h = harness()
  const w1 = h.write(1)
  h.queue.add(w1)
  h.queue.add(h.local(2))
  h.queue.clear()
  h.queue.complete(w1, reply(1))
  t.same(h.sent, [])
  t.equal(h.queue.length, 0)
  t.throws(() => h.queue.complete(w1, reply(1)), /completing a done write/)
  t.throws(() => h.queue.add({ kind: 'local', xid: 5, state: 'done' }), /must be waiting/)
})

t.test('any interleaving of requests and completions: replies in request order, every rule kept, nothing left behind', async (t) => {
  const kinds = fc.constantFrom<QueueEntry['kind']>('write', 'sync', 'local')
  const step = fc.oneof(fc.record({ add: kinds }), fc.record({ complete: fc.nat() }))
  fc.assert(
    fc.property(fc.array(step, { maxLength: 60 }), (steps) => {
      const sent: number[] = []
      const entries: QueueEntry[] = []
      const check = (entry: QueueEntry, action: string) => {
        const before = entries.slice(0, entries.indexOf(entry))
        if (action === 'run' && before.some((e) => e.state !== 'done')) throw new Error(`local ${entry.xid} ran before an earlier request was done`)
        if (action === 'submit' && entry.kind === 'write' && before.some((e) => e.kind === 'sync' && e.state !== 'done')) throw new Error(`write ${entry.xid} overtook a sync`)
      }
      const queue = new SessionQueue({
        run: (entry) => (check(entry, 'run'), reply(entry.xid)),
        submit: (entry) => check(entry, 'submit'),
        send: (entry) => void sent.push(entry.xid),
      })
      const completeOne = (n: number) => {
        const submitted = entries.filter((e) => e.state === 'submitted')
        const entry = submitted[n % Math.max(1, submitted.length)]
        if (entry !== undefined) queue.complete(entry, reply(entry.xid))
      }
      for (const s of steps) {
        if ('add' in s) {
          const entry: QueueEntry = { kind: s.add, xid: entries.length + 1, state: 'waiting' }
          entries.push(entry)
          queue.add(entry)
        } else completeOne(s.complete)
      }
      for (let guard = 0; entries.some((e) => e.state !== 'done') && guard < 1000; guard++) completeOne(0)
      t.same(sent, entries.map((e) => e.xid))
      t.equal(queue.length, 0)
    }),
    { numRuns: 300 },
  )
})
