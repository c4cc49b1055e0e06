import t from 'tap'
import { readdir, readFile, truncate, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '@zoo/testkit'
import { SnapshotStore } from '../../src/storage/index.js'

function freshDir(t: { teardown: (fn: () => unknown) => void }): string {
  const dir = tempDir('zoo-snapshots')
  t.teardown(dir.remove)
  return dir.path
}

const bytes = (text: string) => new TextEncoder().encode(text)

t.test('latest() returns the newest snapshot, data intact', async (t) => {
  const dir = freshDir(t)
  const store = await SnapshotStore.open(dir)
  t.equal(await store.latest(), undefined)
  await store.save(0x100000005n, bytes('five'))
  await store.save(0x100000009n, bytes('nine'))
  await store.save(0x100000007n, bytes('seven'))
  t.same(await store.latest(), { zxid: 0x100000009n, data: bytes('nine') })
  t.same(await store.list(), [0x100000009n, 0x100000007n, 0x100000005n])
  t.ok((await readdir(dir)).includes('snapshot.0000000100000009'))
})

t.test('data can be streamed in chunks', async (t) => {
  const store = await SnapshotStore.open(freshDir(t))
  async function* chunks() {
    for (let i = 0; i < 50; i++) yield new Uint8Array(1000).fill(i)
  }
  await store.save(42n, chunks())
  const latest = await store.latest()
  t.equal(latest?.data.length, 50_000)
  t.equal(latest?.data[49_999], 49)
  t.same(await store.read(42n), latest, 'read() gives the saved snapshot back')
  await truncate(join(store.dir, 'snapshot.000000000000002a'), 30_000)
  await t.rejects(store.read(42n), /length mismatch/, 'a file that does not frame right is refused')
})

t.test('a corrupt or truncated newest snapshot is skipped (and logged) for the previous one', async (t) => {
  const dir = freshDir(t)
  const logged: unknown[] = []
  const store = await SnapshotStore.open(dir, { logger: (_m, fields) => logged.push(fields) })
  await store.save(1n, bytes('one'))
  await store.save(2n, bytes('two'))
  const newest = join(dir, 'snapshot.0000000000000002')
  const original = await readFile(newest)
  const flipped = Buffer.from(original)
  flipped[17] = flipped[17]! ^ 1
  await writeFile(newest, flipped)
  t.same(await store.latest(), { zxid: 1n, data: bytes('one') })
  t.match(logged, [{ problem: 'CRC mismatch' }])
  await writeFile(newest, original)
  await truncate(newest, original.length - 3)
  t.same((await store.latest())?.zxid, 1n)
  t.match(logged[1], { problem: /length mismatch/ })
})

t.test('purge keeps the newest N and tells which zxid the log must keep after', async (t) => {
  const dir = freshDir(t)
  const store = await SnapshotStore.open(dir)
  for (const zxid of [10n, 20n, 30n, 40n, 50n]) await store.save(zxid, bytes(String(zxid)))
  t.equal(await store.purge(3), 30n)
  t.same(await store.list(), [50n, 40n, 30n])
  t.equal(await store.purge(5), 30n, 'nothing to delete')
  await t.rejects(store.purge(0), RangeError)
})

t.test('a temporary file left by a crash during save is removed at open', async (t) => {
  const dir = freshDir(t)
  await writeFile(join(dir, 'snapshot.0000000000000003.tmp'), 'half')
  const store = await SnapshotStore.open(dir)
  t.same(await readdir(dir), [])
  t.equal(await store.latest(), undefined)
})
