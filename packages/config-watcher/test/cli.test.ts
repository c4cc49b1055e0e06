// zoo-config get|set|watch against a real server, in-process through runCli (and once through
// the bin, for the exit code and signals).
import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runCli, EXIT } from '../src/cli/index.js'
import { clientFor, clusterFor } from './support/target.js'

const cluster = await clusterFor(t, { members: 1 })
const zk = await clientFor(t, cluster.connectString)
const dir = mkdtempSync(join(tmpdir(), 'zoo-config-cli-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const jsonSchema = join(dir, 'schema.json')
writeFileSync(jsonSchema, JSON.stringify({ type: 'object', properties: { flag: { type: 'boolean' }, limit: { type: 'integer', minimum: 1 } }, required: ['flag', 'limit'], additionalProperties: false }))
const moduleSchema = join(import.meta.dirname, 'fixtures', 'flag-schema.mjs')

async function cli(...argv: string[]) {
  let stdout = ''
  let stderr = ''
  const controller = new AbortController()
  const code = await runCli([...argv, '--connect', cluster.connectString], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) }, signal: controller.signal })
  return { code, stdout, stderr }
}

t.test('set validates before writing; get prints the value and its version', async (t) => {
  const bad = await cli('set', '/cli/a', '{"flag": true, "limit": 0}', '--schema', jsonSchema)
  t.equal(bad.code, EXIT.invalid)
  t.match(bad.stderr, /rejected by the schema/)
  t.equal(await zk.exists('/cli/a'), null, 'nothing written')
  t.equal((await cli('set', '/cli/a', '{"flag": true', '--schema', jsonSchema)).code, EXIT.invalid, 'not JSON')

  const ok = await cli('set', '/cli/a', '{"flag": true, "limit": 5}', '--schema', moduleSchema, '--expected-version', 'absent')
  t.equal(ok.code, EXIT.ok, ok.stderr)
  t.match(ok.stdout, /wrote \/cli\/a: version 0/)
  const got = await cli('get', '/cli/a', '--schema', jsonSchema)
  t.same(JSON.parse(got.stdout), { flag: true, limit: 5 })
  t.match(got.stderr, /version 0 \(czxid 0x/)
  const json = await cli('get', '/cli/a', '--json')
  t.match(JSON.parse(json.stdout), { version: 0, value: { flag: true, limit: 5 } })

  t.equal((await cli('set', '/cli/a', '{"flag": false, "limit": 6}', '--expected-version', '3')).code, EXIT.conflict)
  t.equal((await cli('set', '/cli/a', '{"flag": false, "limit": 6}', '--expected-version', '0')).code, EXIT.ok)
  t.equal((await cli('get', '/cli/missing')).code, EXIT.missing)
  await zk.setData('/cli/a', '{"flag": "x"}')
  const invalid = await cli('get', '/cli/a', '--schema', jsonSchema)
  t.equal(invalid.code, EXIT.invalid)
  t.equal((await cli('set', '/cli/a')).code, EXIT.error, 'no value')
  t.equal((await cli('frobnicate')).code, EXIT.error)
})

t.test('subtree: set writes one child per key, get reads them back', async (t) => {
  t.equal((await cli('set', '/cli/tree', '{"flags": {"beta": true}, "limit": 3}', '--subtree')).code, EXIT.ok)
  t.same((await zk.getChildren('/cli/tree')).children.sort(), ['flags', 'limit'])
  t.same(JSON.parse((await cli('get', '/cli/tree', '--subtree')).stdout), { flags: { beta: true }, limit: 3 })
})

t.test('the bin: watch prints each valid change and rejects, and stops on SIGINT', async (t) => {
  await zk.mkdirp('/cli/w', { data: '{"flag": false, "limit": 1}' })
  const child = spawn(process.execPath, ['--import=tsx', '--conditions=zoo-source', 'src/cli/bin.ts', 'watch', '/cli/w', '--json', '--schema', jsonSchema, '--connect', cluster.connectString], { stdio: ['ignore', 'pipe', 'pipe'] })
  let stdout = ''
  let stderr = ''
  child.stdout.on('data', (c: Buffer) => (stdout += c))
  child.stderr.on('data', (c: Buffer) => (stderr += c))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)))
  t.teardown(() => child.kill('SIGKILL'))
  const until = async (probe: () => boolean) => {
    for (let i = 0; i < 300 && !probe(); i++) await new Promise((r) => setTimeout(r, 50))
  }
  await until(() => stdout.includes('"limit":1'))
  await zk.setData('/cli/w', '{"flag": true, "limit": 0}')
  await until(() => stderr.includes('rejected'))
  await zk.setData('/cli/w', '{"flag": true, "limit": 2}')
  await until(() => stdout.includes('"limit":2'))
  child.kill('SIGINT')
  t.equal(await exited, 0)
  const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { version: number; value: { limit: number } })
  t.same(lines.map((l) => [l.version, l.value.limit]), [[0, 1], [2, 2]])
  t.match(stderr, /rejected: \/cli\/w: rejected by the schema/)
})
