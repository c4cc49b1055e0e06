import t from 'tap'
import { connect } from 'node:net'
import { connect as connectTls } from 'node:tls'
import { once } from 'node:events'
import type { SecureContextOptions } from 'node:tls'
import { makeTestPki, waitFor, type TestCa, type TestCert } from '@zoo/testkit'
import { encodeFrame, PeerTransport, type PeerTlsOptions } from '../../src/transport/index.js'
import { encodeHello, HELLO_BYTES } from '../../src/transport/handshake.js'
import { addresses, connected, HOST, startMember } from './members.js'

const pki = makeTestPki('zoo-peer-tls')
t.teardown(pki.remove)
const clusterCa = pki.ca('cluster')
const strangerCa = pki.ca('stranger')
const cert = (name: string, ca = clusterCa, altNames?: string[]) => pki.leaf(name, ca, altNames === undefined ? {} : { altNames })
const material = (leaf: TestCert, trusted: TestCa[] = [clusterCa]): SecureContextOptions => ({ key: leaf.keyPem, cert: leaf.certPem, ca: trusted.map((ca) => ca.certPem) })
const tlsWith = (m: SecureContextOptions, extra: Partial<PeerTlsOptions> = {}): PeerTlsOptions => ({ material: () => m, ...extra })

const connectedSoon = (transport: PeerTransport, peer: number) => connected(transport, peer, 10_000)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

t.test('members with certificates from the trusted CA link up over TLS and deliver both ways', async (t) => {
  const peers = await addresses([1, 2, 3])
  const members = await Promise.all([1, 2, 3].map((id) => startMember(t, id, peers, { tls: tlsWith(material(cert(`ok-${id}`))) })))
  const [one, two, three] = members as [(typeof members)[0], (typeof members)[0], (typeof members)[0]]
  await Promise.all([connectedSoon(one.transport, 2), connectedSoon(one.transport, 3), connectedSoon(two.transport, 3)])
  for (let i = 0; i < 200; i++) {
    one.transport.send(3, Buffer.from(`1->3 ${i}`))
    three.transport.send(1, Buffer.from(`3->1 ${i}`))
    two.transport.send(1, Buffer.from(`2->1 ${i}`))
  }
  await waitFor(async () => three.inbox.length === 200 && one.inbox.length === 400, 10_000, 'all messages')
  t.same(three.inbox.map((m) => m.text), Array.from({ length: 200 }, (_, i) => `1->3 ${i}`))
  t.same(one.inbox.filter((m) => m.from === 2).map((m) => m.text), Array.from({ length: 200 }, (_, i) => `2->1 ${i}`))
  t.same([...one.warnings, ...two.warnings, ...three.warnings], [])
})

t.test('an accepting member refuses a dialer whose certificate it does not trust; nothing crosses', async (t) => {
  const peers = await addresses([1, 2])
  const one = await startMember(t, 1, peers, { tls: tlsWith(material(cert('good-1'))) })
  // Member 2 trusts the cluster's CA, but its own certificate comes from another one.
  const two = await startMember(t, 2, peers, { tls: tlsWith(material(cert('evil-2', strangerCa), [clusterCa, strangerCa])) })
  two.transport.send(1, Buffer.from('let me in'))
  await waitFor(async () => one.warnings.length > 0 && two.warnings.length > 0, 10_000, 'both ends to report the refusal')
  await sleep(300) // more redials
  t.match(one.warnings[0], /refused a member connection from 127\.0\.0\.1: its certificate CN=evil-2 is not trusted \(\w+\)/)
  t.match(two.warnings[0], /dialing member 1 .*closed before its hello.*trust this member's certificate/)
  t.equal(new Set(two.warnings).size, two.warnings.length, 'a refusal repeated on every redial is reported once')
  t.equal(new Set(one.warnings).size, one.warnings.length, 'on both ends')
  t.notOk(one.transport.isConnected(2))
  t.notOk(two.transport.isConnected(1))
  t.same(one.inbox, [])
  t.equal(two.transport.stats(1).sentFrames, 0, 'the queued frame never left')
})

t.test('a TLS dialer without a certificate is refused before its hello is read', async (t) => {
  const peers = await addresses([1, 2])
  const one = await startMember(t, 1, peers, { tls: tlsWith(material(cert('needs-certs-1'))) })
  const socket = connectTls({ host: HOST, port: peers.get(1)!.port, ca: clusterCa.certPem })
  socket.on('error', () => undefined)
  await once(socket, 'secureConnect')
  socket.write(encodeFrame(encodeHello(2), HELLO_BYTES))
  await once(socket, 'close')
  await waitFor(async () => one.warnings.length > 0, 10_000, 'the refusal')
  t.match(one.warnings[0], /refused a member connection from 127\.0\.0\.1: it presented no certificate/)
  t.notOk(one.transport.isConnected(2))
})

t.test('a dialing member refuses an acceptor whose certificate it does not trust', async (t) => {
  const peers = await addresses([1, 2])
  const one = await startMember(t, 1, peers, { tls: tlsWith(material(cert('evil-1', strangerCa), [clusterCa, strangerCa])) })
  const two = await startMember(t, 2, peers, { tls: tlsWith(material(cert('good-2'))) })
  one.transport.send(2, Buffer.from('secret'))
  await waitFor(async () => two.warnings.length > 0, 10_000, 'the dialer to report the refusal')
  t.match(two.warnings[0], /dialing member 1 .*TLS handshake failed: .*(certificate|verify)/i)
  await waitFor(async () => one.warnings.length > 0, 10_000, 'the refused acceptor to notice')
  t.match(one.warnings[0], /a dialing member hung up during the TLS handshake: does it trust this member's certificate\?/)
  t.notOk(one.transport.isConnected(2))
  t.same(two.inbox, [])
})

t.test('plain TCP and TLS members do not link, and say why', async (t) => {
  const peers = await addresses([1, 2])
  const one = await startMember(t, 1, peers, { tls: tlsWith(material(cert('tls-1'))) })
  const two = await startMember(t, 2, peers) // plain: its hello is refused by member 1's TLS
  await waitFor(async () => one.warnings.length > 0 && two.warnings.length > 0, 10_000, 'refusals')
  t.match(one.warnings[0], /refused a member connection: TLS handshake failed \(wrong version number\): not TLS; does the dialing member use TLS/)
  t.match(two.warnings[0], /closed before its hello.*does it expect TLS/)
  await two.transport.close()
  const peers2 = await addresses([1, 2])
  const plain = await startMember(t, 1, peers2)
  await startMember(t, 2, peers2, { tls: tlsWith(material(cert('tls-2'))) })
  await waitFor(async () => plain.warnings.length > 0, 10_000, 'the plain member to notice TLS')
  t.match(plain.warnings[0], /a TLS connection arrived, but this member does not use TLS between members/)
  t.notOk(plain.transport.isConnected(2))
})

t.test('hostname verification: a certificate must name the member\'s configured host, both ways', async (t) => {
  const elsewhere = cert('elsewhere', clusterCa, ['DNS:zoo-9.example'])
  for (const [label, acceptor, dialer] of [
    ['acceptor', elsewhere, cert('host-2')],
    ['dialer', cert('host-1'), elsewhere],
  ] as const) {
    const peers = await addresses([1, 2])
    const one = await startMember(t, 1, peers, { tls: tlsWith(material(acceptor)) })
    const two = await startMember(t, 2, peers, { tls: tlsWith(material(dialer)) })
    const refuser = label === 'acceptor' ? two : one
    await waitFor(async () => refuser.warnings.length > 0, 10_000, `the ${label}'s certificate to be refused`)
    t.match(refuser.warnings[0], label === 'acceptor' ? /TLS handshake failed: .*(IP|altnames|127\.0\.0\.1)/ : /claiming to be member 2 \(host 127\.0\.0\.1\) was refused/)
    t.notOk(one.transport.isConnected(2), `${label} with a certificate for another host is refused`)
    await Promise.all([one.transport.close(), two.transport.close()])
    // Each side's check has its own switch: off on the side that refused, the same
    // certificates (trusted, wrong name) are enough.
    const peers2 = await addresses([1, 2])
    const acceptorOff = label === 'dialer' ? { clientHostnameVerification: false } : {}
    const dialerOff = label === 'acceptor' ? { hostnameVerification: false } : {}
    const a = await startMember(t, 1, peers2, { tls: tlsWith(material(acceptor), acceptorOff) })
    await startMember(t, 2, peers2, { tls: tlsWith(material(dialer), dialerOff) })
    await connectedSoon(a.transport, 2)
    t.pass(`${label}: connects with ${label === 'dialer' ? 'clientHostnameVerification' : 'hostnameVerification'} false on the refusing side`)
  }
})

t.test('acceptPlain takes plain and TLS members on one port; dials stay TLS', async (t) => {
  const peers = await addresses([1, 2, 3])
  const one = await startMember(t, 1, peers, { tls: tlsWith(material(cert('mixed-1')), { acceptPlain: true }) })
  const two = await startMember(t, 2, peers) // not moved to TLS yet
  const three = await startMember(t, 3, peers, { tls: tlsWith(material(cert('mixed-3'))) })
  await Promise.all([connectedSoon(one.transport, 2), connectedSoon(one.transport, 3)])
  two.transport.send(1, Buffer.from('plain'))
  three.transport.send(1, Buffer.from('tls'))
  await waitFor(async () => one.inbox.length === 2, 10_000, 'both messages')
  t.same(one.inbox.map((m) => m.text).sort(), ['plain', 'tls'])
  // A plain connection is unauthenticated: only the hello's checks apply to it.
  const liar = connect({ host: HOST, port: peers.get(1)!.port })
  liar.on('error', () => undefined)
  await once(liar, 'connect')
  liar.write(encodeFrame(encodeHello(9), HELLO_BYTES))
  await once(liar, 'close')
  t.match(one.warnings.join('\n'), /member 9 is not in this ensemble/)
})

t.test('dialPlain then acceptPlain: the two steps of moving a running ensemble to TLS', async (t) => {
  const step1 = (name: string) => ({ tls: tlsWith(material(cert(name)), { acceptPlain: true, dialPlain: true }) })
  const step2 = (name: string) => ({ tls: tlsWith(material(cert(name)), { acceptPlain: true }) })
  // Step 1 (accept both, dial plain) next to members not yet restarted (plain).
  const peers = await addresses([1, 2, 3])
  const a = await Promise.all([startMember(t, 1, peers, step1('a1')), startMember(t, 2, peers), startMember(t, 3, peers, step1('a3'))])
  await Promise.all([connectedSoon(a[0].transport, 2), connectedSoon(a[0].transport, 3), connectedSoon(a[1].transport, 3)])
  // Step 2 (dial TLS) once every member accepts TLS.
  const peers2 = await addresses([1, 2, 3])
  const b = await Promise.all([startMember(t, 1, peers2, step1('b1')), startMember(t, 2, peers2, step1('b2')), startMember(t, 3, peers2, step2('b3'))])
  await Promise.all([connectedSoon(b[0].transport, 2), connectedSoon(b[0].transport, 3), connectedSoon(b[1].transport, 3)])
  t.same([...a, ...b].flatMap((m) => m.warnings), [])
  t.throws(() => new PeerTransport({ id: 1, peers, listen: peers.get(1)!, tls: tlsWith(material(cert('odd')), { dialPlain: true }) }), RangeError)
})

t.test('a connection that never finishes its TLS handshake is closed at the handshake deadline', async (t) => {
  for (const acceptPlain of [false, true]) {
    const peers = await addresses([1, 2])
    await startMember(t, 1, peers, { handshakeTimeoutMs: 200, tls: tlsWith(material(cert(`slow-${acceptPlain}`)), { acceptPlain }) })
    for (const bytes of [Buffer.alloc(0), Buffer.from([0x16, 0x03, 0x01])]) {
      const socket = connect({ host: HOST, port: peers.get(1)!.port })
      socket.on('error', () => undefined)
      await once(socket, 'connect')
      if (bytes.length > 0) socket.write(bytes) // the start of a TLS record, then nothing
      const started = Date.now()
      await once(socket, 'close')
      t.ok(Date.now() - started < 5_000, `closed (acceptPlain ${acceptPlain}, ${bytes.length} bytes sent)`)
    }
  }
})

t.test('new material applies to the next connections: a member trusted after rotation links up', async (t) => {
  const peers = await addresses([1, 2])
  let oneMaterial = material(cert('rot-1'))
  const one = await startMember(t, 1, peers, { tls: { material: () => oneMaterial } })
  const two = await startMember(t, 2, peers, { tls: tlsWith(material(cert('rot-2', strangerCa), [clusterCa])) })
  await waitFor(async () => one.warnings.length > 0, 10_000, 'the first refusal')
  t.notOk(one.transport.isConnected(2))
  oneMaterial = material(cert('rot-1b'), [clusterCa, strangerCa]) // the other CA joins the trust store
  await connectedSoon(one.transport, 2)
  t.pass('linked after member 1 trusts the second CA')
})
