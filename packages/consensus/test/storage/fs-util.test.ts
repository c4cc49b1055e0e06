import t from 'tap'
import { readdir, readFile } from 'node:fs/promises'
import { tempDir } from '@zoo/testkit'
import { writeFileAtomic } from '../../src/storage/fs-util.js'

t.test('concurrent atomic writes of one file never rename each other away', async (t) => {
  const dir = tempDir('fs-util')
  t.teardown(() => dir.remove())
  // A snapshot received from the leader and a local one at the same zxid can be written at once.
  const writes = Array.from({ length: 8 }, (_, i) => writeFileAtomic(dir.path, 'target', [Buffer.from(`content-${i}`)]))
  await Promise.all(writes)
  t.match(await readFile(`${dir.path}/target`, 'utf8'), /^content-\d$/)
  t.same(await readdir(dir.path), ['target'], 'no temporary left behind')
})
