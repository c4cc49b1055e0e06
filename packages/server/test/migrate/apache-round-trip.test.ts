// The migration path end to end with real peers: Apache ZooKeeper 3.8 writes a tree, is stopped,
// its dataDir is imported; `zoo server` on the imported dir serves the same nodes (data, ACL,
// Stat, read through kazoo); the zoo dir is exported and Apache serves the same nodes again.
import t from 'tap'
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fourLetterWord, freePort, spawnTracked, startApacheZooKeeper, tempDir, waitFor } from '@zoo/testkit'
import type { ApacheEnsemble } from '@zoo/testkit'
import { run, zoo } from '../support/cli.js'
import { KAZOO, differences, dump as dumpWith, kazoo, startZoo, timed as timedWith, zooConfig } from './support.js'
import { importApacheDataDir } from '../../src/migrate/import.js'
import { MigrationError } from '../../src/migrate/apache-dir.js'
import { loadZooDataDir } from '../../src/migrate/export.js'

// 100,000 (ZOO_MIGRATE_BULK=100000) takes about 4 minutes on 2 busy cores, most of it kazoo
// reading the tree three times; CI runs 20,000 to stay within its per-file budget.
const BULK_NODES = Number(process.env.ZOO_MIGRATE_BULK ?? 20_000)
/** Nodes the ephemeral's session owns (dropped by a plain import) live under this parent. */
const EPHEMERAL_PARENT = '/eph'
const note = (line: string) => t.comment(line)
const dump = (connect: string, file: string) => dumpWith(note, connect, file)
const timed = <T>(what: string, step: () => Promise<T>) => timedWith(note, what, step)

/**
 * The log file and offset of the last setData of `path` (records: long crc, int length, txn
 * bytes, 'B'; a txn starts with TxnHeader { long clientId, int cxid, long zxid, long time,
 * int type } and a setData's record with its path).
 */
function findSetData(versionDir: string, path: string): { file: string; offset: number; zxid: bigint } {
  let found: { file: string; offset: number; zxid: bigint } | undefined
  for (const name of readdirSync(versionDir).filter((n) => n.startsWith('log.'))) {
    const bytes = readFileSync(join(versionDir, name))
    for (let offset = 16; offset + 12 <= bytes.length; ) {
      const length = bytes.readInt32BE(offset + 8)
      if (length <= 0) break
      const txn = offset + 12
      const type = bytes.readInt32BE(txn + 28)
      const pathLength = bytes.readInt32BE(txn + 32)
      const zxid = bytes.readBigInt64BE(txn + 12)
      if (type === 5 && bytes.toString('utf8', txn + 36, txn + 36 + pathLength) === path && (found === undefined || zxid > found.zxid)) {
        found = { file: join(versionDir, name), offset, zxid }
      }
      offset += 12 + length + 1
    }
  }
  if (found === undefined) throw new Error(`no setData of ${path} in ${versionDir}`)
  return found
}

/**
 * Garbles 16 bytes in the middle of a file. One flipped byte of a compressed snapshot can leave
 * its contents as they were (a snappy copy from another run of the same bytes): neither Apache
 * nor zoo can see that, so it is no corruption.
 */
function damage(bytes: Buffer): void {
  const middle = Math.floor(bytes.length / 2)
  for (let i = middle - 8; i < middle + 8; i++) bytes[i] = (bytes[i] as number) ^ 0x55
}

const work = tempDir('zoo-migrate')
t.teardown(() => work.remove())
let apache: ApacheEnsemble | undefined
t.teardown(async () => apache?.stop())

// Small snapCount: Apache snapshots while the bulk is written, so the import starts from a
// (fuzzy) snapshot and replays txns across several logs.
apache = await startApacheZooKeeper({
  tickTimeMs: 1000,
  config: { snapCount: 40, preAllocSize: 1024 },
  // Snappy-compressed snapshots (snappy-java's stream format), as zookeeper.snapshot.compression.method=snappy writes them.
  systemProperties: { 'zookeeper.snapshot.compression.method': 'snappy' },
})
const member = apache.members[0] as ApacheEnsemble['members'][number]
// 10 s: a loaded machine may delay pings; the --keep-ephemerals case waits this long for expiry.
const holder = spawnTracked('/usr/bin/python3', [KAZOO, 'hold', apache.connectString, '10'])
t.teardown(() => holder.stop(0))
await waitFor(async () => holder.output().includes('ready'), 60_000, 'the ephemeral holder')
await timed(`kazoo writes ${BULK_NODES} bulk nodes and the mix`, () => kazoo(['populate', apache.connectString, String(BULK_NODES)]))
const before = await dump(apache.connectString, join(work.path, 'apache-before.jsonl'))
await apache.kill(member.id)
await holder.stop(0)
// A pristine copy of Apache's files for the failure cases below.
const pristine = join(work.path, 'pristine')
cpSync(member.dataDir, pristine, { recursive: true })

t.test('the dump covers every kind of node', async (t) => {
  t.ok(before.size >= BULK_NODES + 60, `${before.size} nodes`)
  t.ok(before.get('/mix/ttl'), 'a TTL node')
  t.ok(before.get('/mix/container'), 'a container')
  t.equal(before.get('/eph/e')?.stat[7] !== 0, true, 'an ephemeral of an open session')
  t.match(before.get('/mix/digest')?.acl.join(' '), /digest:migrator:/, 'a digest ACL')
  t.match(before.get('/mix/ip')?.acl.join(' '), /ip:127\.0\.0\.1:31/, 'an ip ACL')
  const usage = before.get('/zookeeper/quota/mix/churn/zookeeper_stats')?.data
  t.equal(Buffer.from(usage ?? '', 'hex').toString(), 'count=3,bytes=0', 'a quota whose usage Apache kept')
})

const imported = join(work.path, 'zoo-data')
t.test('zoo import, then zoo server on the same zoo.cfg serves the same tree', async (t) => {
  const result = await timed('zoo import', () => zoo(['import', '--from', member.dataDir, '--to', imported], { timeoutMs: 240_000 }))
  t.equal(result.code, 0, result.stderr)
  t.match(result.stdout, /dropped 1 ephemeral node\(s\) of session 0x[0-9a-f]+: \/eph\/e/)
  t.match(result.stdout, /imported snapshot\.[0-9a-f]+\.snappy \+ \d+ txn\(s\)/)
  t.ok(existsSync(join(imported, 'myid')), 'myid carried over')
  const config = join(work.path, 'zoo.cfg')
  zooConfig(join(member.dataDir, 'zoo.cfg'), imported, config)
  const server = await timed('zoo server start on the imported dir', () => startZoo(config, member.clientPort))
  t.teardown(() => server.stop())
  const after = await dump(`127.0.0.1:${member.clientPort}`, join(work.path, 'zoo.jsonl'))
  t.same(differences(before, after, (p) => p.startsWith(EPHEMERAL_PARENT)), [], 'every node but the dropped ephemeral is equal')
  t.notOk(after.has('/eph/e'), 'the ephemeral is gone')
  const ephParent = after.get(EPHEMERAL_PARENT)?.stat
  t.equal(ephParent?.[9], 0, 'its parent has no children left')
  await server.stop()
})

t.test('zoo export, then Apache loads it and serves the same tree', async (t) => {
  const exported = join(work.path, 'apache-again')
  const result = await timed('zoo export', () => zoo(['export', '--from', imported, '--to', exported], { timeoutMs: 240_000 }))
  t.equal(result.code, 0, result.stderr)
  t.match(result.stdout, /wrote .*version-2\/snapshot\.[0-9a-f]+/)
  rmSync(join(member.dataDir, 'version-2'), { recursive: true })
  cpSync(join(exported, 'version-2'), join(member.dataDir, 'version-2'), { recursive: true })
  await (apache as ApacheEnsemble).start(member.id)
  const zooView = await dump(`127.0.0.1:${member.clientPort}`, join(work.path, 'apache-after.jsonl'))
  t.same(differences(before, zooView, (p) => p.startsWith(EPHEMERAL_PARENT)), [], 'Apache serves what it served before')
  const mntr = await fourLetterWord(member.clientPort, 'mntr')
  t.match(mntr, /zk_digest_mismatches_count\s+0\b/, 'Apache found our digest right')
  await (apache as ApacheEnsemble).kill(member.id)
})

t.test('a torn last record is reported and cut; the txn before it is the last applied', async (t) => {
  const copy = join(work.path, 'torn')
  cpSync(pristine, copy, { recursive: true })
  const version = join(copy, 'version-2')
  const torn = findSetData(version, '/torn')
  const tornZxid = torn.zxid
  // A crash while writing the set of /torn to "after": its end-of-record byte and everything
  // after it never reached the disk (the logs after it were never started).
  const bytes = readFileSync(torn.file)
  bytes.fill(0, torn.offset + 12 + bytes.readInt32BE(torn.offset + 8))
  writeFileSync(torn.file, bytes)
  const startOf = (name: string) => BigInt(`0x${/^\w+\.([0-9a-f]+)/.exec(name)?.[1]}`)
  for (const name of readdirSync(version).filter((n) => n.startsWith('log.') && startOf(n) > tornZxid)) rmSync(join(version, name))
  // A snapshot is fuzzy: one named before the torn txn may still hold its change. Keep only the
  // one Apache wrote at start-up, before any write, so every txn comes from the logs.
  const snapshots = readdirSync(version).filter((n) => n.startsWith('snapshot.'))
  const oldest = snapshots.reduce((a, b) => (startOf(a) <= startOf(b) ? a : b))
  for (const name of snapshots) if (name !== oldest) rmSync(join(version, name))
  const target = join(work.path, 'torn-import')
  const report = await importApacheDataDir({ from: copy, to: target })
  t.equal(report.tails.length, 1, 'one tail reported')
  t.equal(report.tails[0]?.kind, 'torn')
  t.equal(report.lastZxid, tornZxid - 1n, 'the txn before the torn one is the last applied')
  const tree = await loadZooDataDir(target)
  t.equal(tree.data('/torn')?.toString(), 'before', 'the torn setData is not applied')
  t.equal(tree.stat('/torn')?.version, 0)
  t.equal(tree.nodeCount, before.size - 1, 'every other node is there (but the dropped ephemeral)')
})

t.test('a corrupted snapshot is refused with a clear report and nothing is written', async (t) => {
  const copy = join(work.path, 'corrupt')
  cpSync(pristine, copy, { recursive: true })
  const version = join(copy, 'version-2')
  for (const name of readdirSync(version).filter((n) => n.startsWith('snapshot.'))) {
    const file = join(version, name)
    const bytes = readFileSync(file)
    damage(bytes)
    writeFileSync(file, bytes)
  }
  const target = join(work.path, 'corrupt-import')
  await t.rejects(importApacheDataDir({ from: copy, to: target }), MigrationError)
  const result = await zoo(['import', '--from', copy, '--to', target])
  t.equal(result.code, 2)
  t.match(result.stderr, /no snapshot in .* can be loaded:\n\s+snapshot\.[0-9a-f]+\.snappy: snapshot refused \((checksum|malformed)\)/)
  t.match(result.stderr, /nothing was written/)
  t.notOk(existsSync(target), 'no target directory')
  t.same(readdirSync(work.path).filter((n) => n.endsWith('.tmp')), [], 'no temporary directory left')
})

t.test('a corrupted newest snapshot is passed over (as Apache does) and an older one used', async (t) => {
  const copy = join(work.path, 'corrupt-newest')
  cpSync(pristine, copy, { recursive: true })
  const version = join(copy, 'version-2')
  const zxidOf = (name: string) => BigInt(`0x${/^snapshot\.([0-9a-f]+)/.exec(name)?.[1]}`)
  const newest = readdirSync(version).filter((n) => n.startsWith('snapshot.')).reduce((a, b) => (zxidOf(a) >= zxidOf(b) ? a : b))
  const bytes = readFileSync(join(version, newest))
  damage(bytes)
  writeFileSync(join(version, newest), bytes)
  const report = await importApacheDataDir({ from: copy, to: join(work.path, 'corrupt-newest-import') })
  t.same(report.skippedSnapshots.map((s) => s.file), [newest], 'the corrupt one is reported')
  t.not(report.snapshotFile, newest)
  t.equal(report.nodes, before.size - 1, 'the same tree from the older snapshot and more of the log')
})

t.test('txn logs in a separate dataLogDir (--from-log)', async (t) => {
  const dataDir = join(work.path, 'split-data')
  const logDir = join(work.path, 'split-log')
  cpSync(pristine, dataDir, { recursive: true })
  mkdirSync(join(logDir, 'version-2'), { recursive: true })
  for (const name of readdirSync(join(dataDir, 'version-2')).filter((n) => n.startsWith('log.'))) {
    renameSync(join(dataDir, 'version-2', name), join(logDir, 'version-2', name))
  }
  const whole = await importApacheDataDir({ from: pristine, to: join(work.path, 'whole-import') })
  const split = await importApacheDataDir({ from: dataDir, fromLog: logDir, to: join(work.path, 'split-import') })
  t.equal(split.lastZxid, whole.lastZxid)
  t.equal(split.digest, whole.digest)
  t.ok(split.logFiles.length > 0, 'logs read from the dataLogDir')
})

t.test('--keep-ephemerals keeps the session until zoo expires it', async (t) => {
  const target = join(work.path, 'keep')
  const report = await importApacheDataDir({ from: pristine, to: target, keepEphemerals: true })
  t.equal(report.keptSessions.size >= 1, true, 'the open session is kept')
  t.equal(report.droppedEphemerals.size, 0)
  const config = join(work.path, 'keep.cfg')
  const port = await freePort()
  zooConfig(join(pristine, 'zoo.cfg'), target, config)
  writeFileSync(config, readFileSync(config, 'utf8').replace(/^clientPort=.*$/m, `clientPort=${port}`))
  const server = await startZoo(config, port)
  t.teardown(() => server.stop())
  const check = async () => (await run('/usr/bin/python3', ['-c', `from kazoo.client import KazooClient as K; z=K(hosts='127.0.0.1:${port}'); z.start(30); print(z.exists('/eph/e') is not None); z.stop()`])).stdout.trim()
  t.equal(await check(), 'True', 'the ephemeral is served after the import')
  await waitFor(async () => (await check()) === 'False', 60_000, 'zoo to expire the imported session')
  t.pass('expired after its timeout')
})
