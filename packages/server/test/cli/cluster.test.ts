// `zoo cluster up` with three member processes, then the real clients of the issue against it:
// kazoo (with its Lock, Election and Counter recipes), Apache's zkCli.sh, node-zookeeper-client,
// `zoo shell` (delegating to @zoo/shell); then kill -9 of the leader while a client writes.
import t from 'tap'
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient } from '@zoo/client'
import { waitFor } from '@zoo/testkit'
import { clusterStatus } from '../../src/cli/cluster.js'
import { run, zoo } from '../support/cli.js'
import { startWriter } from '../support/writer.js'

// Real processes on a shared 2-core machine: give the file time (each `zoo` run starts Node + tsx).
t.setTimeout(300_000)

const fixtures = fileURLToPath(new URL('../fixtures/clients/', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'zoo-cluster-'))
let base = 0
let up = { code: 1, stdout: '', stderr: '' }
for (let attempt = 0; attempt < 5 && up.code !== 0; attempt++) {
  base = 20000 + Math.floor(Math.random() * 300) * 50
  up = await zoo(['cluster', 'up', '--dir', dir, '--client-port', String(base), '--tick-time', '500'], { timeoutMs: 90_000 })
  if (up.code !== 0 && !/in use/.test(up.stderr)) break
}
t.teardown(async () => {
  await zoo(['cluster', 'down', '--dir', dir, '--purge'])
  rmSync(dir, { recursive: true, force: true })
})
if (up.code !== 0) throw new Error(`zoo cluster up failed:\n${up.stdout}\n${up.stderr}`)
const connectString = [0, 1, 2].map((k) => `127.0.0.1:${base + k}`).join(',')

t.test('cluster up prints the connection string; status shows one leader', async (t) => {
  t.match(up.stdout, connectString)
  const status = await clusterStatus(dir)
  t.same(status.map((m) => m.mode).sort(), ['follower', 'follower', 'leader'])
  const text = await zoo(['cluster', 'status', '--dir', dir])
  t.match(text.stdout, /member 1 .* port \d+ .* (leader|follower)/)
})

t.test('each member\'s admin port answers /status, /metrics and /commands', async (t) => {
  const roles = []
  for (let k = 0; k < 3; k++) {
    const admin = `http://127.0.0.1:${base + 300 + k}`
    const status = (await (await fetch(`${admin}/status`)).json()) as { role: string; serving: boolean; myid: number }
    t.equal(status.myid, k + 1)
    t.equal(status.serving, true)
    roles.push(status.role)
    t.match(await (await fetch(`${admin}/metrics`)).text(), /^znode_count \d+$/m)
    t.match(await (await fetch(`${admin}/commands/monitor`)).json(), { command: 'monitor', error: null, server_state: status.role })
  }
  t.same(roles.sort(), ['follower', 'follower', 'leader'])
})

t.test('kazoo: CRUD, children, watches, multi, Lock, Election, Counter', async (t) => {
  const result = await run('/usr/bin/python3', [join(fixtures, 'kazoo-suite.py'), connectString], { timeoutMs: 60_000 })
  t.equal(result.code, 0, result.stderr)
  t.match(result.stdout, /multi-fail \[RolledBackError\(\), BadVersionError\(\)\]/)
  t.match(result.stdout, /counter 7 7/)
  t.match(result.stdout, /^OK$/m)
})

t.test('zkCli.sh: create, get, ls, stat, set, delete', { skip: !existsSync('/usr/share/zookeeper/bin/zkCli.sh') && 'zkCli.sh is not installed' }, async (t) => {
  const script = await import('node:fs').then((fs) => fs.readFileSync(join(fixtures, 'zkcli-script.txt'), 'utf8'))
  const result = await run('/usr/share/zookeeper/bin/zkCli.sh', ['-server', `127.0.0.1:${base + 1}`], { input: `${script}quit\n`, timeoutMs: 60_000 })
  const out = result.stdout + result.stderr
  t.match(out, /Created \/zkcli/, out)
  t.match(out, /^data1$/m)
  t.match(out, /^\[(.*, )?zkcli, zookeeper\]$/m)
  t.match(out, /^cZxid = 0x[0-9a-f]+$/m)
  t.match(out, /^dataLength = 5$/m)
  t.match(out, /^data2$/m)
  t.match(out, /^\[(?!.*zkcli).*zookeeper\]$/m, 'deleted again')
})

t.test('node-zookeeper-client: every operation it offers', async (t) => {
  const result = await run(process.execPath, [join(fixtures, 'node-zookeeper-client-suite.cjs'), connectString], { timeoutMs: 60_000 })
  t.match(result.stdout, /^OK$/m, result.stdout + result.stderr)
})

t.test('zoo shell runs @zoo/shell (installed in this workspace): one command per run', async (t) => {
  t.equal((await zoo(['shell', connectString, 'create', '/shell', 'hello world'])).stdout, 'Created /shell\n')
  t.equal((await zoo(['shell', connectString, 'get', '/shell'])).stdout, 'hello world\n')
  const missing = await zoo(['shell', connectString, 'get', '/missing'])
  t.equal(missing.code, 1)
  t.match(missing.stderr, /NONODE: \/missing/)
})

t.test('kill -9 the leader while a client writes: no acked write lost, session and ephemeral kept, the member catches up', async (t) => {
  const zk = await createClient(connectString, { sessionTimeoutMs: 10_000 })
  t.teardown(() => zk.close())
  await zk.create('/fo', '')
  await zk.create('/fo/owner', '', { mode: 'ephemeral' })
  const sessionId = zk.sessionId
  const writer = startWriter(zk, '/fo')
  const acked = writer.acked
  await waitFor(async () => acked.length >= 50, 20_000, 'writes before the kill')
  const leader = (await clusterStatus(dir)).find((m) => m.mode === 'leader')
  if (leader === undefined) throw new Error('no leader')
  t.equal((await zoo(['cluster', 'kill', String(leader.id), '--dir', dir])).code, 0)
  const before = acked.length
  await waitFor(async () => acked.length >= before + 50, 30_000, 'writes to resume on the surviving quorum')
  t.equal((await zoo(['cluster', 'start', String(leader.id), '--dir', dir], { timeoutMs: 60_000 })).code, 0)
  await writer.stop()
  const check = await createClient(`127.0.0.1:${base + leader.id - 1}`, { sessionTimeoutMs: 10_000 })
  t.teardown(() => check.close())
  await check.sync('/')
  const children = new Set((await check.getChildren('/fo')).children.map((c) => `/fo/${c}`))
  t.same(acked.filter((p) => !children.has(p)), [], `all ${acked.length} acknowledged writes are on the restarted member`)
  t.ok(children.has('/fo/owner'), 'the ephemeral survived')
  t.equal(zk.sessionId, sessionId, 'same session')
  t.same((await clusterStatus(dir)).map((m) => m.mode).filter((m) => m === 'leader').length, 1)
})
