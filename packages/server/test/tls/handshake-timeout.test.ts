// A connection to the secure client port that never completes its TLS handshake is closed at
// ssl.handshakeDetectionTimeoutMillis, not held open.
import t from 'tap'
import { once } from 'node:events'
import { connect } from 'node:net'
import { makeTestPki } from '@zoo/testkit'
import { startStandalone } from '../support/servers.js'

const pki = makeTestPki('zoo-tls-handshake')
t.teardown(pki.remove)
const ca = pki.ca('zoo')

t.test('a silent or stalled TLS handshake is closed at the handshake deadline', async (t) => {
  const server = await startStandalone(t, {
    secureClientPort: '0',
    'ssl.keyStore.location': pki.leaf('server', ca).keyStorePath,
    'ssl.trustStore.location': ca.certPath,
    'ssl.handshakeDetectionTimeoutMillis': '200',
  })
  for (const bytes of [Buffer.alloc(0), Buffer.from([0x16, 0x03, 0x01])]) {
    const socket = connect({ host: '127.0.0.1', port: server.secureClientPortNumber! })
    socket.on('error', () => undefined)
    await once(socket, 'connect')
    if (bytes.length > 0) socket.write(bytes) // the start of a TLS record, then nothing
    const started = Date.now()
    await once(socket, 'close')
    t.ok(Date.now() - started < 5_000, `closed after ${bytes.length} bytes`)
  }
})
