// The rolling path as a client lives it: a kazoo client holds a session (and an ephemeral) on
// Apache ZooKeeper; Apache stops; its dataDir is imported with --keep-ephemerals and zoo starts
// on the same port; the client reconnects within its timeout and goes on in the same session.
import t from 'tap'
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { spawnTracked, startApacheZooKeeper, tempDir, waitFor } from '@zoo/testkit'
import type { ApacheEnsemble } from '@zoo/testkit'
import { ZooServer, loadConfig, silentLogger } from '../../src/index.js'
import { run } from '../support/cli.js'
import { importApacheDataDir } from '../../src/migrate/import.js'

const KAZOO = new URL('./kazoo_tree.py', import.meta.url).pathname
/** Apache clamps it to 2..20 ticks: with tickTime 1000, 10 s. */
const SESSION_TIMEOUT_S = 10

const work = tempDir('zoo-session-carry')
t.teardown(() => work.remove())
const apache: ApacheEnsemble = await startApacheZooKeeper({ tickTimeMs: 1000 })
t.teardown(() => apache.stop())
const member = apache.members[0] as ApacheEnsemble['members'][number]
const holder = spawnTracked('/usr/bin/python3', [KAZOO, 'hold', apache.connectString, String(SESSION_TIMEOUT_S), 'resume'])
t.teardown(() => holder.stop(0))

const exists = async (port: number, path: string) => {
  const script = `from kazoo.client import KazooClient as K; z=K(hosts='127.0.0.1:${port}'); z.start(30); print(z.exists('${path}') is not None); z.stop()`
  return (await run('/usr/bin/python3', ['-c', script])).stdout.trim() === 'True'
}

t.test('a client keeps its session and ephemerals across the switch', async (t) => {
  const ready = await waitFor(async () => /ready session (0x[0-9a-f]+)/.exec(holder.output())?.[1], 60_000, 'the kazoo holder')
  await apache.kill(member.id)
  const target = join(work.path, 'zoo-data')
  const report = await importApacheDataDir({ from: member.dataDir, to: target, keepEphemerals: true })
  t.ok(report.keptSessions.has(BigInt(ready)), `session ${ready} carried`)
  const config = join(work.path, 'zoo.cfg')
  writeFileSync(config, `tickTime=1000\ndataDir=${target}\nclientPort=${member.clientPort}\nclientPortAddress=127.0.0.1\nadmin.enableServer=false\n`)
  const server = await ZooServer.start(loadConfig(config).config, { logger: silentLogger })
  t.teardown(() => server.stop())
  await waitFor(async () => holder.output().includes(`created /eph/after in session ${ready}`), 30_000, 'the client to reconnect and write in its session')
  t.notMatch(holder.output(), /state LOST/, 'the session was never lost')
  // Past the session timeout: the session lives on zoo (it pings), so do its ephemerals.
  await new Promise((resolve) => setTimeout(resolve, (SESSION_TIMEOUT_S + 2) * 1000))
  t.ok(await exists(member.clientPort, '/eph/e'), 'the ephemeral made on Apache is still there')
  t.ok(await exists(member.clientPort, '/eph/after'), 'the ephemeral made on zoo is there')
  t.notMatch(holder.output(), /state LOST/)
})
