import t from 'tap'
import type { Test } from 'tap'
import { execFileSync } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer, connect } from 'node:tls'
import type { AddressInfo } from 'node:net'
import { makeTestPki } from '@zoo/testkit'
import { ConfigError } from '../../src/config/schema.js'
import { loadTlsMaterial, tlsClientOptions, tlsServerOptions } from '../../src/tls/material.js'
import { parseTlsSettings } from '../../src/tls/settings.js'
import type { TlsSettings } from '../../src/tls/settings.js'
import { TlsReloader } from '../../src/tls/reloader.js'

const pki = makeTestPki('zoo-tls-material')
t.teardown(pki.remove)
const ca = pki.ca('material')
const other = pki.ca('other')
const member = pki.leaf('member', ca)
const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] })

function settings(values: Record<string, string>, prefix: 'ssl.' | 'ssl.quorum.' = 'ssl.'): TlsSettings {
  const { settings, issues } = parseTlsSettings(new Map(Object.entries(values)), prefix, 'zoo.cfg', true)
  if (settings === undefined) throw new Error(JSON.stringify(issues))
  return settings
}

function configError(t: Test, fn: () => unknown, key: string, reason: RegExp): void {
  try {
    fn()
    t.fail(`expected a ConfigError for ${key}`)
  } catch (e) {
    t.type(e, ConfigError)
    t.match((e as ConfigError).issues, [{ key, reason }], key)
  }
}

t.test('a PEM key store and a PEM trust store make a working mutual-TLS pair', async (t) => {
  const s = settings({ 'ssl.quorum.keyStore.location': member.keyStorePath, 'ssl.quorum.trustStore.location': pki.bundle('trust', [ca, other]) }, 'ssl.quorum.')
  const material = loadTlsMaterial(s)
  t.equal(material.ca?.length, 2)
  t.match(material.certificate?.subject, /CN=member/)
  t.same(material.files, [member.keyStorePath, `${pki.dir}/trust-bundle.pem`])
  const server = createServer(tlsServerOptions(s, material), (socket) => socket.end(String(socket.authorized)))
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => server.close())
  const answer = await new Promise<string>((resolve, reject) => {
    const socket = connect({ ...tlsClientOptions(s, material), host: '127.0.0.1', port: (server.address() as AddressInfo).port }, () => socket.on('data', (d) => resolve(String(d))))
    socket.on('error', reject)
  })
  t.equal(answer, 'true', 'each side trusted the other')
})

t.test('encrypted keys need the password; PKCS12 key stores load through pfx', async (t) => {
  const encrypted = `${pki.dir}/encrypted-keystore.pem`
  openssl(['pkcs8', '-topk8', '-in', member.keyPath, '-out', `${pki.dir}/enc-key.pem`, '-v2', 'aes-256-cbc', '-passout', 'pass:s3cret'])
  writeFileSync(encrypted, execFileSync('cat', [`${pki.dir}/enc-key.pem`, member.certPath]))
  t.ok(loadTlsMaterial(settings({ 'ssl.keyStore.location': encrypted, 'ssl.keyStore.password': 's3cret' })).key)
  writeFileSync(`${pki.dir}/password.txt`, 's3cret\n')
  t.ok(loadTlsMaterial(settings({ 'ssl.keyStore.location': encrypted, 'ssl.keyStore.passwordPath': `${pki.dir}/password.txt` })).key, 'passwordPath, trailing newline cut')
  configError(t, () => loadTlsMaterial(settings({ 'ssl.keyStore.location': encrypted, 'ssl.keyStore.password': 'wrong' })), 'ssl.keyStore.location', /cannot be read \(wrong or missing ssl\.keyStore\.password\?\)/)
  const p12 = `${pki.dir}/member.p12`
  openssl(['pkcs12', '-export', '-inkey', member.keyPath, '-in', member.certPath, '-out', p12, '-passout', 'pass:pw12'])
  t.ok(loadTlsMaterial(settings({ 'ssl.keyStore.location': p12, 'ssl.keyStore.password': 'pw12' })).pfx)
  configError(t, () => loadTlsMaterial(settings({ 'ssl.keyStore.location': p12, 'ssl.keyStore.password': 'nope' })), 'ssl.keyStore.location', /not a usable PKCS#12 key store/)
})

t.test('stores that do not hold what they should are refused with the key named', async (t) => {
  const mismatched = `${pki.dir}/mismatched.pem`
  writeFileSync(mismatched, pki.leaf('someone', ca).keyPem + member.certPem)
  configError(t, () => loadTlsMaterial(settings({ 'ssl.keyStore.location': mismatched })), 'ssl.keyStore.location', /does not match its first certificate/)
  configError(t, () => loadTlsMaterial(settings({ 'ssl.keyStore.location': member.certPath })), 'ssl.keyStore.location', /exactly one private key/)
  configError(t, () => loadTlsMaterial(settings({ 'ssl.keyStore.location': member.keyPath })), 'ssl.keyStore.location', /holds no CERTIFICATE/)
  configError(t, () => loadTlsMaterial(settings({ 'ssl.keyStore.location': member.keyStorePath, 'ssl.trustStore.location': member.keyPath })), 'ssl.trustStore.location', /holds no CERTIFICATE/)
  configError(t, () => loadTlsMaterial(settings({ 'ssl.keyStore.location': member.keyStorePath, 'ssl.keyStore.passwordPath': '/no/such' })), 'ssl.keyStore.passwordPath', /cannot be read/)
})

t.test('the reloader applies changed files and keeps the old material when a new file is broken', async (t) => {
  const keyStore = `${pki.dir}/rotating.pem`
  writeFileSync(keyStore, member.keyPem + member.certPem)
  const s = settings({ 'ssl.keyStore.location': keyStore })
  const applied: string[] = []
  const warnings: string[] = []
  const reloader = new TlsReloader(s, loadTlsMaterial(s), {
    pollIntervalMs: 20,
    maxRetries: 1,
    apply: (m) => applied.push(String(m.certificate?.subject)),
    log: (level, message) => level === 'warn' && warnings.push(message),
  })
  reloader.start()
  t.teardown(() => reloader.stop())
  writeFileSync(keyStore, 'half a file')
  await waitUntil(() => warnings.length >= 2)
  t.same(applied, [], 'a broken file is never applied')
  const next = pki.leaf('next', ca)
  writeFileSync(keyStore, next.keyPem + next.certPem)
  await waitUntil(() => applied.length === 1)
  t.match(applied[0], /CN=next/)
})

async function waitUntil(done: () => boolean, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}
