import t from 'tap'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { freePort, tempDir, waitFor } from '@zoo/testkit'
import { Member, MemberError, type MemberOptions, type StateMachine } from '../../src/member.js'
import type { Entry, Snapshot } from '../../src/core/types.js'
import type { PeerAddress } from '../../src/transport/index.js'

type Teardown = { teardown: (fn: () => unknown) => void }
const text = new TextDecoder()
const bytes = (s: string) => new TextEncoder().encode(s)

/** The test application: the applied payloads, in order; a snapshot is them joined by newlines. */
class AppliedList implements StateMachine {
  applied: string[] = []
  /** Restores of a snapshot with data, in order, and when each settled (ms). */
  restores: { startedMs: number; settledMs: number }[] = []
  /** A restore of a snapshot with data settles this much later (a slow, paced load). */
  constructor(private readonly restoreDelayMs = 0) {}
  apply(entry: Entry): void {
    this.applied.push(text.decode(entry.payload))
  }
  restore(snapshot: Snapshot | undefined): void | Promise<void> {
    const load = () => void (this.applied = snapshot === undefined || snapshot.data.length === 0 ? [] : text.decode(snapshot.data).split('\n'))
    if (this.restoreDelayMs === 0 || snapshot === undefined || snapshot.data.length === 0) return load()
    const startedMs = performance.now()
    return new Promise((resolve) => setTimeout(resolve, this.restoreDelayMs)).then(() => {
      load()
      this.restores.push({ startedMs, settledMs: performance.now() })
    })
  }
  snapshot(): Uint8Array {
    return bytes(this.applied.join('\n'))
  }
}

interface Node {
  id: number
  dir: string
  app: AppliedList
  member: Member | undefined
  notes: string[]
}

async function ensemble(t: Teardown, ids: number[], extra: Pick<MemberOptions, 'snapshotEveryEntries' | 'segmentBytes' | 'consensus'> = {}, restoreDelayMs: (id: number) => number = () => 0) {
  const addresses = new Map<number, PeerAddress>()
  for (const id of ids) addresses.set(id, { host: '127.0.0.1', port: await freePort() })
  const nodes = new Map<number, Node>()
  for (const id of ids) {
    const dir = tempDir(`zoo-member-${id}`)
    t.teardown(dir.remove)
    nodes.set(id, { id, dir: dir.path, app: new AppliedList(), member: undefined, notes: [] })
  }
  const start = async (id: number) => {
    const node = nodes.get(id)!
    node.app = new AppliedList(restoreDelayMs(id))
    node.member = await Member.start({
      id,
      voters: ids,
      addresses,
      dataDir: node.dir,
      stateMachine: node.app,
      tickMs: 50,
      logger: () => undefined,
      trace: (note) => node.notes.push(note),
      ...extra,
    })
    return node.member
  }
  const stop = async (id: number) => {
    await nodes.get(id)!.member?.close()
    nodes.get(id)!.member = undefined
  }
  t.teardown(async () => {
    for (const id of ids) await stop(id)
  })
  for (const id of ids) await start(id)
  const leader = async (excluding: number[] = []) =>
    waitFor(
      async () => {
        for (const node of nodes.values()) {
          const status = node.member?.status()
          if (status?.role === 'leading' && status.serving && !excluding.includes(node.id)) return node
        }
        return undefined
      },
      10_000,
      'an established leader',
    )
  return { nodes, start, stop, leader }
}

const same = (a: string[], b: string[]) => a.length === b.length && a.every((x, i) => x === b[i])

t.test('three members elect, commit with group commit, fail over and catch up a restarted member', async (t) => {
  const { nodes, start, stop, leader } = await ensemble(t, [1, 2, 3])
  const first = await leader()
  const proposals = Array.from({ length: 600 }, (_, i) => first.member!.propose(bytes(`a${i}`)))
  const zxids = await Promise.all(proposals)
  t.ok(zxids.every((z, i) => i === 0 || z > zxids[i - 1]!), 'zxids increase in proposal order')
  const stats = first.member!.stats
  t.ok(stats.logFsyncs < 300, `group commit: ${stats.loggedRecords} records in ${stats.logFsyncs} log fsyncs on the leader`)

  const follower = [...nodes.values()].find((n) => n !== first)!
  await t.rejects(follower.member!.propose(bytes('x')), { code: 'not-leader' })
  await waitFor(async () => [...nodes.values()].every((n) => n.app.applied.length === 600), 10_000, 'all applied')
  for (const node of nodes.values()) t.ok(same(node.app.applied, first.app.applied), `member ${node.id} applied the same sequence`)

  await stop(first.id)
  const second = await leader([first.id])
  t.not(second.id, first.id)
  await Promise.all(Array.from({ length: 100 }, (_, i) => second.member!.propose(bytes(`b${i}`))))
  t.equal(second.app.applied.length, 700, 'nothing committed was lost in the failover')

  await start(first.id)
  await waitFor(async () => first.app.applied.length === 700, 10_000, 'the restarted member catches up')
  t.ok(same(first.app.applied, second.app.applied))
  t.equal(first.member!.status().leader, second.id)
})

t.test('followers leave a leader whose connection closed at once, not after syncLimit', async (t) => {
  // syncLimit of 15 s: a failover inside leader()'s 10 s wait can only come from the closed connections.
  const { nodes, stop, leader } = await ensemble(t, [1, 2, 3], { consensus: { syncLimitTicks: 300, initLimitTicks: 300 } })
  const first = await leader()
  await first.member!.propose(bytes('before'))
  // Both followers synced first: a member that concluded for a non-leader at start-up waits out
  // initLimit (the non-leader ignores its FOLLOWERINFO) and cannot vote until then.
  await waitFor(async () => [...nodes.values()].every((n) => n.member!.status().serving && n.member!.status().leader === first.id), 20_000, 'both followers serving')
  await stop(first.id)
  const second = await leader([first.id])
  const survivors = [...nodes.values()].filter((n) => n !== first)
  for (const node of survivors) {
    t.ok(node.notes.includes(`looking: link to leader ${first.id} down`), `member ${node.id} went LOOKING on the closed connection`)
  }
  t.ok(second.notes.some((n) => n.startsWith(`connection to ${first.id} lost`)), 'the transport reported the closed connection')
  await second.member!.propose(bytes('after'))
  await waitFor(async () => survivors.every((n) => n.app.applied.join() === 'before,after'), 10_000, 'both survivors applied both')
})

t.test('snapshots compact the log; a member that missed them catches up by SNAP', async (t) => {
  const { nodes, start, stop, leader } = await ensemble(t, [1, 2, 3], { snapshotEveryEntries: 50, segmentBytes: 2048 })
  const first = await leader()
  const lagging = [...nodes.values()].find((n) => n !== first)!
  await stop(lagging.id)
  for (let round = 0; round < 6; round++) {
    await Promise.all(Array.from({ length: 60 }, (_, i) => first.member!.propose(bytes(`s${round}-${i}`))))
  }
  const snapshotFiles = () => readdir(join(first.dir, 'snapshots'))
  const firstSegmentCounter = async () => BigInt(`0x${(await readdir(join(first.dir, 'log'))).sort()[0]!.slice(4)}`) & 0xffff_ffffn
  // Snapshots (and the purges after them) run in the background: wait for them to settle.
  await waitFor(async () => first.member!.stats.snapshotsTaken >= 4 && (await snapshotFiles()).length === 3 && (await firstSegmentCounter()) > 1n, 5_000, 'snapshots and purges')
  t.equal((await snapshotFiles()).length, 3, 'the newest 3 snapshots are kept')
  t.ok((await firstSegmentCounter()) > 1n, 'log segments covered by the oldest kept snapshot are purged')
  await start(lagging.id)
  await waitFor(async () => lagging.app.applied.length === 360, 10_000, 'the lagging member catches up')
  t.ok(same(lagging.app.applied, first.app.applied))
  t.match(first.notes.join('\n'), new RegExp(`sync ${lagging.id}: snap from`), 'by SNAP')
})

t.test('a slow asynchronous restore of a SNAP holds later applies back, and the follower keeps answering its leader', async (t) => {
  // syncLimit 300 ms, a restore of 1.5 s: a follower silent while it restores would be dropped.
  let lagging = 0
  const { nodes, start, stop, leader } = await ensemble(t, [1, 2, 3], { snapshotEveryEntries: 50, segmentBytes: 2048, consensus: { syncLimitTicks: 6 } }, (id) => (id === lagging ? 1_500 : 0))
  const first = await leader()
  lagging = [...nodes.values()].find((n) => n !== first)!.id
  const slow = nodes.get(lagging)!
  await stop(lagging)
  for (let round = 0; round < 4; round++) await Promise.all(Array.from({ length: 60 }, (_, i) => first.member!.propose(bytes(`s${round}-${i}`))))
  await waitFor(async () => first.member!.stats.snapshotsTaken >= 2, 5_000, 'snapshots on the leader')
  await start(lagging)
  await waitFor(async () => slow.member!.status().serving, 10_000, 'the lagging member synced (by SNAP)')
  // Committed while the restore runs: applied after it, in order.
  await Promise.all(Array.from({ length: 40 }, (_, i) => first.member!.propose(bytes(`during-${i}`))))
  await waitFor(async () => slow.app.applied.length === 280, 10_000, 'the restore and the entries after it')
  t.equal(slow.app.restores.length, 1, 'one slow restore')
  t.ok(slow.app.restores[0]!.settledMs - slow.app.restores[0]!.startedMs >= 1_400, 'which took its 1.5 s')
  t.ok(same(slow.app.applied, first.app.applied), 'then the same sequence as the leader')
  const snap = first.notes.findIndex((note) => note.startsWith(`sync ${lagging}: snap from`))
  t.ok(snap >= 0, 'it came by SNAP')
  t.notMatch(first.notes.slice(snap).join('\n'), new RegExp(`drops ${lagging}`), 'the leader never dropped it after')
  t.notMatch(slow.notes.join('\n'), /looking/, 'and it never left its leader')
})

t.test('a member refuses work after close', async (t) => {
  const { nodes, leader } = await ensemble(t, [1])
  const only = await leader()
  t.equal(only.id, 1)
  t.equal(await only.member!.propose(bytes('solo')), (1n << 32n) | 1n)
  await nodes.get(1)!.member!.close()
  await t.rejects(only.member!.propose(bytes('late')), MemberError)
})

t.test('a member whose log is damaged before durable records refuses to start, loudly', async (t) => {
  const { nodes, start, stop, leader } = await ensemble(t, [1])
  const only = await leader()
  for (let i = 0; i < 5; i++) await only.member!.propose(bytes(`r${i}`)) // five batches, one fsync each
  await stop(1)
  const logDir = join(nodes.get(1)!.dir, 'log')
  const segment = join(logDir, (await readdir(logDir)).sort()[0]!)
  const data = await readFile(segment)
  data[8 + 16] = data[8 + 16]! ^ 0x01 // the first record's payload
  await writeFile(segment, data)
  await t.rejects(start(1), { name: 'StorageError', code: 'CORRUPT_LOG' })
})
