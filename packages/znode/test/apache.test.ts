// Apache ZooKeeper's file formats: fixtures are made here with the codecs' own writers and with
// hand-laid log records, and the real files Apache writes are read in @zoo/server's migration test.
import t from 'tap'
import type { Test } from 'tap'
import { JuteWriter, OpCode, Perms, TxnHeader } from '@zoo/protocol'
import {
  ApacheLogError, DataTree, SnapshotError, adler32, apacheSessionPasswd, decodeApacheTxn, digestId, encodeApacheTxn,
  readApacheSnapshot, replayApacheLogs, scanApacheTxnLog, selectApacheLogs, takeOverTree, writeApacheSnapshot, writeApacheTxnLog,
} from '../src/index.js'
import type { ApacheSnapshot, Txn } from '../src/index.js'
import { Driver, S1, S2 } from './support/driver.js'

const OPEN = [{ perms: Perms.ALL, id: { scheme: 'world', id: 'anyone' } }]

/** A driver that keeps every txn it applies, for writing them into a log. */
function recording(): { d: Driver; txns: Txn[]; write: (request: Parameters<Driver['write']>[0], session?: bigint) => void } {
  const d = new Driver()
  const txns: Txn[] = []
  const write = (request: Parameters<Driver['write']>[0], session = S1) => {
    const txn = d.prepare(request, session)
    d.tree.apply(txn)
    txns.push(txn)
  }
  return { d, txns, write }
}

function sample(): ReturnType<typeof recording> {
  const r = recording()
  r.write({ type: OpCode.createSession, timeoutMs: 30_000, passwd: Buffer.alloc(16, 7) }, S1)
  r.write({ type: OpCode.createSession, timeoutMs: 4_000, passwd: Buffer.alloc(16, 9) }, S2)
  r.write({ type: OpCode.create, path: '/a', data: Buffer.from('hello'), acl: OPEN, flags: 0 })
  r.write({ type: OpCode.create, path: '/a/seq-', data: null, acl: OPEN, flags: 2 })
  r.write({ type: OpCode.create, path: '/a/eph', data: Buffer.alloc(0), acl: OPEN, flags: 1 }, S2)
  r.write({ type: OpCode.create, path: '/secret', data: Buffer.from([0, 255, 128]), acl: [{ perms: Perms.ALL, id: { scheme: 'digest', id: digestId('u:p') } }], flags: 0 })
  r.write({ type: OpCode.createContainer, path: '/box', data: null, acl: OPEN, flags: 4 })
  r.write({ type: OpCode.createTTL, path: '/ttl', data: null, acl: OPEN, flags: 5, ttl: 5000n })
  r.write({ type: OpCode.create, path: '/日本', data: Buffer.from('x'), acl: [{ perms: Perms.READ, id: { scheme: 'ip', id: '10.0.0.0/8' } }], flags: 0 })
  r.write({ type: OpCode.setData, path: '/a', data: Buffer.from('bye'), version: 0 })
  r.write({ type: OpCode.setACL, path: '/a', acl: [{ perms: Perms.READ, id: { scheme: 'world', id: 'anyone' } }], version: 0 })
  r.write({ type: OpCode.delete, path: '/a/seq-0000000000', version: -1 })
  return r
}

/** A log file as FileTxnLog writes it, with `paddingBytes` of preallocated zeros. */
const logFile = (txns: readonly Txn[], paddingBytes = 64): Buffer => writeApacheTxnLog(txns, { paddingBytes })

function emptySnapshot(): ApacheSnapshot {
  const tree = new DataTree()
  return readApacheSnapshot(Buffer.concat(writeApacheSnapshot(tree)), 0n)
}

function sameTrees(t: Test, actual: DataTree, expected: DataTree, paths: string[]): void {
  t.equal(actual.digest, expected.digest, 'digest')
  t.equal(actual.nodeCount, expected.nodeCount, 'node count')
  for (const path of paths) {
    t.same(actual.stat(path), expected.stat(path), `${path} stat`)
    t.same(actual.data(path), expected.data(path), `${path} data`)
    t.same(actual.acl(path), expected.acl(path), `${path} acl`)
  }
}
const PATHS = ['/', '/a', '/a/eph', '/secret', '/box', '/ttl', '/日本', '/zookeeper', '/zookeeper/config']

t.test('Adler-32 and session passwords match Java', async (t) => {
  t.equal(adler32(Buffer.from('Wikipedia')), 0x11e60398)
  t.equal(adler32(Buffer.from('pedia'), adler32(Buffer.from('Wiki'))), 0x11e60398, 'continues a running sum')
  const big = Buffer.alloc(100_000)
  for (let i = 0; i < big.length; i++) big[i] = (i * 31 + 7) & 0xff
  t.equal(adler32(big), 1995806735, 'java.util.zip.Adler32 over 100,000 bytes')
  // new java.util.Random(id ^ 0xB3415C00L).nextBytes(new byte[16]), computed with a JDK.
  t.equal(apacheSessionPasswd(0x1000012345678n).toString('hex'), '007804ac6839d526b41e047435626984')
  t.equal(apacheSessionPasswd(-1n).toString('hex'), '20f62cb5648dc2d771471c8a2486a9ee')
  t.equal(apacheSessionPasswd(0x72000a3b5c0001n).toString('hex'), 'f9b542391b872a6329e444d0902cd967')
})

t.test('an Apache snapshot round-trips: nodes, Stats, ACLs, sessions, digest', async (t) => {
  const { d } = sample()
  const bytes = Buffer.concat(writeApacheSnapshot(d.tree))
  const loaded = readApacheSnapshot(bytes, d.tree.lastProcessedZxid)
  sameTrees(t, loaded.tree, d.tree, PATHS)
  t.same([...loaded.sessions], [[S1, 30_000], [S2, 4_000]])
  t.same(loaded.digest, { zxid: d.tree.lastProcessedZxid, digestVersion: 2, digest: d.tree.digest })
  t.same(loaded.tree.containers(), ['/box'])
  t.same(loaded.tree.ttlNodes(), ['/ttl'])
  t.ok(Buffer.concat(writeApacheSnapshot(loaded.tree, { sessions: loaded.sessions })).equals(bytes), 'a loaded snapshot writes the same bytes')
})

t.test('a damaged Apache snapshot is refused with the reason', async (t) => {
  const bytes = Buffer.concat(writeApacheSnapshot(sample().d.tree))
  const reason = (b: Buffer) => {
    try {
      readApacheSnapshot(b, 1n)
      return 'loaded'
    } catch (e) {
      t.ok(e instanceof SnapshotError)
      return (e as SnapshotError).reason
    }
  }
  const flipped = Buffer.from(bytes)
  flipped[200] = (flipped[200] as number) ^ 0x01
  t.not(reason(flipped), 'loaded', 'a flipped byte')
  const data = Buffer.from(bytes)
  data[bytes.indexOf('bye')] ^= 0x20
  t.equal(reason(data), 'checksum', 'a changed data byte fails the Adler-32')
  t.equal(reason(bytes.subarray(0, bytes.length - 40)), 'truncated', 'a cut file')
  const magic = Buffer.from(bytes)
  magic.write('ZKLG', 0, 'latin1')
  t.equal(reason(magic), 'bad-magic')
})

t.test('a log replays onto a snapshot into the same tree', async (t) => {
  const r = sample()
  const scan = scanApacheTxnLog(logFile(r.txns))
  t.equal(scan.tail, undefined, 'the padding is a clean end')
  t.equal(scan.txns.length, r.txns.length)
  t.same(scan.txns[0]?.body, { type: OpCode.createSession, timeOut: 30_000, passwd: apacheSessionPasswd(S1) }, "a session's password is Apache's")
  const snapshot = emptySnapshot()
  const report = replayApacheLogs(snapshot, [{ name: 'log.1', bytes: logFile(r.txns) }])
  t.equal(report.txnsApplied, r.txns.length)
  t.equal(report.lastZxid, r.d.tree.lastProcessedZxid)
  t.ok(report.digestsChecked > 0, 'TxnDigests compared')
  t.same(report.digestMismatches, [])
  sameTrees(t, snapshot.tree, r.d.tree, PATHS)
})

t.test('a torn or corrupt last record is cut and reported; earlier ones are kept', async (t) => {
  const r = sample()
  const good = logFile(r.txns, 0)
  const lastLength = encodeApacheTxn(r.txns.at(-1) as Txn).length
  const lastStart = good.length - (8 + 4 + lastLength + 1)
  const cases: [string, Buffer, 'torn' | 'corrupt'][] = [
    ['no end-of-record byte', Buffer.concat([good.subarray(0, good.length - 1), Buffer.from([0, 1, 2])]), 'torn'],
    ['a record cut short', good.subarray(0, good.length - 5), 'torn'],
    ['a header cut short', good.subarray(0, lastStart + 6), 'torn'],
  ]
  const badSum = Buffer.from(good)
  badSum[lastStart + 20] = (badSum[lastStart + 20] as number) ^ 0xff
  cases.push(['a changed byte', badSum, 'corrupt'])
  for (const [what, bytes, kind] of cases) {
    const scan = scanApacheTxnLog(bytes)
    t.equal(scan.txns.length, r.txns.length - 1, `${what}: earlier records kept`)
    t.equal(scan.tail?.kind, kind, `${what}: ${kind}`)
    t.equal(scan.tail?.offset, lastStart, `${what}: cut where the last record starts`)
  }
  const zeroed = Buffer.concat([good.subarray(0, lastStart), Buffer.alloc(good.length - lastStart)])
  t.equal(scanApacheTxnLog(zeroed).tail, undefined, 'a record that never reached the disk is padding')
  t.throws(() => scanApacheTxnLog(Buffer.from('ZKSN0000000000000000')), ApacheLogError, 'not a log')
})

t.test('replay refuses what Apache refuses: a corrupt record before later logs, missing txns', async (t) => {
  const r = sample()
  const first = logFile(r.txns.slice(0, 6), 0)
  first[40] = (first[40] as number) ^ 0xff
  const rest = logFile(r.txns.slice(6))
  t.throws(() => replayApacheLogs(emptySnapshot(), [{ name: 'log.1', bytes: first }, { name: 'log.7', bytes: rest }]), /log\.1: .*later logs/)
  t.throws(() => replayApacheLogs(emptySnapshot(), [{ name: 'log.1', bytes: logFile(r.txns.slice(0, 3)) }, { name: 'log.5', bytes: logFile(r.txns.slice(4)) }]), /txns between them are in no log/)
})

t.test('a fuzzy snapshot (holding changes after its zxid) replays into the exact tree', async (t) => {
  const r = sample()
  const middle = r.txns[5] as Txn
  // Written after every txn, but named after the sixth: Apache's snapshot is taken while txns apply.
  const fuzzy = readApacheSnapshot(Buffer.concat(writeApacheSnapshot(r.d.tree)), middle.zxid)
  const report = replayApacheLogs(fuzzy, [{ name: 'log.1', bytes: logFile(r.txns) }])
  t.equal(report.txnsApplied, r.txns.length - 6)
  t.equal(report.snapshotDigestMismatch, undefined, "the snapshot's digest (at the last txn) matches once replay reaches it")
  sameTrees(t, fuzzy.tree, r.d.tree, PATHS)
})

t.test("a snapshot digest that disagrees is reported apart from the txns' digests", async (t) => {
  const r = sample()
  const fuzzy = readApacheSnapshot(Buffer.concat(writeApacheSnapshot(r.d.tree)), (r.txns[5] as Txn).zxid)
  // As when a multi was half applied at the moment Apache recorded the digest.
  fuzzy.digest = { ...(fuzzy.digest as NonNullable<typeof fuzzy.digest>), digest: 1n }
  const report = replayApacheLogs(fuzzy, [{ name: 'log.1', bytes: logFile(r.txns) }])
  t.same(report.snapshotDigestMismatch, { zxid: r.d.tree.lastProcessedZxid, expected: 1n, actual: r.d.tree.digest })
  t.same(report.digestMismatches, [])
})

t.test('selectApacheLogs picks the log holding the txn after the snapshot and all later ones', async (t) => {
  t.same(selectApacheLogs([1n, 100n, 200n, 300n], 150n), [100n, 200n, 300n])
  t.same(selectApacheLogs([1n, 100n, 200n], 199n), [100n, 200n])
  t.same(selectApacheLogs([1n, 100n, 200n], 200n), [200n])
  t.same(selectApacheLogs([300n, 100n], 50n), [100n, 300n])
  t.same(selectApacheLogs([], 5n), [])
})

t.test('takeOverTree drops the ephemerals of sessions, or keeps sessions and ephemerals', async (t) => {
  const r = sample()
  const snapshot = emptySnapshot()
  replayApacheLogs(snapshot, [{ name: 'log.1', bytes: logFile(r.txns) }])
  const dropped = takeOverTree(snapshot.tree, { keepEphemerals: false })
  t.same([...dropped.droppedEphemerals], [[S2, ['/a/eph']]])
  t.equal(dropped.tree.has('/a/eph'), false)
  t.equal(dropped.tree.sessions.size, 0)
  t.same(dropped.tree.stat('/a')?.pzxid, snapshot.tree.stat('/a')?.pzxid, "the parent's Stat is kept")
  const kept = takeOverTree(snapshot.tree, { keepEphemerals: true })
  t.equal(kept.tree.has('/a/eph'), true)
  t.same(kept.tree.sessions.get(S2)?.passwd, apacheSessionPasswd(S2))
  t.equal(kept.tree.digest, snapshot.tree.digest)
  t.equal(kept.tree.lastProcessedZxid, snapshot.tree.lastProcessedZxid)
})

t.test('decodeApacheTxn reads reconfig as setData and a closeSession without a record', async (t) => {
  const w = new JuteWriter()
  TxnHeader.encode(w, { clientId: 5n, cxid: 1, zxid: 9n, time: 3n, type: OpCode.closeSession })
  const txn = decodeApacheTxn(Buffer.from(w.toBuffer()))
  t.same(txn.body, { type: OpCode.closeSession, paths2Delete: [] })
  const reconfig = new JuteWriter()
  TxnHeader.encode(reconfig, { clientId: 5n, cxid: 1, zxid: 10n, time: 3n, type: OpCode.reconfig })
  reconfig.ustring('/zookeeper/config')
  reconfig.buffer(Buffer.from('server.1=x'))
  reconfig.int(2)
  t.same(decodeApacheTxn(Buffer.from(reconfig.toBuffer())).body, { type: OpCode.setData, path: '/zookeeper/config', data: Buffer.from('server.1=x'), version: 2 })
})
