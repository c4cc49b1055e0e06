import t from 'tap'
import { javaCipherToOpenssl } from '../../src/tls/ciphers.js'
import { parseTlsSettings } from '../../src/tls/settings.js'
import { ConfigError, resolveConfig } from '../../src/config/schema.js'

const parse = (values: Record<string, string>, prefix: 'ssl.' | 'ssl.quorum.' = 'ssl.', required = true) => parseTlsSettings(new Map(Object.entries(values)), prefix, 'zoo.cfg', required)

t.test('Apache defaults: clientAuth need, TLS 1.2-1.3, hostname verification on, 5 s handshake', async (t) => {
  const { settings, issues } = parse({ 'ssl.keyStore.location': '/k.pem' })
  t.same(issues, [])
  t.match(settings, {
    prefix: 'ssl.', keyStore: { location: '/k.pem', type: 'PEM', key: 'ssl.keyStore.location' }, trustStore: undefined, clientAuth: 'need',
    minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3', ciphers: undefined, hostnameVerification: true, clientHostnameVerification: false, handshakeTimeoutMs: 5000,
  })
  t.equal(parse({ 'ssl.quorum.keyStore.location': '/k.pem' }, 'ssl.quorum.').settings?.clientHostnameVerification, true, 'quorum links check the connecting member too')
})

t.test('keys are read per prefix, types from the key or the file extension', async (t) => {
  const values = { 'ssl.keyStore.location': '/client.p12', 'ssl.keyStore.password': 'pw', 'ssl.quorum.keyStore.location': '/q.pem', 'ssl.quorum.clientAuth': 'WANT' }
  t.match(parse(values).settings, { keyStore: { location: '/client.p12', type: 'PKCS12', password: 'pw' }, clientAuth: 'need' })
  t.match(parse(values, 'ssl.quorum.').settings, { keyStore: { location: '/q.pem', type: 'PEM' }, clientAuth: 'want' })
  t.match(parse({ 'ssl.keyStore.location': '/k', 'ssl.keyStore.type': 'pem' }).settings, { keyStore: { type: 'PEM' } })
  t.equal(parse({}, 'ssl.', false).settings, undefined, 'nothing set, nothing needed')
})

t.test('protocols and cipher suites as Apache names them', async (t) => {
  t.match(parse({ 'ssl.keyStore.location': '/k.pem', 'ssl.protocol': 'TLSv1.2' }).settings, { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' })
  t.match(parse({ 'ssl.keyStore.location': '/k.pem', 'ssl.enabledProtocols': 'TLSv1.3' }).settings, { minVersion: 'TLSv1.3', maxVersion: 'TLSv1.3' })
  const ciphers = parse({ 'ssl.keyStore.location': '/k.pem', 'ssl.ciphersuites': 'TLS_ECDHE_ECDSA_WITH_AES_128_GCM_SHA256, TLS_AES_256_GCM_SHA384,ECDHE-RSA-CHACHA20-POLY1305' }).settings?.ciphers
  t.equal(ciphers, 'ECDHE-ECDSA-AES128-GCM-SHA256:TLS_AES_256_GCM_SHA384:ECDHE-RSA-CHACHA20-POLY1305', 'Java names mapped, OpenSSL names kept')
  t.equal(javaCipherToOpenssl('TLS_RSA_WITH_AES_256_CBC_SHA'), 'AES256-SHA')
  t.equal(javaCipherToOpenssl('TLS_DHE_RSA_WITH_CHACHA20_POLY1305_SHA256'), 'DHE-RSA-CHACHA20-POLY1305')
  t.equal(javaCipherToOpenssl('SSL_RSA_WITH_RC4_128_MD5'), undefined)
})

t.test('mistakes are issues naming the key', async (t) => {
  const cases: [Record<string, string>, string, RegExp][] = [
    [{}, 'ssl.keyStore.location', /is not set/],
    [{ 'ssl.keyStore.location': '/k.jks' }, 'ssl.keyStore.type', /JKS stores are not supported/],
    [{ 'ssl.keyStore.location': '/k', 'ssl.keyStore.type': 'BCFKS' }, 'ssl.keyStore.type', /BCFKS/],
    [{ 'ssl.keyStore.location': '/k.bin' }, 'ssl.keyStore.type', /cannot be told from the file name/],
    [{ 'ssl.keyStore.location': '/k.pem', 'ssl.trustStore.location': '/t.p12' }, 'ssl.trustStore.type', /PKCS12 trust stores are not supported/],
    [{ 'ssl.keyStore.location': '/k.pem', 'ssl.clientAuth': 'maybe' }, 'ssl.clientAuth', /none, want or need/],
    [{ 'ssl.keyStore.location': '/k.pem', 'ssl.protocol': 'SSLv3' }, 'ssl.protocol', /TLSv1\.2, TLSv1\.3/],
    [{ 'ssl.keyStore.location': '/k.pem', 'ssl.ciphersuites': 'TLS_ECDHE_RSA_WITH_NOPE' }, 'ssl.ciphersuites', /not a cipher suite/],
    [{ 'ssl.keyStore.location': '/k.pem', 'ssl.crl': 'true' }, 'ssl.crl', /not supported/],
    [{ 'ssl.keyStore.location': '/k.pem', 'ssl.hostnameVerification': 'yes' }, 'ssl.hostnameVerification', /true or false/],
    [{ 'ssl.keyStore.location': '/k.pem', 'ssl.trustStore.password': 'x' }, 'ssl.trustStore.password', /ssl\.trustStore\.location is not/],
  ]
  for (const [values, key, reason] of cases) {
    const { settings, issues } = parse(values)
    t.equal(settings, undefined, key)
    t.match(issues, [{ key, reason }], key)
  }
})

t.test('zoo.cfg: secureClientPort with or without clientPort; serverCnxnFactory ignored', async (t) => {
  const base = { dataDir: '/d', 'ssl.keyStore.location': '/k.pem', 'ssl.trustStore.location': '/ca.pem' }
  const tlsOnly = resolveConfig({ file: 'zoo.cfg', values: new Map(Object.entries({ ...base, secureClientPort: '2281', serverCnxnFactory: 'org.apache.zookeeper.server.NettyServerCnxnFactory' })) })
  t.equal(tlsOnly.config.clientPort, undefined)
  t.equal(tlsOnly.config.secureClientPort, 2281)
  t.match(tlsOnly.config.clientTls, { keyStore: { location: '/k.pem' }, trustStore: { location: '/ca.pem' } })
  t.match(tlsOnly.warnings, [/serverCnxnFactory is ignored/])
  const both = resolveConfig({ file: 'zoo.cfg', values: new Map(Object.entries({ ...base, clientPort: '2181', secureClientPort: '2281', secureClientPortAddress: '127.0.0.1' })) })
  t.match(both.config, { clientPort: 2181, secureClientPort: 2281, secureClientPortAddress: '127.0.0.1' })
  const plainOnly = resolveConfig({ file: 'zoo.cfg', values: new Map(Object.entries({ ...base, clientPort: '2181' })) })
  t.equal(plainOnly.config.clientTls, undefined)
  t.match(plainOnly.warnings, [/secureClientPort is not: the client port stays plain/])
  t.throws(() => resolveConfig({ file: 'zoo.cfg', values: new Map(Object.entries({ dataDir: '/d', secureClientPort: '2281' })) }), new ConfigError('zoo.cfg', [{ key: 'ssl.keyStore.location', reason: 'is not set (a TLS port needs this member\'s key and certificate)' }]))
  t.throws(() => resolveConfig({ file: 'zoo.cfg', values: new Map(Object.entries({ dataDir: '/d' })) }), /clientPort: is not set/)
})
