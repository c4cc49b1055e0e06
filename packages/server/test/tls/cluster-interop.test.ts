// A TLS-only 3-member `zoo cluster up --tls-dir` (ssl.clientAuth=need, a key store per member),
// and the clients of the issue over TLS: @zoo/client (x509 ACLs, whoAmI, a reconnect to another
// member after kill -9 of its own), kazoo with use_ssl, and Apache's Java client (Netty, PEM stores).
import t from 'tap'
import { copyFileSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient, ErrorCode, Perms } from '@zoo/client'
import { makeTestPki, waitFor } from '@zoo/testkit'
import { clusterStatus } from '../../src/cli/cluster.js'
import { run, zoo } from '../support/cli.js'

t.setTimeout(300_000)

const fixtures = fileURLToPath(new URL('../fixtures/', import.meta.url))
const dir = mkdtempSync(join(tmpdir(), 'zoo-tls-cluster-'))
const pki = makeTestPki('zoo-tls-cluster-pki')
const tlsDir = join(dir, 'tls')
mkdirSync(tlsDir)
const ca = pki.ca('cluster')
copyFileSync(ca.certPath, join(tlsDir, 'ca.pem'))
for (const id of [1, 2, 3]) copyFileSync(pki.leaf(`member-${id}`, ca).keyStorePath, join(tlsDir, `member-${id}.pem`))
const alice = pki.leaf('alice', ca, { subject: '/O=zoo/CN=alice' })
const kazoo = pki.leaf('kazoo', ca, { subject: '/O=zoo/CN=kazoo' })
const java = pki.leaf('java', ca, { subject: '/O=zoo/CN=java' })

let base = 0
let up = { code: 1, stdout: '', stderr: '' }
for (let attempt = 0; attempt < 5 && up.code !== 0; attempt++) {
  base = 20000 + Math.floor(Math.random() * 300) * 50
  up = await zoo(['cluster', 'up', '--dir', dir, '--client-port', String(base), '--tick-time', '500', '--tls-dir', tlsDir, '--client-auth', 'need'], { timeoutMs: 90_000 })
  if (up.code !== 0 && !/in use/.test(up.stderr)) break
}
t.teardown(async () => {
  await zoo(['cluster', 'down', '--dir', dir, '--purge'])
  rmSync(dir, { recursive: true, force: true })
  pki.remove()
})
if (up.code !== 0) throw new Error(`zoo cluster up --tls-dir failed:\n${up.stdout}\n${up.stderr}`)
const hosts = [0, 1, 2].map((k) => `127.0.0.1:${base + k}`).join(',')
const tls = { ca: ca.certPem, cert: alice.certPem, key: alice.keyPem }

t.test('cluster up --tls-dir: TLS only, status from the admin ports', async (t) => {
  t.match(up.stdout, /serving over TLS only/)
  t.same((await clusterStatus(dir)).map((m) => m.mode).sort(), ['follower', 'follower', 'leader'])
  const plain = await createClient(hosts, { sessionTimeoutMs: 2000 }).catch((e: unknown) => e)
  t.match(plain, { code: ErrorCode.CONNECTIONLOSS }, 'a plain client gets no session')
})

t.test('@zoo/client: x509 ACLs and whoAmI; the session moves to another member over TLS after kill -9', async (t) => {
  const zk = await createClient(hosts, { sessionTimeoutMs: 10_000, tls })
  t.teardown(() => zk.close())
  t.same((await zk.whoAmI()).find((i) => i.scheme === 'x509'), { scheme: 'x509', user: 'CN=alice,O=zoo' })
  await zk.create('/tls', '')
  await zk.create('/tls/shared', 'for everyone')
  await zk.create('/tls/alice-only', 'a', { acl: [{ perms: Perms.ALL, id: { scheme: 'x509', id: 'CN=alice,O=zoo' } }] })
  const sessionId = zk.sessionId
  const port = Number(zk.connectedHost?.split(':')[1])
  const id = port - base + 1
  const killed = await zoo(['cluster', 'kill', String(id), '--dir', dir])
  t.equal(killed.code, 0, killed.stderr)
  t.teardown(() => zoo(['cluster', 'start', String(id), '--dir', dir], { timeoutMs: 90_000 }))
  await waitFor(async () => zk.state === 'reconnected' && zk.connectedHost !== undefined && zk.connectedHost !== `127.0.0.1:${port}`, 60_000, 'the client to reconnect to another member')
  t.equal(zk.sessionId, sessionId, 'same session')
  t.equal((await zk.getData('/tls/alice-only')).data.toString(), 'a', 'still alice over the new TLS connection')
})

t.test('kazoo with use_ssl: certificate identity in ACLs', async (t) => {
  const result = await run('/usr/bin/python3', [join(fixtures, 'clients/kazoo-tls.py'), hosts, ca.certPath, kazoo.certPath, kazoo.keyPath, 'CN=kazoo,O=zoo'], { timeoutMs: 90_000 })
  t.equal(result.code, 0, result.stderr)
  t.match(result.stdout, /^own from kazoo$/m)
  t.match(result.stdout, /^shared for everyone$/m)
  t.match(result.stdout, /^alice-only NoAuthError$/m)
  t.match(result.stdout, /^acl x509 CN=kazoo,O=zoo 31$/m)
  const zk = await createClient(hosts, { sessionTimeoutMs: 10_000, tls })
  t.teardown(() => zk.close())
  await t.rejects(zk.getData('/tls/kazoo'), { code: ErrorCode.NOAUTH }, 'alice is not kazoo')
})

t.test('Apache Java client: zookeeper.client.secure with PEM stores', async (t) => {
  const properties = {
    'zookeeper.client.secure': 'true',
    'zookeeper.clientCnxnSocket': 'org.apache.zookeeper.ClientCnxnSocketNetty',
    'zookeeper.ssl.trustStore.location': ca.certPath,
    'zookeeper.ssl.trustStore.type': 'PEM',
    'zookeeper.ssl.keyStore.location': java.keyStorePath,
    'zookeeper.ssl.keyStore.type': 'PEM',
  }
  // The Netty client socket needs netty-resolver and netty-codec, which zookeeper.jar's manifest leaves out.
  const classPath = ['zookeeper', 'netty-resolver', 'netty-codec', 'slf4j-simple'].map((jar) => `/usr/share/java/${jar}.jar`).join(':')
  const args = ['-Dorg.slf4j.simpleLogger.defaultLogLevel=warn', ...Object.entries(properties).map(([k, v]) => `-D${k}=${v}`), '-cp', classPath, join(fixtures, 'java/TlsClient.java'), hosts, '/tls/java', 'from java', '/tls/shared']
  const result = await run('java', args, { timeoutMs: 120_000 })
  t.equal(result.code, 0, `${result.stdout}\n${result.stderr}`)
  t.match(result.stdout, /^whoami x509 CN=java,O=zoo$/m)
  t.match(result.stdout, /^read for everyone$/m)
  const zk = await createClient(hosts, { sessionTimeoutMs: 10_000, tls })
  t.teardown(() => zk.close())
  t.equal((await zk.getData('/tls/java')).data.toString(), 'from java')
})
