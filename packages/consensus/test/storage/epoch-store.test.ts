import t from 'tap'
import { readdir, readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { tempDir } from '@zoo/testkit'
import { EpochStore } from '../../src/storage/index.js'

function freshDir(t: { teardown: (fn: () => unknown) => void }): string {
  const dir = tempDir('zoo-epochs')
  t.teardown(dir.remove)
  return dir.path
}

t.test('epochs are written as Apache writes them and read back', async (t) => {
  const dir = freshDir(t)
  const store = await EpochStore.open(dir)
  t.same([store.acceptedEpoch, store.currentEpoch], [0, 0])
  await store.update({ acceptedEpoch: 7 })
  await store.update({ currentEpoch: 7 })
  t.equal(await readFile(join(dir, 'acceptedEpoch'), 'utf8'), '7')
  t.equal(await readFile(join(dir, 'currentEpoch'), 'utf8'), '7')
  t.same((await readdir(dir)).sort(), ['acceptedEpoch', 'currentEpoch'], 'no temporary file left behind')
  const reopened = await EpochStore.open(dir)
  t.same([reopened.acceptedEpoch, reopened.currentEpoch], [7, 7])
})

t.test('missing files fall back like Apache: currentEpoch from the log, acceptedEpoch from currentEpoch', async (t) => {
  const dir = freshDir(t)
  const store = await EpochStore.open(dir, { fallbackEpoch: 4 })
  t.same([store.acceptedEpoch, store.currentEpoch], [4, 4])
  t.equal(await readFile(join(dir, 'currentEpoch'), 'utf8'), '4', 'the fallback is persisted')
})

t.test('a leftover temporary file from a crash mid-write is ignored and removed', async (t) => {
  const dir = freshDir(t)
  const store = await EpochStore.open(dir)
  await store.update({ acceptedEpoch: 3, currentEpoch: 2 })
  await writeFile(join(dir, 'acceptedEpoch.tmp'), '9')
  const reopened = await EpochStore.open(dir)
  t.equal(reopened.acceptedEpoch, 3)
  t.notOk((await readdir(dir)).includes('acceptedEpoch.tmp'))
})

t.test('garbage in an epoch file refuses to start', async (t) => {
  const dir = freshDir(t)
  await writeFile(join(dir, 'currentEpoch'), '12x')
  await t.rejects(EpochStore.open(dir), { code: 'CORRUPT_EPOCH' })
  await writeFile(join(dir, 'currentEpoch'), '5')
  await writeFile(join(dir, 'acceptedEpoch'), '4')
  await t.rejects(EpochStore.open(dir), { code: 'CORRUPT_EPOCH', message: /above acceptedEpoch/ })
})

t.test('epochs never go backwards and currentEpoch never passes acceptedEpoch', async (t) => {
  const store = await EpochStore.open(freshDir(t))
  await store.update({ acceptedEpoch: 5, currentEpoch: 5 })
  await t.rejects(store.update({ acceptedEpoch: 4 }), RangeError)
  await t.rejects(store.update({ currentEpoch: 6 }), RangeError)
  await t.rejects(store.update({ acceptedEpoch: 2 ** 32 }), RangeError)
  t.same([store.acceptedEpoch, store.currentEpoch], [5, 5])
})
