// The `zoo-shell` bin as a user runs it (a child process, from source), against a real 3-member
// zoo cluster: one command per run with its exit status, the interactive prompt on stdin, usage.
import t from 'tap'
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { makeTestPki, startZooCluster } from '@zoo/testkit'

// Real processes on a shared 2-core machine: each run starts Node + tsx.
t.setTimeout(240_000)

const CLI = fileURLToPath(new URL('../src/cli.ts', import.meta.url))

interface RunResult {
  code: number
  stdout: string
  stderr: string
}

async function zooShell(args: string[], input?: string): Promise<RunResult> {
  return await new Promise((resolve) => {
    const child = execFile(process.execPath, ['--import', 'tsx', '--conditions=zoo-source', CLI, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      resolve({ code: error === null ? 0 : typeof error.code === 'number' ? error.code : 1, stdout, stderr })
    })
    child.stdin?.end(input ?? '')
  })
}

t.test('usage: --help answers 0, a missing connect string or an option answers 2', async (t) => {
  const help = await zooShell(['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /^usage: zoo-shell \[--tls-ca <file>\] \[--tls-cert <file>\] \[--tls-key <file>\] <connect-string> \[command\.\.\.\]/)
  t.match(help.stdout, /create \[-e\] \[-s\]/)
  const none = await zooShell([])
  t.equal(none.code, 2)
  t.match(none.stderr, /a connect string is required/)
  t.equal((await zooShell(['--verbose', '127.0.0.1:1'])).code, 2)
})

const cluster = await startZooCluster({ members: 3 })
t.teardown(() => cluster.stop())
const connectString = cluster.connectString

t.test('one command per run, flags after the connect string belong to the command', async (t) => {
  t.match((await zooShell([connectString, 'create', '-e', '-s', '/sh-', 'x'])).stdout, /^Created \/sh-\d{10}$/m)
  t.equal((await zooShell([connectString, 'create', '/shell', 'hello world'])).stdout, 'Created /shell\n')
  t.equal((await zooShell([connectString, 'get', '/shell'])).stdout, 'hello world\n')
  t.match((await zooShell([connectString, 'stat', '/shell'])).stdout, /^dataLength = 11$/m)
  t.match((await zooShell([connectString, 'ls', '/'])).stdout, /shell/)
  const missing = await zooShell([connectString, 'get', '/missing'])
  t.equal(missing.code, 1)
  t.match(missing.stderr, /NONODE: \/missing/)
  t.equal((await zooShell([connectString, 'delete', '/shell'])).code, 0)
})

t.test('without a command: a prompt reading commands from stdin until quit', async (t) => {
  const session = await zooShell([connectString], 'create /typed "two words"\nget /typed\nnot-a-command\ndelete /typed\nquit\nget /typed\n')
  t.equal(session.code, 0)
  t.match(session.stdout, `[zk: ${connectString}] `)
  t.match(session.stdout, /Created \/typed/)
  t.match(session.stdout, /^(\[zk: [^\]]+\] )*two words$/m)
  t.match(session.stderr, /unknown command: not-a-command/)
  t.notMatch(session.stderr, /NONODE/, 'nothing runs after quit')
})

t.test('--tls-ca/--tls-cert: a TLS-only member with client certificates required', async (t) => {
  const pki = makeTestPki('zoo-shell-tls')
  t.teardown(pki.remove)
  const ca = pki.ca('shell')
  const server = pki.leaf('server', ca)
  const client = pki.leaf('operator', ca, { subject: '/O=zoo/CN=operator' })
  const config = { 'ssl.keyStore.location': server.keyStorePath, 'ssl.trustStore.location': ca.certPath, 'ssl.clientAuth': 'need' }
  const member = await startZooCluster({ members: 1, config, tls: { probe: { ca: ca.certPem, cert: client.certPem, key: client.keyPem } } })
  t.teardown(() => member.stop())
  const flags = ['--tls-ca', ca.certPath, '--tls-cert', client.keyStorePath]
  const created = await zooShell([...flags, member.connectString, 'create', '/over-tls', 'yes'])
  t.equal(created.code, 0, created.stderr)
  const got = await zooShell([...flags, member.connectString, 'get', '/over-tls'])
  t.match(got.stdout, /^yes$/m)
  const separate = await zooShell(['--tls-ca', ca.certPath, '--tls-cert', client.certPath, '--tls-key', client.keyPath, member.connectString, 'get', '/over-tls'])
  t.match(separate.stdout, /^yes$/m, 'certificate and key in files of their own')
  const noCert = await zooShell(['--tls-ca', ca.certPath, member.connectString, 'get', '/over-tls'])
  t.equal(noCert.code, 1)
  t.match(noCert.stderr, /TLS connection to 127\.0\.0\.1:\d+.*certificate/, 'the refusal is named')
})
