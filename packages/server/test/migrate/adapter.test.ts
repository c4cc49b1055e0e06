// The file side of import/export without a JVM: Apache dataDirs laid out here from the codecs'
// own writers (the real files Apache writes are read in apache-round-trip.test.ts).
import t from 'tap'
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { OpCode } from '@zoo/protocol'
import { DataTree, OPEN_ACL_UNSAFE, writeApacheSnapshot, writeApacheTxnLog } from '@zoo/znode'
import type { Txn } from '@zoo/znode'
import { tempDir } from '@zoo/testkit'
import { MigrationError } from '../../src/migrate/apache-dir.js'
import { exportToApache, loadZooDataDir } from '../../src/migrate/export.js'
import { importApacheDataDir } from '../../src/migrate/import.js'

const SESSION = 0x1000001n
const ZXID_BASE = 5n << 32n

/** Txns as an Apache leader of epoch 5 would log them (createSession carries no password). */
function txns(): Txn[] {
  const at = (n: bigint) => ({ clientId: SESSION, cxid: Number(n), zxid: ZXID_BASE + n, time: 1_700_000_000_000n + n })
  return [
    { ...at(1n), body: { type: OpCode.createSession, timeOut: 30_000, passwd: Buffer.alloc(0) } },
    { ...at(2n), body: { type: OpCode.create, path: '/app', data: Buffer.from('v1'), acl: [...OPEN_ACL_UNSAFE], ephemeral: false, parentCVersion: 1 } },
    { ...at(3n), body: { type: OpCode.create, path: '/app/eph', data: null, acl: [...OPEN_ACL_UNSAFE], ephemeral: true, parentCVersion: 1 } },
    { ...at(4n), body: { type: OpCode.setData, path: '/app', data: Buffer.from('v2'), version: 1 } },
  ]
}

const logFile = (list: readonly Txn[]): Buffer => writeApacheTxnLog(list, { paddingBytes: 4096 })

/** An Apache dataDir: a gzip snapshot of the empty tree at the epoch's start, one log, epochs, myid. */
function apacheDataDir(root: string): string {
  const dir = join(root, 'apache')
  mkdirSync(join(dir, 'version-2'), { recursive: true })
  const empty = new DataTree()
  empty.restoreLastZxid(ZXID_BASE)
  writeFileSync(join(dir, 'version-2', `snapshot.${ZXID_BASE.toString(16)}.gz`), gzipSync(Buffer.concat(writeApacheSnapshot(empty))))
  writeFileSync(join(dir, 'version-2', `log.${(ZXID_BASE + 1n).toString(16)}`), logFile(txns()))
  writeFileSync(join(dir, 'version-2', 'currentEpoch'), '5')
  writeFileSync(join(dir, 'version-2', 'acceptedEpoch'), '6')
  writeFileSync(join(dir, 'myid'), '3\n')
  return dir
}

t.test('import lays out a zoo dataDir holding the tree at the last zxid', async (t) => {
  const root = tempDir('zoo-adapter')
  t.teardown(() => root.remove())
  const from = apacheDataDir(root.path)
  const to = join(root.path, 'zoo')
  const report = await importApacheDataDir({ from, to })
  t.equal(report.lastZxid, ZXID_BASE + 4n)
  t.same([report.currentEpoch, report.acceptedEpoch], [5, 6], "Apache's epochs carried")
  t.same([...report.droppedEphemerals], [[SESSION, ['/app/eph']]])
  t.same(readdirSync(to).sort(), ['acceptedEpoch', 'currentEpoch', 'log', 'myid', 'snapshots'])
  t.equal(readFileSync(join(to, 'myid'), 'utf8'), '3\n')
  const tree = await loadZooDataDir(to)
  t.equal(tree.lastProcessedZxid, ZXID_BASE + 4n)
  t.equal(tree.data('/app')?.toString(), 'v2')
  t.equal(tree.stat('/app')?.version, 1)
  t.equal(tree.has('/app/eph'), false)
  t.equal(tree.sessions.size, 0)
  t.same(readdirSync(root.path).filter((n) => n.endsWith('.tmp')), [], 'no temporary directory left')
})

t.test('export, then import of the export, gives the same tree', async (t) => {
  const root = tempDir('zoo-adapter')
  t.teardown(() => root.remove())
  const zoo = join(root.path, 'zoo')
  await importApacheDataDir({ from: apacheDataDir(root.path), to: zoo, keepEphemerals: true })
  const back = join(root.path, 'back')
  const exported = await exportToApache({ from: zoo, to: back })
  t.equal(exported.snapshotFile, `snapshot.${(ZXID_BASE + 4n).toString(16)}`)
  t.equal(exported.sessions, 1, 'the kept session goes back too')
  t.equal(readFileSync(join(back, 'version-2', 'currentEpoch'), 'utf8'), '5')
  const again = join(root.path, 'again')
  const report = await importApacheDataDir({ from: back, to: again, keepEphemerals: true })
  const [first, second] = [await loadZooDataDir(zoo), await loadZooDataDir(again)]
  t.equal(second.digest, first.digest)
  t.equal(second.nodeCount, first.nodeCount)
  t.same(second.stat('/app/eph'), first.stat('/app/eph'))
  t.equal(report.txnsApplied, 0, 'a snapshot alone')
})

t.test('what cannot be imported is refused before anything is written', async (t) => {
  const root = tempDir('zoo-adapter')
  t.teardown(() => root.remove())
  const from = apacheDataDir(root.path)
  const busy = join(root.path, 'busy')
  mkdirSync(busy)
  writeFileSync(join(busy, 'keep-me'), 'x')
  await t.rejects(importApacheDataDir({ from, to: busy }), new MigrationError(`${busy} is not empty: give a new directory (nothing is ever merged into existing data)`))
  t.same(readdirSync(busy), ['keep-me'])
  await t.rejects(importApacheDataDir({ from: busy, to: join(root.path, 'x') }), /has no version-2 directory: not an Apache ZooKeeper dataDir/)
  const noSnapshot = join(root.path, 'no-snapshot')
  mkdirSync(join(noSnapshot, 'version-2'), { recursive: true })
  writeFileSync(join(noSnapshot, 'version-2', 'log.1'), logFile(txns()))
  await t.rejects(importApacheDataDir({ from: noSnapshot, to: join(root.path, 'y') }), /txn logs but no snapshot \(Apache refuses to start on this too\)/)
  // A gap: the log after the snapshot starts two txns late.
  const gap = apacheDataDir(join(root.path, 'gap'))
  writeFileSync(join(gap, 'version-2', `log.${(ZXID_BASE + 1n).toString(16)}`), logFile(txns().slice(2)))
  await t.rejects(importApacheDataDir({ from: gap, to: join(root.path, 'z') }), /the txns between them are in no log/)
  await t.rejects(exportToApache({ from: busy, to: join(root.path, 'w') }), /is not a zoo dataDir/)
  for (const name of ['x', 'y', 'z', 'w']) t.notOk(existsSync(join(root.path, name)), `${name} not created`)
})
