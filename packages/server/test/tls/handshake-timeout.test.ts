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

t.test('maxClientCnxns counts TLS connections from their TCP accept, before any handshake', async (t) => {
  const server = await startStandalone(t, {
    secureClientPort: '0',
    maxClientCnxns: '2',
    'ssl.keyStore.location': pki.leaf('server', ca).keyStorePath,
    'ssl.trustStore.location': ca.certPath,
  })
  const open = async () => {
    const socket = connect({ host: '127.0.0.1', port: server.secureClientPortNumber! })
    socket.on('error', () => undefined)
    t.teardown(() => void socket.destroy())
    await once(socket, 'connect')
    return socket
  }
  const silent = [await open(), await open()]
  const third = await open()
  const started = Date.now()
  await once(third, 'close')
  t.ok(Date.now() - started < 5_000, 'a third connection that has not even begun its handshake is refused at once')
  t.ok(silent.every((s) => !s.destroyed), 'the two within the limit stay open')
  silent[0]!.destroy()
  await new Promise((resolve) => setTimeout(resolve, 200))
  const fourth = await open()
  const closed = await Promise.race([once(fourth, 'close').then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), 500))])
  t.notOk(closed, 'a slot frees when a connection closes')
})
