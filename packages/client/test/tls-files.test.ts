import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { InvalidOptionsError } from '../src/options.js'
import { readTlsFiles, tlsFromEnvironment } from '../src/tls-files.js'

const dir = mkdtempSync(join(tmpdir(), 'zoo-tls-files-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const file = (name: string, text: string) => {
  writeFileSync(join(dir, name), text)
  return join(dir, name)
}
const ca = file('ca.pem', 'CA')
const store = file('client.pem', 'KEY+CERT')
const cert = file('cert.pem', 'CERT')
const key = file('key.pem', 'KEY')

t.test('files become the tls option; a key store serves as cert and key', async (t) => {
  t.same(readTlsFiles({ ca, keyStore: store, servername: 'zoo' }), { ca: 'CA', cert: 'KEY+CERT', key: 'KEY+CERT', servername: 'zoo' })
  t.same(readTlsFiles({ cert, key }), { cert: 'CERT', key: 'KEY' })
  t.same(readTlsFiles({ cert: store }), { cert: 'KEY+CERT', key: 'KEY+CERT' }, 'a cert file holding the key too')
  t.throws(() => readTlsFiles({ keyStore: store, cert }), InvalidOptionsError)
  t.throws(() => readTlsFiles({ ca: join(dir, 'missing.pem') }), /tls ca .*missing\.pem cannot be read/)
})

t.test('environment: ZOO_TLS_*', async (t) => {
  t.equal(tlsFromEnvironment({}), undefined)
  t.same(tlsFromEnvironment({ ZOO_TLS_CA: ca, ZOO_TLS_CERT: store, ZOO_TLS_SERVERNAME: '' }), { ca: 'CA', cert: 'KEY+CERT', key: 'KEY+CERT' })
})
