// The rolling path for an ensemble: three Apache members (gzip snapshots) are stopped, each member's dataDir is
// imported, and three `zoo server` processes started with the members' own zoo.cfg (dataDir
// changed) and myid elect a leader and serve the tree Apache served.
import t from 'tap'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fourLetterWord, spawnTracked, startApacheZooKeeper, tempDir, waitFor } from '@zoo/testkit'
import type { ApacheEnsemble, Spawned } from '@zoo/testkit'
import { CLI, PACKAGE_DIR, zoo } from '../support/cli.js'
import { differences, dump, kazoo } from './support.js'

const note = (line: string) => t.comment(line)
const work = tempDir('zoo-migrate-ensemble')
t.teardown(() => work.remove())
// gz: Apache's snapshot.compression.method, so the import reads compressed snapshots Apache wrote.
const apache: ApacheEnsemble = await startApacheZooKeeper({
  members: 3,
  tickTimeMs: 1000,
  config: { snapCount: 40 },
  systemProperties: { 'zookeeper.snapshot.compression.method': 'gz' },
})
t.teardown(() => apache.stop())

t.test('each member imported, the zoo ensemble serves the same tree', async (t) => {
  await kazoo(['populate', apache.connectString, '2000'])
  const before = await dump(note, apache.connectString, join(work.path, 'apache.jsonl'))
  for (const member of apache.members) await apache.kill(member.id)
  const servers: Spawned[] = []
  t.teardown(async () => {
    for (const server of servers) await server.stop()
  })
  for (const member of apache.members) {
    const target = join(work.path, `zoo-${member.id}`)
    const result = await zoo(['import', '--from', member.dataDir, '--to', target])
    t.equal(result.code, 0, `member ${member.id}: ${result.stderr}`)
    t.match(result.stdout, /currentEpoch [1-9]\d*, acceptedEpoch [1-9]\d*, myid/, `member ${member.id}: the epochs and myid carried over`)
    t.match(result.stdout, /imported snapshot\.[0-9a-f]+\.gz /, `member ${member.id}: from a gzip snapshot`)
    const config = join(work.path, `zoo-${member.id}.cfg`)
    writeFileSync(config, readFileSync(join(member.dataDir, 'zoo.cfg'), 'utf8').replace(/^dataDir=.*$/m, `dataDir=${target}`))
    servers.push(spawnTracked(process.execPath, ['--import', 'tsx', '--conditions=zoo-source', CLI, 'server', '--config', config], { cwd: PACKAGE_DIR }))
  }
  const mode = async (port: number) => /Mode: (\w+)/.exec(await fourLetterWord(port, 'srvr', '127.0.0.1', 1_000).catch(() => ''))?.[1]
  try {
    await waitFor(async () => {
      const modes = await Promise.all(apache.members.map((m) => mode(m.clientPort)))
      return modes.filter((m) => m === 'leader').length === 1 && modes.filter((m) => m === 'follower').length === 2
    }, 90_000, 'the zoo ensemble to elect a leader')
  } catch (e) {
    throw new Error(`${(e as Error).message}\n${servers.map((s) => s.output().slice(-1500)).join('\n---\n')}`)
  }
  const after = await dump(note, apache.connectString, join(work.path, 'zoo.jsonl'))
  // /zookeeper/config holds each server's view of the ensemble (Apache writes its dynamic config there).
  t.same(differences(before, after, (p) => p === '/zookeeper/config'), [], 'every node equal')
})
