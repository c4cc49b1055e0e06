// A member that crashes while it writes a snapshot starts again from its previous snapshot and
// its log, with the tree it had at the crash (the digest in the loaded snapshot checks out).
// The crash is an image of the data directory copied inside the snapshot's iteration, after its
// first chunk reached the temporary file: exactly what a kill at that instant leaves on disk.
import t from 'tap'
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createClient } from '@zoo/client'
import { fourLetterWord, waitFor } from '@zoo/testkit'
import type { ZooServer } from '../../src/member/server.js'
import type { ReplicatedTree } from '../../src/member/state.js'
import { startStandalone } from '../support/servers.js'

const snapshotNames = (dataDir: string) => readdirSync(join(dataDir, 'snapshots'))

/** Runs `onSecondChunk` inside the `nth` snapshot's iteration, before its second chunk. */
function hookSnapshots(server: ZooServer, nth: number, onSecondChunk: () => void): void {
  const state = (server as unknown as { state: ReplicatedTree }).state
  const original = state.snapshot.bind(state)
  let taken = 0
  state.snapshot = () => {
    const chunks = original()
    if (++taken !== nth) return chunks
    return (function* () {
      let n = 0
      for (const chunk of chunks) {
        if (n++ === 1) onSecondChunk()
        yield chunk
      }
    })()
  }
}

t.test('a crash in the middle of a snapshot: the previous snapshot and the log give the tree back', async (t) => {
  // snapCount 400: each snapshot after 200-400 txns; the data makes the tree span several chunks.
  const server = await startStandalone(t, { snapCount: '400' })
  const dataDir = server.config.dataDir
  const image = mkdtempSync(join(tmpdir(), 'zoo-crash-image-'))
  t.teardown(() => rmSync(image, { recursive: true, force: true }))
  let crashedAt: { nodes: number; files: string[] } | undefined
  hookSnapshots(server, 2, () => {
    cpSync(dataDir, image, { recursive: true })
    crashedAt = { nodes: server.status().nodeCount, files: snapshotNames(image) }
  })

  const zk = await createClient(`127.0.0.1:${server.clientPortNumber}`, { sessionTimeoutMs: 10_000 })
  t.teardown(() => zk.close())
  const data = Buffer.alloc(4096, 0x62)
  for (let i = 0; i < 800 && crashedAt === undefined; i += 50) {
    await Promise.all(Array.from({ length: 50 }, (_, k) => zk.create(`/n${i + k}`, data)))
  }
  await waitFor(async () => crashedAt, 20_000, 'the second snapshot to start')
  const image1 = crashedAt as { nodes: number; files: string[] }
  t.equal(image1.files.filter((n) => n.endsWith('.tmp')).length, 1, 'the image holds a half-written snapshot')
  t.equal(image1.files.filter((n) => !n.endsWith('.tmp')).length, 1, 'and the previous one')

  const restarted = await startStandalone(t, { dataDir: image, snapCount: '400' })
  t.notOk(snapshotNames(image).some((n) => n.endsWith('.tmp')), 'start-up removed the temporary file')
  const again = await createClient(`127.0.0.1:${restarted.clientPortNumber}`, { sessionTimeoutMs: 10_000 })
  t.teardown(() => again.close())
  // Creates are applied in the order the session sent them; the log may hold a few more than had
  // been applied at the crash (logged, not yet applied): a prefix of the creates, at least as long.
  const created = (await again.getChildren('/')).children.filter((c) => c.startsWith('n'))
  const applied = image1.nodes - 4
  t.ok(created.length >= applied, `${created.length} znodes back, ${applied} had been applied at the crash`)
  t.same(new Set(created), new Set(Array.from({ length: created.length }, (_, i) => `n${i}`)), 'a prefix of the creates, none missing')
  t.equal(restarted.status().nodeCount, created.length + 4)
  t.same((await again.getData('/n0')).data, data)
  t.match(await fourLetterWord(restarted.clientPortNumber, 'mntr'), /zk_digest_mismatches_count\t0/)
})
