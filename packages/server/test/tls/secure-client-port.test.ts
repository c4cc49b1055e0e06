// secureClientPort end to end in one process: @zoo/client over TLS, x509 identities in whoAmI
// and ACLs, clientAuth want/need, plain bytes on the TLS port, certificate reload under a live session.
import t from 'tap'
import type { Test } from 'tap'
import { copyFileSync } from 'node:fs'
import { connect as connectTcp } from 'node:net'
import { connect as connectTls } from 'node:tls'
import type { PeerCertificate } from 'node:tls'
import { createClient, ErrorCode, Perms } from '@zoo/client'
import type { ClientOptions, ZooKeeperClient } from '@zoo/client'
import { makeTestPki, waitFor } from '@zoo/testkit'
import type { TestCert } from '@zoo/testkit'
import { ConfigError } from '../../src/config/schema.js'
import type { ZooServer } from '../../src/member/server.js'
import { startStandalone } from '../support/servers.js'

const pki = makeTestPki('zoo-tls-port')
t.teardown(pki.remove)
const ca = pki.ca('zoo')
const stranger = pki.ca('stranger')
const serverCert = pki.leaf('server', ca)
const alice = pki.leaf('alice', ca, { subject: '/C=US/O=zoo/OU=apps/CN=alice' })
const bob = pki.leaf('bob', ca)
const mallory = pki.leaf('mallory', stranger)

const tlsKeys = (clientAuth: string, keyStore = serverCert.keyStorePath) => ({
  secureClientPort: '0',
  'ssl.keyStore.location': keyStore,
  'ssl.keyStore.type': 'PEM',
  'ssl.trustStore.location': ca.certPath,
  'ssl.trustStore.type': 'PEM',
  'ssl.clientAuth': clientAuth,
})

function connector(t: Test, server: ZooServer) {
  return async (cert: TestCert | undefined, options: ClientOptions = {}): Promise<ZooKeeperClient> => {
    const tls = { ca: ca.certPem, ...(cert === undefined ? {} : { cert: cert.certPem, key: cert.keyPem }) }
    const zk = await createClient(`127.0.0.1:${server.secureClientPortNumber}`, { sessionTimeoutMs: 4000, tls, ...options })
    t.teardown(() => zk.close().catch(() => undefined))
    return zk
  }
}

t.test('clientAuth=want: x509 identity for a client with a trusted certificate, none without, refused when untrusted', async (t) => {
  const server = await startStandalone(t, tlsKeys('want'))
  t.not(server.secureClientPortNumber, server.clientPortNumber, 'the plain and TLS ports are both served')
  const client = connector(t, server)
  const a = await client(alice)
  t.same(await a.whoAmI(), [{ scheme: 'ip', user: '127.0.0.1' }, { scheme: 'x509', user: 'CN=alice,OU=apps,O=zoo,C=US' }], 'subject in RFC 2253 order')
  const anonymous = await client(undefined)
  t.same(await anonymous.whoAmI(), [{ scheme: 'ip', user: '127.0.0.1' }], 'no certificate, no x509 id')

  await a.create('/alice-only', 'secret', { acl: [{ perms: Perms.ALL, id: { scheme: 'x509', id: 'CN=alice,OU=apps,O=zoo,C=US' } }] })
  t.equal((await a.getData('/alice-only')).data.toString(), 'secret')
  const b = await client(bob)
  await t.rejects(b.getData('/alice-only'), { code: ErrorCode.NOAUTH }, 'another certificate is another identity')
  await t.rejects(anonymous.getData('/alice-only'), { code: ErrorCode.NOAUTH })
  await a.create('/creator', '', { acl: [{ perms: Perms.ALL, id: { scheme: 'auth', id: '' } }] })
  t.same((await a.getACL('/creator')).acl, [{ perms: Perms.ALL, id: { scheme: 'x509', id: 'CN=alice,OU=apps,O=zoo,C=US' } }], 'auth expands to the x509 id')
  await t.rejects(anonymous.addAuth('x509', ''), { code: ErrorCode.AUTHFAILED }, 'addAuth x509 without a certificate fails')

  await a.create('/shared', 'from TLS')
  const plain = await createClient(`127.0.0.1:${server.clientPortNumber}`, { sessionTimeoutMs: 4000 })
  t.teardown(() => plain.close())
  t.equal((await plain.getData('/shared')).data.toString(), 'from TLS', 'the plain port serves the same tree')
  await t.rejects(plain.getData('/alice-only'), { code: ErrorCode.NOAUTH })

  const error = await client(mallory, { sessionTimeoutMs: 2000 }).catch((e: unknown) => e)
  t.match(error, { code: ErrorCode.CONNECTIONLOSS }, 'an untrusted certificate is refused (Apache: x509 authentication fails, connection closed)')
  t.ok(server.metrics.get('auth_failed_count') >= 2, 'counted as failed authentications (one per attempt, plus addAuth x509)')
})

t.test('clientAuth=need: no certificate or an untrusted one is refused with a clear error', async (t) => {
  const server = await startStandalone(t, tlsKeys('need'))
  const client = connector(t, server)
  t.same((await (await client(bob)).whoAmI()).map((i) => i.scheme), ['ip', 'x509'])
  for (const [what, cert] of [['no certificate', undefined], ['an untrusted certificate', mallory]] as const) {
    const error = (await client(cert, { sessionTimeoutMs: 2000 }).catch((e: unknown) => e)) as Error
    t.match(error, { code: ErrorCode.CONNECTIONLOSS }, what)
    t.match(String((error.cause as Error | undefined)?.message), /last error: TLS connection to 127\.0\.0\.1:\d+.*certificate/i, `${what}: the cause names the TLS refusal`)
  }
})

t.test('plain bytes on the TLS port close that connection only', async (t) => {
  const server = await startStandalone(t, tlsKeys('want'))
  const zk = await connector(t, server)(alice)
  await zk.create('/before', 'x')
  const closed = await new Promise<boolean>((resolve) => {
    const socket = connectTcp({ host: '127.0.0.1', port: server.secureClientPortNumber as number }, () => socket.write(Buffer.from('\x00\x00\x00\x2c\x00\x00\x00\x00ruok-and-garbage-that-is-not-tls')))
    socket.on('error', () => undefined)
    socket.on('close', () => resolve(true))
    socket.on('data', () => undefined)
  })
  t.ok(closed, 'the server closed the plain connection')
  await waitFor(async () => server.metrics.get('unsuccessful_handshake') >= 1, 10_000, 'the failed handshake to be counted')
  const word = await new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = []
    const socket = connectTcp({ host: '127.0.0.1', port: server.secureClientPortNumber as number }, () => socket.end('ruok'))
    socket.on('data', (c) => chunks.push(c))
    socket.on('error', reject)
    socket.on('close', () => resolve(Buffer.concat(chunks).toString()))
  })
  t.equal(word, '', 'a four-letter word in plain text gets no answer on the TLS port')
  t.equal((await zk.getData('/before')).data.toString(), 'x', 'the TLS session carries on')
  t.equal(zk.state, 'connected')
  const again = await connector(t, server)(bob)
  t.ok(await again.exists('/before'), 'new TLS clients are served')
})

t.test('a new certificate is picked up from the key store file without dropping sessions', async (t) => {
  const keyStore = `${pki.dir}/reloading-keystore.pem`
  copyFileSync(serverCert.keyStorePath, keyStore)
  const server = await startStandalone(t, tlsKeys('want', keyStore), { tlsReloadPollIntervalMs: 50 })
  const zk = await connector(t, server)(alice)
  const states: string[] = []
  zk.on('state', (s) => states.push(String(s)))
  const sessionId = zk.sessionId
  const peerCn = () =>
    new Promise<string>((resolve, reject) => {
      const socket = connectTls({ host: '127.0.0.1', port: server.secureClientPortNumber as number, ca: ca.certPem, cert: bob.certPem, key: bob.keyPem }, () => {
        resolve(String((socket.getPeerCertificate() as PeerCertificate).subject.CN))
        socket.destroy()
      })
      socket.on('error', reject)
    })
  t.equal(await peerCn(), 'server')
  const rotated = pki.leaf('server-rotated', ca)
  copyFileSync(rotated.keyStorePath, keyStore)
  await waitFor(async () => (await peerCn()) === 'server-rotated', 10_000, 'new handshakes to present the rotated certificate')
  await zk.create('/after-rotation', 'y')
  t.equal(zk.sessionId, sessionId, 'same session')
  t.same(states, [], 'the live connection was never dropped')
})

t.test('X509AuthenticationProvider.superUser: that certificate\'s sessions are super too', async (t) => {
  const server = await startStandalone(t, { ...tlsKeys('need'), 'X509AuthenticationProvider.superUser': 'CN=alice,OU=apps,O=zoo,C=US' })
  const client = connector(t, server)
  const b = await client(bob)
  await b.create('/bob-only', 'b', { acl: [{ perms: Perms.ALL, id: { scheme: 'x509', id: 'CN=bob' } }] })
  const a = await client(alice)
  t.equal((await a.getData('/bob-only')).data.toString(), 'b', 'the super user reads what only bob may')
  t.same((await a.whoAmI()).map((i) => i.scheme), ['ip', 'super', 'x509'])
  await t.rejects((await client(pki.leaf('carol', ca))).getData('/bob-only'), { code: ErrorCode.NOAUTH })
})

t.test('a member without TLS has no x509 scheme: such ACLs are INVALIDACL, as in Apache', async (t) => {
  const server = await startStandalone(t)
  const zk = await createClient(`127.0.0.1:${server.clientPortNumber}`, { sessionTimeoutMs: 4000 })
  t.teardown(() => zk.close())
  await t.rejects(zk.create('/x509-acl', '', { acl: [{ perms: Perms.ALL, id: { scheme: 'x509', id: 'CN=alice' } }] }), { code: ErrorCode.INVALIDACL })
})

t.test('bad TLS settings stop start-up with the key named', async (t) => {
  const missing = await startStandalone(t, { ...tlsKeys('need'), 'ssl.keyStore.location': `${pki.dir}/missing.pem` }).catch((e: unknown) => e)
  t.type(missing, ConfigError)
  t.match((missing as Error).message, /ssl\.keyStore\.location: .*missing\.pem cannot be read/)
  await t.rejects(startStandalone(t, { ...tlsKeys('need'), 'ssl.keyStore.location': alice.certPath }), /ssl\.keyStore\.location: .* must hold exactly one private key/)
  await t.rejects(startStandalone(t, { ...tlsKeys('need'), 'ssl.keyStore.type': 'JKS' }), /ssl\.keyStore\.type: JKS stores are not supported/)
})
