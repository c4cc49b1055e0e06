import t from 'tap'
import fc from 'fast-check'
import { appendFile, readFile, stat, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '@zoo/testkit'
import { isStorageError, TxnLog, type TxnRecord } from '../../src/storage/index.js'

const zxid = (epoch: number, counter: number) => (BigInt(epoch) << 32n) | BigInt(counter)
const record = (epoch: number, counter: number, size = 20): TxnRecord => ({
  zxid: zxid(epoch, counter),
  payload: new Uint8Array(size).fill(counter & 0xff),
})
const quiet = () => undefined

function freshDir(t: { teardown: (fn: () => unknown) => void }): string {
  const dir = tempDir('zoo-txnlog')
  t.teardown(dir.remove)
  return dir.path
}

async function openLog(t: { teardown: (fn: () => unknown) => void }, dir: string, options: Parameters<typeof TxnLog.open>[1] = {}): Promise<TxnLog> {
  const log = await TxnLog.open(dir, { logger: quiet, ...options })
  t.teardown(() => log.close())
  return log
}

const zxidsOf = (records: TxnRecord[]) => records.map((r) => r.zxid)

t.test('appended records survive a reopen, across segments', async (t) => {
  const dir = freshDir(t)
  const log = await openLog(t, dir, { segmentBytes: 200 })
  const written = Array.from({ length: 30 }, (_, i) => record(1, i + 1))
  for (let i = 0; i < written.length; i += 3) await log.append(written.slice(i, i + 3))
  t.equal(log.lastZxid, zxid(1, 30))
  t.ok(log.segmentNames.length > 3, 'small segmentBytes rolls segments')
  t.equal(log.segmentNames[0], 'log.0000000100000001', 'segments are named by their first zxid')
  await log.close()

  const reopened = await openLog(t, dir, { segmentBytes: 200 })
  t.equal(reopened.truncatedTail, undefined)
  t.equal(reopened.lastZxid, zxid(1, 30))
  t.same(await reopened.readAll(), written)
  t.same(zxidsOf(await reopened.readAll(zxid(1, 25))), [26, 27, 28, 29, 30].map((c) => zxid(1, c)))
  await reopened.append([record(2, 1)])
  t.equal(reopened.lastZxid, zxid(2, 1))
})

t.test('appends made while a write is in flight share one fsync (group commit)', async (t) => {
  const log = await openLog(t, freshDir(t))
  const calls = Array.from({ length: 100 }, (_, i) => log.append([record(1, i + 1)]))
  await Promise.all(calls)
  t.equal(log.stats.appends, 100)
  t.equal(log.stats.records, 100)
  t.equal(log.stats.fsyncs, 1, 'one write + fsync for 100 appends issued together')

  // Appends issued while the previous group is being written form the next group.
  let next = 101
  const staggered: Promise<void>[] = []
  for (let round = 0; round < 5; round++) {
    for (let i = 0; i < 20; i++) staggered.push(log.append([record(1, next++)]))
    await new Promise((resolve) => setImmediate(resolve))
  }
  await Promise.all(staggered)
  t.ok(log.stats.fsyncs < 1 + 100, `fsyncs ${log.stats.fsyncs} for 200 appends`)
  t.same(zxidsOf(await log.readAll()), Array.from({ length: 200 }, (_, i) => zxid(1, i + 1)), 'call order kept')
})

t.test('zxids must strictly increase', async (t) => {
  const log = await openLog(t, freshDir(t))
  await log.append([record(1, 5)])
  await t.rejects(log.append([record(1, 5)]), { code: 'LOG_ORDER' })
  await t.rejects(log.append([record(1, 7), record(1, 6)]), { code: 'LOG_ORDER' })
  await log.append([record(1, 6)])
  t.equal(log.lastZxid, zxid(1, 6))
})

t.test('a torn last record is truncated at the last good record and reported', async (t) => {
  const dir = freshDir(t)
  const log = await openLog(t, dir)
  await log.append([record(1, 1), record(1, 2)])
  await log.append([record(1, 3), record(1, 4)])
  const file = join(dir, log.segmentNames.at(-1)!)
  await log.close()
  const fullSize = (await stat(file)).size
  await truncate(file, fullSize - 5) // a crash mid-write of the last record

  const reports: Record<string, unknown>[] = []
  const reopened = await openLog(t, dir, { logger: (_message, fields) => reports.push(fields) })
  t.equal(reopened.lastZxid, zxid(1, 3))
  t.match(reopened.truncatedTail, { reason: 'torn record payload', lastGoodZxid: zxid(1, 3), droppedBytes: 36 - 5 })
  t.equal(reports.length, 1, 'the truncation is logged')
  t.equal((await stat(file)).size, fullSize - 36, 'the file is cut at the last good record')
  await reopened.append([record(1, 4)])
  await reopened.close()
  const again = await openLog(t, dir)
  t.equal(again.truncatedTail, undefined, 'nothing to repair the second time')
  t.same(zxidsOf(await again.readAll()), [1, 2, 3, 4].map((c) => zxid(1, c)))
})

t.test('a segment torn inside its header is removed', async (t) => {
  const dir = freshDir(t)
  const log = await openLog(t, dir, { segmentBytes: 64 })
  await log.append([record(1, 1), record(1, 2)])
  await log.append([record(1, 3)])
  t.equal(log.segmentNames.length, 2)
  const last = join(dir, log.segmentNames[1]!)
  await log.close()
  await truncate(last, 3)
  const reopened = await openLog(t, dir, { segmentBytes: 64 })
  t.same(reopened.segmentNames, ['log.0000000100000001'])
  t.equal(reopened.lastZxid, zxid(1, 2))
  t.match(reopened.truncatedTail, { reason: 'torn segment header' })
})

t.test('a zero-filled tail (extended but unwritten file) is truncated', async (t) => {
  const dir = freshDir(t)
  const log = await openLog(t, dir)
  await log.append([record(1, 1)])
  const file = join(dir, log.segmentNames[0]!)
  await log.close()
  await appendFile(file, Buffer.alloc(4096))
  const reopened = await openLog(t, dir)
  t.equal(reopened.lastZxid, zxid(1, 1))
  t.equal(reopened.truncatedTail?.droppedBytes, 4096)
})

async function flipByte(file: string, offset: number): Promise<void> {
  const bytes = await readFile(file)
  bytes[offset] = bytes[offset]! ^ 0x40
  await writeFile(file, bytes)
}

// Each record here is 16 + 20 bytes; the segment header is 8 bytes.
const recordOffset = (index: number) => 8 + index * 36

t.test('a flipped byte in the last batch is a corrupt tail: truncated there', async (t) => {
  const dir = freshDir(t)
  const log = await openLog(t, dir)
  await log.append([record(1, 1), record(1, 2)])
  await log.append([record(1, 3), record(1, 4), record(1, 5)]) // last batch: records 2..4
  const file = join(dir, log.segmentNames[0]!)
  await log.close()
  // Record 3's payload is damaged while record 4 and 5 (same unfsynced batch) are intact:
  // pages of one write reach the disk in any order, so this is still a torn write.
  await flipByte(file, recordOffset(2) + 20)
  const reopened = await openLog(t, dir)
  t.equal(reopened.lastZxid, zxid(1, 2))
  t.match(reopened.truncatedTail, { reason: 'CRC mismatch', offset: recordOffset(2) })
})

t.test('a flipped byte followed by a later durable batch refuses to start', async (t) => {
  const dir = freshDir(t)
  const log = await openLog(t, dir)
  await log.append([record(1, 1), record(1, 2)])
  await log.append([record(1, 3)])
  await log.append([record(1, 4)])
  const file = join(dir, log.segmentNames[0]!)
  await log.close()
  for (const damage of [recordOffset(1) + 20 /* payload */, recordOffset(1) + 5 /* length */, recordOffset(1) /* crc */]) {
    const original = await readFile(file)
    await flipByte(file, damage)
    await t.rejects(TxnLog.open(dir, { logger: quiet }), { code: 'CORRUPT_LOG', message: /refusing to start/ }, `damage at ${damage}`)
    t.equal((await stat(file)).size, original.length, 'nothing was truncated')
    await writeFile(file, original)
  }
})

t.test('a bad record in a segment that is not the last refuses to start', async (t) => {
  const dir = freshDir(t)
  const log = await openLog(t, dir, { segmentBytes: 64 })
  await log.append([record(1, 1), record(1, 2)])
  await log.append([record(1, 3)])
  const first = join(dir, log.segmentNames[0]!)
  await log.close()
  await flipByte(first, recordOffset(1) + 20)
  const error = await TxnLog.open(dir, { logger: quiet }).catch((e: unknown) => e)
  t.ok(isStorageError(error, 'CORRUPT_LOG'), String(error))
})

t.test('truncateAfter cuts records (Zab TRUNC) durably, within and across segments', async (t) => {
  const dir = freshDir(t)
  const log = await openLog(t, dir, { segmentBytes: 100 })
  for (let c = 1; c <= 12; c += 2) await log.append([record(1, c), record(1, c + 1)])
  const segmentsBefore = log.segmentNames.length
  await log.truncateAfter(zxid(1, 7))
  t.equal(log.lastZxid, zxid(1, 7))
  t.ok(log.segmentNames.length < segmentsBefore, 'later segments are deleted')
  await log.append([record(2, 1)]) // the new leader's history continues after the cut
  await log.close()
  const reopened = await openLog(t, dir, { segmentBytes: 100 })
  t.same(zxidsOf(await reopened.readAll()), [...[1, 2, 3, 4, 5, 6, 7].map((c) => zxid(1, c)), zxid(2, 1)])
  await reopened.truncateAfter(0n)
  t.equal(reopened.lastZxid, 0n)
  t.same(reopened.segmentNames, [])
  await reopened.append([record(3, 1)])
  t.same(zxidsOf(await reopened.readAll()), [zxid(3, 1)])
})

t.test('purgeThrough deletes only segments fully covered, never the active one', async (t) => {
  const log = await openLog(t, freshDir(t), { segmentBytes: 40 })
  for (let c = 1; c <= 6; c++) await log.append([record(1, c)])
  t.equal(log.segmentNames.length, 6)
  t.equal(await log.purgeThrough(zxid(1, 3)), 3)
  t.equal(log.firstZxid, zxid(1, 4))
  t.equal(await log.purgeThrough(zxid(1, 100)), 2, 'the active segment stays')
  t.same(zxidsOf(await log.readAll()), [zxid(1, 6)])
})

t.test('a closed log refuses work', async (t) => {
  const log = await openLog(t, freshDir(t))
  await log.close()
  await t.rejects(log.append([record(1, 1)]), { code: 'CLOSED' })
})

t.test('property: a file cut at any byte reopens as exactly the records wholly before the cut', async (t) => {
  const root = freshDir(t)
  let run = 0
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.array(fc.integer({ min: 0, max: 60 }), { minLength: 1, maxLength: 4 }), { minLength: 1, maxLength: 6 }),
      fc.double({ min: 0, max: 1, noNaN: true }),
      async (batches, cutFraction) => {
        const dir = join(root, String(run++))
        const log = await TxnLog.open(dir, { logger: quiet })
        const written: TxnRecord[] = []
        let counter = 1
        for (const sizes of batches) {
          const batch = sizes.map((size) => record(1, counter++, size))
          await log.append(batch)
          written.push(...batch)
        }
        const file = join(dir, log.segmentNames[0]!)
        await log.close()
        const size = (await stat(file)).size
        const cut = Math.floor(8 + cutFraction * (size - 8))
        await truncate(file, cut)
        let end = 8
        const expected = written.filter((r) => (end += 16 + r.payload.length) <= cut)
        const reopened = await TxnLog.open(dir, { logger: quiet })
        const got = await reopened.readAll()
        await reopened.close()
        return got.length === expected.length && got.every((r, i) => r.zxid === expected[i]!.zxid && Buffer.compare(r.payload, expected[i]!.payload) === 0)
      },
    ),
    { numRuns: 60 },
  )
  t.pass('every cut reopened to the right prefix')
})
