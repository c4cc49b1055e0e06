import t from 'tap'
import { appendFile, readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir, waitFor } from '@zoo/testkit'
import { LocalCluster, type ControlMessage } from '../../bench/cluster.js'

// Real processes, real fsync, real TCP on loopback: the whole run stays well under a minute.
t.setTimeout(90_000)

t.test('three member processes: commit, kill -9 the leader, catch up, recover a corrupt log tail', async (t) => {
  const root = tempDir('zoo-real-process')
  // Generous limits (a leader is dropped after 1 s of silence): CI runs other packages' tests
  // beside this one on few cores, and a starved process must not look dead.
  const cluster = await LocalCluster.create(root.path, [1, 2, 3], { tickMs: 100, snapshotEveryEntries: 1_500, consensus: { syncLimitTicks: 10, initLimitTicks: 20 } })
  t.teardown(async () => {
    await cluster.stopAll()
    root.remove()
  })
  await cluster.startAll()

  /** Every proposal acknowledged to a client: tag -> zxid. None of them may ever be lost. */
  const acked = new Map<string, string>()
  const record = (line: ControlMessage) => {
    for (const [tag, zxid] of (line.acks as [string, string][] | undefined) ?? []) acked.set(tag, zxid)
  }
  const propose = async (id: number, prefix: string, count: number) => {
    const summary = await cluster.request(id, { op: 'propose', count, bytes: 100, prefix, concurrency: 200 }, record)
    t.equal(summary.committed, count, `member ${id} committed all ${count} "${prefix}" proposals`)
    t.same(summary.failed, [])
  }
  const checkNothingLost = async (id: number) => {
    const applied = new Map(await cluster.dump(id))
    const zxidsByTag = new Map([...applied].map(([zxid, tag]) => [tag, zxid]))
    const missing = [...acked].filter(([tag, zxid]) => zxidsByTag.get(tag) !== zxid)
    t.same(missing.slice(0, 5), [], `member ${id} applied all ${acked.size} acknowledged proposals at their zxids`)
  }

  const first = await cluster.leader()
  await propose(first, 'a', 3_000)

  // Kill the leader while proposals stream: whatever it acknowledged must survive.
  const inflight = cluster.request(first, { op: 'propose', count: 1_000_000, bytes: 100, prefix: 'b', concurrency: 200 }, record).then(
    () => 'finished',
    () => 'died',
  )
  await waitFor(async () => [...acked.keys()].filter((tag) => tag.startsWith('b')).length >= 500, 20_000, 'proposals in flight')
  await cluster.kill(first)
  t.equal(await inflight, 'died')
  const second = await cluster.leader()
  t.not(second, first, `member ${second} leads after member ${first} was killed`)
  await propose(second, 'c', 1_000)
  const survivors = cluster.running()
  for (const id of survivors) await checkNothingLost(id)
  t.same(await cluster.dump(survivors[0]!), await cluster.dump(survivors[1]!), 'the survivors applied the same history')

  // The killed leader restarts and catches up from the new leader (DIFF, TRUNC or SNAP).
  await cluster.start(first)
  await waitFor(async () => (await cluster.status(first)).applied === (await cluster.status(second)).applied, 20_000, 'restarted member caught up')
  t.same(await cluster.dump(first), await cluster.dump(second), 'the restarted member applied the same history')
  t.match(cluster.output(second), new RegExp(`sync ${first}: (diff|trunc|snap) from`), 'the new leader synced it')
  await checkNothingLost(first)

  // A follower dies and its log's last record is damaged (plus junk after it): it cuts the tail
  // at the last good record, says so, and catches up.
  const follower = survivors.find((id) => id !== second)!
  await cluster.kill(follower)
  const logDir = join(cluster.dataDir(follower), 'log')
  const newest = join(logDir, (await readdir(logDir)).sort().at(-1)!)
  const bytes = await readFile(newest)
  bytes[bytes.length - 10] = bytes[bytes.length - 10]! ^ 0xff
  await writeFile(newest, bytes)
  await appendFile(newest, Buffer.from('torn junk after the last record'))
  await cluster.start(follower)
  const restarted = await cluster.status(follower)
  t.match(restarted.truncatedTail, { reason: 'CRC mismatch' }, 'the corrupt tail was cut and reported')
  t.match(cluster.output(follower), /truncated a torn or corrupt tail/, 'and logged')
  await propose(second, 'd', 200)
  await waitFor(async () => (await cluster.status(follower)).applied === (await cluster.status(second)).applied, 20_000, 'repaired member caught up')
  t.same(await cluster.dump(follower), await cluster.dump(second))
  await checkNothingLost(follower)
})
