// The x509 identity must be the string Apache's server derives (X500Principal.getName()), or an
// ACL written for Apache would not match here. Checked against a real JVM on awkward subjects.
import t from 'tap'
import { execFileSync } from 'node:child_process'
import { X509Certificate } from 'node:crypto'
import { fileURLToPath } from 'node:url'
import { makeTestPki } from '@zoo/testkit'
import { decodeOid, escapeValue, subjectRfc2253 } from '../../src/tls/distinguished-name.js'

const JAVA_PROGRAM = fileURLToPath(new URL('../fixtures/java/SubjectName.java', import.meta.url))

t.test('subjects read from DER equal Java\'s X500Principal.getName()', async (t) => {
  const pki = makeTestPki('zoo-dn')
  t.teardown(pki.remove)
  const ca = pki.ca('dn')
  const subjects = [
    '/CN=plain',
    '/C=US/O=zoo/OU=apps/CN=alice',
    // multi-valued RDN, escapes (Java also escapes = and #), leading/trailing spaces, UTF-8,
    // attribute types without an RFC 2253 keyword (printed as OID=#DER), DC and UID keywords
    '/DC=com/DC=example/C=US/ST=Some-State/L= lead, trail /O=a\\/b=c;d "q" <x> #h+OU=unit/CN=Zoë 动物园\\+plus/emailAddress=a@b.c/serialNumber=1234/UID=u1/title=boss',
    '/CN=#start/O=back\\\\slash',
  ]
  const certs = subjects.map((subject, i) => pki.leaf(`dn-${i}`, ca, { subject }))
  const java = execFileSync('java', [JAVA_PROGRAM, ...certs.map((c) => c.certPath)], { encoding: 'utf8' }).trimEnd().split('\n')
  t.equal(java.length, certs.length)
  for (const [i, cert] of certs.entries()) t.equal(subjectRfc2253(new X509Certificate(cert.certPem).raw), java[i], subjects[i])
})

t.test('escaping and OIDs', async (t) => {
  t.equal(escapeValue('a,b+c=d<e>f#g;h"i\\j'), 'a\\,b\\+c\\=d\\<e\\>f\\#g\\;h\\"i\\\\j')
  t.equal(escapeValue('  two  '), '\\ \\ two\\ \\ ')
  t.equal(escapeValue('nul\u0000'), 'nul\\00')
  t.equal(decodeOid(Buffer.from([0x55, 0x04, 0x03])), '2.5.4.3')
  t.equal(decodeOid(Buffer.from([0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x09, 0x01])), '1.2.840.113549.1.9.1')
  t.throws(() => subjectRfc2253(Buffer.from([0x30, 0x05, 0x30])), /DER/, 'truncated input is refused, not misread')
})
