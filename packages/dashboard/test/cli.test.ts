import { spawn } from 'node:child_process'
import { once } from 'node:events'
import { fileURLToPath } from 'node:url'
import t from 'tap'
import { freePort } from '@zoo/testkit'
import { parseAdminPorts, parseCommandLine, runCli, USAGE } from '../src/cli.js'

t.test('parseCommandLine: flags to options, defaults left to the schema', async (t) => {
  t.same(parseCommandLine(['--connect', '127.0.0.1:2181']), { connect: '127.0.0.1:2181', allowWrites: false, adminPorts: {} })
  t.same(parseCommandLine(['--connect', 'a:1,b:2', '--port', '0', '--host', '::1', '--allow-writes', '--admin-port', '0', '--interval-ms', '500', '--history-minutes', '30']), {
    connect: 'a:1,b:2',
    port: 0,
    host: '::1',
    allowWrites: true,
    adminPort: 0,
    adminPorts: {},
    intervalMs: 500,
    historyMinutes: 30,
  })
  t.equal(parseCommandLine(['--help']), undefined)
  t.throws(() => parseCommandLine([]), /--connect is required/)
  t.throws(() => parseCommandLine(['--connect', 'a:1', '--port', 'eighty']), /--port must be a whole number/)
  t.throws(() => parseCommandLine(['--connect', 'a:1', '--allow-write']), /Unknown option '--allow-write'/)
})

t.test('parseAdminPorts', async (t) => {
  t.same(parseAdminPorts('127.0.0.1:2181=8081, 127.0.0.1:2182=8082'), { '127.0.0.1:2181': 8081, '127.0.0.1:2182': 8082 })
  t.same(parseAdminPorts(undefined), {})
  t.throws(() => parseAdminPorts('127.0.0.1:2181:8081'), /expected <host:clientPort>=<adminPort>/)
})

t.test('runCli prints the URL, and with --allow-writes the token and how the page gets it', async (t) => {
  const out: string[] = []
  const err: string[] = []
  const dashboard = await runCli(['--connect', `127.0.0.1:${await freePort()}`, '--port', '0', '--allow-writes', '--admin-port', '0', '--session-timeout-ms', '2000'], { out: (l) => out.push(l), err: (l) => err.push(l) })
  t.teardown(() => dashboard?.close())
  t.ok(dashboard)
  t.match(out[0], /^zoo-dashboard: http:\/\/127\.0\.0\.1:\d+\/ \(ensemble 127\.0\.0\.1:\d+\)$/)
  t.equal(out[1], `zoo-dashboard: writes are on. Token: ${dashboard!.token}`)
  t.match(out[2], `#token=${dashboard!.token}`)
  t.same(err, [], 'no warning on loopback')
  t.equal(await runCli(['--help'], { out: (l) => out.push(l), err: () => {} }), undefined)
  t.equal(out.at(-1), USAGE)
})

t.test('the zoo-dashboard bin: starts, prints its URL, stops on SIGTERM; a bad flag exits 2 with the usage', async (t) => {
  const bin = fileURLToPath(new URL('../src/bin.ts', import.meta.url))
  const args = ['--import=tsx', '--conditions=zoo-source', bin]
  const child = spawn(process.execPath, [...args, '--connect', `127.0.0.1:${await freePort()}`, '--port', '0', '--admin-port', '0', '--session-timeout-ms', '2000'], { stdio: ['ignore', 'pipe', 'pipe'] })
  t.teardown(() => child.kill('SIGKILL'))
  let stdout = ''
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()))
  await new Promise<void>((resolve) => child.stdout.on('data', () => stdout.includes('read-only') && resolve()))
  const url = /(http:\/\/127\.0\.0\.1:\d+\/)/.exec(stdout)![1]!
  t.equal((await fetch(`${url}api/info`)).status, 200)
  child.kill('SIGTERM')
  const [code] = await once(child, 'exit')
  t.equal(code, 0)
  const bad = spawn(process.execPath, [...args, '--connect', 'a:1', '--port', '99999'], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  bad.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()))
  const [badCode] = await once(bad, 'exit')
  t.equal(badCode, 2)
  t.match(stderr, /port/)
  t.match(stderr, /usage: zoo-dashboard/)
})
