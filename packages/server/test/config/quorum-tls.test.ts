// sslQuorum / portUnification / ssl.quorum.*: what a member accepts at start, and what it refuses
// naming the key (in the config, and when the stores are read at start-up).
import t from 'tap'
import type { Test } from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, makeTestPki } from '@zoo/testkit'
import { ConfigError, resolveConfig } from '../../src/config/schema.js'
import { ZooServer } from '../../src/member/server.js'
import { silentLogger } from '../../src/log.js'

const pki = makeTestPki('zoo-quorum-tls-config')
t.teardown(pki.remove)
const ca = pki.ca('ensemble')
const leaf = pki.leaf('member-1', ca)

const base = {
  dataDir: '/d', clientPort: '2181', initLimit: '10', syncLimit: '5', myid: '1',
  'server.1': '127.0.0.1:2888:3888', 'server.2': '127.0.0.1:2889:3889', 'server.3': '127.0.0.1:2890:3890',
}
const stores = {
  'ssl.quorum.keyStore.location': leaf.keyStorePath, 'ssl.quorum.keyStore.type': 'PEM',
  'ssl.quorum.trustStore.location': ca.certPath, 'ssl.quorum.trustStore.type': 'PEM',
}
const resolve = (values: Record<string, string>) => resolveConfig({ file: 'zoo.cfg', values: new Map(Object.entries({ ...base, ...values })) })

function issuesOf(t: Test, values: Record<string, string>): string[] {
  try {
    resolve(values)
  } catch (e) {
    t.type(e, ConfigError)
    return (e as ConfigError).issues.map((i) => `${i.key}: ${i.reason}`)
  }
  t.fail('expected a ConfigError')
  return []
}

t.test('sslQuorum=true with both stores: members dial and accept TLS only', async (t) => {
  const { config, warnings } = resolve({ sslQuorum: 'true', ...stores })
  t.same(warnings, [])
  t.match(config.quorumTls, { dialTls: true, acceptPlain: false, settings: { clientAuth: 'need', hostnameVerification: true, clientHostnameVerification: true } })
  t.equal(resolve({}).config.quorumTls, undefined, 'plain TCP by default')
})

t.test('sslQuorum=true refuses a config without this member\'s certificate or the CAs, or with optional client auth', async (t) => {
  const { 'ssl.quorum.keyStore.location': _k, 'ssl.quorum.keyStore.type': _kt, ...noKeyStore } = stores
  t.match(issuesOf(t, { sslQuorum: 'true', ...noKeyStore }), [/^ssl\.quorum\.keyStore\.location: is not set/])
  const { 'ssl.quorum.trustStore.location': _tl, 'ssl.quorum.trustStore.type': _tt, ...noTrustStore } = stores
  t.match(issuesOf(t, { sslQuorum: 'true', ...noTrustStore }), [/^ssl\.quorum\.trustStore\.location: is not set .*public roots are never trusted/])
  t.match(issuesOf(t, { sslQuorum: 'true', ...stores, 'ssl.quorum.clientAuth': 'want' }), [/^ssl\.quorum\.clientAuth: is want, but members always require/])
  t.match(issuesOf(t, { sslQuorum: 'yes', ...stores }), [/^sslQuorum: must be true or false/])
  t.match(issuesOf(t, { portUnification: 'true' }), [/^ssl\.quorum\.keyStore\.location: is not set/], 'portUnification needs the stores too')
})

t.test('portUnification: the two steps of a rolling move, each warned about', async (t) => {
  const step1 = resolve({ portUnification: 'true', ...stores })
  t.match(step1.config.quorumTls, { dialTls: false, acceptPlain: true })
  t.match(step1.warnings.join('\n'), /portUnification=true: the quorum port also takes plain connections/)
  const step2 = resolve({ portUnification: 'true', sslQuorum: 'true', ...stores })
  t.match(step2.config.quorumTls, { dialTls: true, acceptPlain: true })
})

t.test('ssl.quorum.* keys without sslQuorum, and sslQuorumReloadCertFiles, are warned about', async (t) => {
  const { config, warnings } = resolve({ ...stores, sslQuorumReloadCertFiles: 'true' })
  t.equal(config.quorumTls, undefined)
  t.match(warnings.join('\n'), /ssl\.quorum\.\* keys are set but sslQuorum is not: links between members stay plain/)
  t.match(warnings.join('\n'), /sslQuorumReloadCertFiles is ignored: member certificates are always reloaded/)
})

t.test('a key store that cannot be used stops the member at start, naming the key', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'zoo-quorum-tls-start-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const broken = join(dir, 'broken.pem')
  writeFileSync(broken, leaf.certPem) // a certificate without its key
  const { config } = resolveConfig({
    file: 'zoo.cfg',
    values: new Map(Object.entries({
      ...base, ...stores, sslQuorum: 'true', dataDir: dir, clientPort: String(await freePort()), clientPortAddress: '127.0.0.1', 'admin.enableServer': 'false',
      'server.1': `127.0.0.1:${await freePort()}:${await freePort()}`, 'ssl.quorum.keyStore.location': broken,
    })),
  })
  const error = await ZooServer.start(config, { logger: silentLogger }).then(
    () => undefined,
    (e: unknown) => e,
  )
  t.type(error, ConfigError)
  t.match((error as ConfigError).issues, [{ key: 'ssl.quorum.keyStore.location', reason: /must hold exactly one private key/ }])
})
