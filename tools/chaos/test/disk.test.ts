import t from 'tap'
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '@zoo/testkit'
import { apacheLogFormat, cutPoint, damageLogTail, zooLogFormat } from '../src/faults/disk.js'

/** An Apache txn log: header, records (checksum, length, TxnHeader with the zxid 12 bytes in, payload, 'B'), zero padding. */
function apacheLog(zxids: bigint[], padding = 64): Buffer {
  const header = Buffer.alloc(16)
  header.writeUInt32BE(0x5a4b4c47, 0)
  header.writeInt32BE(2, 4)
  const records = zxids.map((zxid) => {
    const txn = Buffer.alloc(40)
    txn.writeBigInt64BE(0x99n, 0) // client id
    txn.writeInt32BE(1, 8) // cxid
    txn.writeBigInt64BE(zxid, 12)
    const record = Buffer.alloc(12 + txn.length + 1)
    record.writeInt32BE(txn.length, 8)
    txn.copy(record, 12)
    record[record.length - 1] = 0x42
    return record
  })
  return Buffer.concat([header, ...records, Buffer.alloc(padding)])
}

function zooLog(zxids: bigint[]): Buffer {
  const header = Buffer.alloc(8)
  header.writeUInt32BE(0x5a54584c, 0)
  header.writeUInt32BE(1, 4)
  const records = zxids.map((zxid, i) => {
    const record = Buffer.alloc(16 + 10)
    record.writeUInt32BE(((i === 0 ? 0x8000_0000 : 0) | 10) >>> 0, 4)
    record.writeBigUInt64BE(zxid, 8)
    return record
  })
  return Buffer.concat([header, ...records])
}

t.test('record boundaries of both formats', async (t) => {
  const apache = apacheLogFormat.records(apacheLog([0x100000001n, 0x100000002n, 0x100000003n]))
  t.same(apache.map((r) => r.zxid), [0x100000001n, 0x100000002n, 0x100000003n])
  t.same(apache.map((r) => [r.start, r.end]), [[16, 69], [69, 122], [122, 175]])
  const torn = apacheLog([1n, 2n], 0).subarray(0, 16 + 53 + 20)
  t.same(apacheLogFormat.records(torn).map((r) => r.zxid), [1n], 'a torn last record is not a record')
  t.same(apacheLogFormat.records(Buffer.from('not a log')), [])
  const zoo = zooLogFormat.records(zooLog([5n, 6n]))
  t.same(zoo.map((r) => [r.start, r.end, r.zxid]), [[8, 34, 5n], [34, 60, 6n]])
})

t.test('a cut lands strictly inside the record', async (t) => {
  const record = { start: 100, end: 110, zxid: 1n }
  t.equal(cutPoint(record, () => 0), 101)
  t.equal(cutPoint(record, () => 0.999999), 109)
  t.throws(() => cutPoint({ start: 5, end: 6, zxid: 1n }, () => 0.5))
})

t.test('damageLogTail cuts the newest record of the newest log, anywhere under the data dir', async (t) => {
  const dir = tempDir('chaos-disk')
  t.teardown(dir.remove)
  mkdirSync(join(dir.path, 'version-2'))
  writeFileSync(join(dir.path, 'version-2', 'log.100000001'), apacheLog([0x100000001n, 0x100000002n]))
  writeFileSync(join(dir.path, 'version-2', 'log.200000001'), apacheLog([0x200000001n, 0x200000002n], 4096))
  writeFileSync(join(dir.path, 'version-2', 'log.300000001'), apacheLog([], 4096))
  const damage = await damageLogTail(dir.path, apacheLogFormat, () => 0.5)
  t.equal(damage.file, join(dir.path, 'version-2', 'log.200000001'))
  t.equal(damage.cutZxid, 0x200000002n)
  t.equal(damage.recordBytes, 53)
  t.equal(damage.keptBytesOfRecord, 1 + Math.floor(0.5 * 52))
  t.equal(statSync(damage.file).size, damage.toBytes)
  t.same(apacheLogFormat.records(readFileSync(damage.file)).map((r) => r.zxid), [0x200000001n], 'the cut record is gone, the one before stays')
  const empty = tempDir('chaos-disk-empty')
  t.teardown(empty.remove)
  writeFileSync(join(empty.path, 'log.1'), apacheLog([]))
  await t.rejects(damageLogTail(empty.path, apacheLogFormat, () => 0.5), /no Apache ZooKeeper txn log record/)
})
