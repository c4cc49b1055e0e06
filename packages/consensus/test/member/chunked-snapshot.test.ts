// Snapshots that a state machine hands out as chunks: written while entries keep applying,
// thresholds re-rolled after each one, cut short cleanly by close, and a crash in the middle of
// one leaves the previous snapshot and the log to start from.
import t from 'tap'
import { cpSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { freePort, tempDir, waitFor } from '@zoo/testkit'
import { Member, type MemberOptions, type StateMachine } from '../../src/member.js'
import type { Entry, Snapshot } from '../../src/core/types.js'

const text = new TextDecoder()
const bytes = (s: string) => new TextEncoder().encode(s)

/** Applied payloads; a snapshot is them joined by newlines, handed out one payload per chunk. */
class ChunkedList implements StateMachine {
  applied: string[] = []
  /** Applied count seen at each chunk of the latest snapshot. */
  appliedAtChunk: number[] = []
  /** Runs inside the snapshot's iteration at chunk `n` (a crash image is taken there). */
  onChunk: ((n: number) => void) | undefined
  /** Pause (empty chunks) after the first chunk until this many entries are applied. */
  holdUntilApplied = 0

  apply(entry: Entry): void {
    this.applied.push(text.decode(entry.payload))
  }
  restore(snapshot: Snapshot | undefined): void {
    this.applied = snapshot === undefined || snapshot.data.length === 0 ? [] : text.decode(snapshot.data).split('\n')
  }
  snapshot(): Iterable<Uint8Array> {
    // The state at the call; the member applies more while it iterates.
    const frozen = this.applied.slice()
    this.appliedAtChunk = []
    const self = this
    return (function* () {
      for (let i = 0; i < frozen.length; i++) {
        self.appliedAtChunk.push(self.applied.length)
        self.onChunk?.(i)
        yield bytes(i === 0 ? (frozen[i] as string) : `\n${frozen[i]}`)
        for (let pauses = 0; i === 0 && self.applied.length < self.holdUntilApplied && pauses < 1_000_000; pauses++) yield new Uint8Array(0)
        if (i % 50 === 0) yield new Uint8Array(0)
      }
    })()
  }
}

async function startSolo(dir: string, port: number, app: ChunkedList, extra: Partial<MemberOptions> = {}): Promise<Member> {
  const member = await Member.start({
    id: 1,
    voters: [1],
    addresses: new Map([[1, { host: '127.0.0.1', port }]]),
    dataDir: dir,
    stateMachine: app,
    tickMs: 50,
    logger: () => undefined,
    ...extra,
  })
  await waitFor(async () => member.status().serving, 10_000, 'the member serves')
  return member
}

const snapshotFiles = (dir: string) => readdirSync(join(dir, 'snapshots'))

t.test('a chunked snapshot is written while entries apply, holds the state at its start, and reloads', async (t) => {
  const dir = tempDir('zoo-chunked')
  t.teardown(dir.remove)
  const port = await freePort()
  let thresholds = 0
  const app = new ChunkedList()
  const member = await startSolo(dir.path, port, app, { snapshotEveryEntries: () => (++thresholds === 1 ? 400 : 1_000_000) })
  t.teardown(() => member.close())
  const errors: Error[] = []
  member.on('error', (e) => errors.push(e))
  const taken: { zxid: bigint; bytes: number; ms: number }[] = []
  member.on('snapshot', (info) => taken.push(info))
  await Promise.all(Array.from({ length: 400 }, (_, i) => member.propose(bytes(`a${i}`))))
  // The snapshot starts after entry 400; these apply while it is written (it waits for them).
  app.holdUntilApplied = 700
  const later = Array.from({ length: 300 }, (_, i) => member.propose(bytes(`b${i}`)))
  await waitFor(async () => member.stats.snapshotsTaken === 1, 20_000, 'the snapshot')
  await Promise.all(later)
  t.ok(app.appliedAtChunk.length >= 400, 'one chunk per entry of the snapshot')
  t.ok((app.appliedAtChunk.at(-1) as number) > (app.appliedAtChunk[0] as number), `entries applied during the snapshot: ${app.appliedAtChunk[0]} -> ${app.appliedAtChunk.at(-1)}`)
  t.equal(thresholds, 2, 'the threshold is asked again after the snapshot')
  const last = member.stats.lastSnapshot
  t.ok(last !== undefined && last.bytes === app.applied.slice(0, 400).join('\n').length, `size recorded: ${last?.bytes} bytes in ${last?.ms} ms`)
  t.same(snapshotFiles(dir.path), [`snapshot.${last?.zxid.toString(16).padStart(16, '0')}`])
  t.same(taken, [last], 'and announced')
  await member.close()
  t.same(errors, [])

  const again = new ChunkedList()
  const restarted = await startSolo(dir.path, port, again)
  t.teardown(() => restarted.close())
  t.same(again.applied, app.applied, 'the snapshot plus the log replay give every entry')
})

t.test('a crash in the middle of a snapshot leaves the previous snapshot and the log usable', async (t) => {
  const dir = tempDir('zoo-chunked-crash')
  const image = tempDir('zoo-chunked-image')
  t.teardown(dir.remove)
  t.teardown(image.remove)
  const port = await freePort()
  const app = new ChunkedList()
  const member = await startSolo(dir.path, port, app, { snapshotEveryEntries: 200 })
  t.teardown(() => member.close())
  await Promise.all(Array.from({ length: 200 }, (_, i) => member.propose(bytes(`a${i}`))))
  await waitFor(async () => member.stats.snapshotsTaken === 1, 20_000, 'the first snapshot')
  // Half way through the second snapshot's file, copy the data directory as it is: what a
  // crash at that instant leaves on disk (the copy runs inside the iteration, nothing else does).
  let crashedWith = -1
  app.onChunk = (n) => {
    if (n !== 150) return
    cpSync(dir.path, image.path, { recursive: true })
    crashedWith = app.applied.length
  }
  await Promise.all(Array.from({ length: 200 }, (_, i) => member.propose(bytes(`b${i}`))))
  await waitFor(async () => member.stats.snapshotsTaken === 2, 20_000, 'the second snapshot')
  await member.close()
  t.ok(crashedWith >= 400, `the image was taken mid-snapshot with ${crashedWith} entries applied`)
  t.ok(snapshotFiles(image.path).some((name) => name.endsWith('.tmp')), 'the image holds the half-written snapshot')

  const recovered = new ChunkedList()
  const restarted = await startSolo(image.path, port, recovered)
  t.teardown(() => restarted.close())
  t.notOk(snapshotFiles(image.path).some((name) => name.endsWith('.tmp')), 'start-up removes the temporary file')
  t.same(recovered.applied, app.applied.slice(0, crashedWith), 'the previous snapshot and the log give what was applied at the crash')
})

t.test('closing during a snapshot cuts it short without an error', async (t) => {
  const dir = tempDir('zoo-chunked-close')
  t.teardown(dir.remove)
  const port = await freePort()
  const app = new ChunkedList()
  const member = await startSolo(dir.path, port, app, { snapshotEveryEntries: 300 })
  const errors: Error[] = []
  member.on('error', (e) => errors.push(e))
  let closing: Promise<void> | undefined
  app.onChunk = (n) => {
    if (n === 100) closing = member.close()
  }
  await Promise.allSettled(Array.from({ length: 300 }, (_, i) => member.propose(bytes(`a${i}`))))
  await waitFor(async () => closing !== undefined, 10_000, 'close during the snapshot')
  await closing
  t.same(errors, [], 'no error: the member was closing')
  t.same(snapshotFiles(dir.path), [], 'no snapshot file, no temporary left behind')
  t.equal(member.stats.snapshotsTaken, 0)

  const again = new ChunkedList()
  const restarted = await startSolo(dir.path, port, again)
  t.teardown(() => restarted.close())
  t.same(again.applied, app.applied, 'the log alone gives every entry')
})

t.test('a size threshold snapshots after few but big entries', async (t) => {
  const dir = tempDir('zoo-chunked-size')
  t.teardown(dir.remove)
  const app = new ChunkedList()
  let asked = 0
  const member = await startSolo(dir.path, await freePort(), app, { snapshotEveryEntries: 1_000_000, snapshotEveryBytes: () => (++asked, 10_000) })
  t.teardown(() => member.close())
  for (let i = 0; i < 9; i++) await member.propose(bytes(`${i}`.padEnd(1000, 'x')))
  t.equal(member.stats.snapshotsTaken, 0, '9,000 bytes: no snapshot yet')
  await member.propose(bytes('9'.padEnd(1000, 'x')))
  await waitFor(async () => member.stats.snapshotsTaken === 1, 10_000, 'a snapshot at 10,000 bytes')
  t.equal(member.stats.lastSnapshot?.bytes, 10 * 1000 + 9, 'of all ten entries')
  t.equal(asked, 2, 'the size threshold is asked again after the snapshot')
})
