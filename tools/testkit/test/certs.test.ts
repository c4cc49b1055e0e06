import t from 'tap'
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { makeTestPki } from '../src/index.js'

t.test('makeTestPki issues loopback leaves under a CA, and a second CA that did not sign them', async (t) => {
  const pki = makeTestPki()
  t.teardown(pki.remove)
  const ca = pki.ca('cluster')
  const other = pki.ca('stranger')
  const leaf = pki.leaf('member-1', ca)
  const cert = new X509Certificate(leaf.certPem)
  const caCert = new X509Certificate(ca.certPem)
  t.ok(caCert.ca, 'the CA certificate is a CA')
  t.notOk(cert.ca, 'the leaf is not')
  t.ok(cert.checkIssued(caCert) && cert.verify(caCert.publicKey), 'signed by its CA')
  t.notOk(cert.verify(new X509Certificate(other.certPem).publicKey), 'not by the other CA')
  t.equal(cert.checkIP('127.0.0.1'), '127.0.0.1')
  t.equal(cert.checkHost('localhost'), 'localhost')
  t.match(cert.subject, /CN=member-1/)
  t.equal(readFileSync(leaf.keyStorePath, 'utf8'), leaf.keyPem + leaf.certPem, 'key store = key then certificate')
  const named = pki.leaf('elsewhere', ca, { altNames: ['DNS:zoo-2.example'] })
  t.equal(new X509Certificate(named.certPem).checkIP('127.0.0.1'), undefined)
  t.equal(readFileSync(pki.bundle('both', [ca, other]), 'utf8'), ca.certPem + other.certPem)
  t.throws(() => pki.leaf('../escape', ca))
})
