// The console against a TLS-only member (secureClientPort, client certificates required): its
// session and its four-letter-word probes both go over TLS with the console's certificate.
import t from 'tap'
import { makeTestPki, startZooCluster } from '@zoo/testkit'
import { parseCommandLine } from '../src/cli.js'
import { dashboardFor, eventually } from './support/dashboard.js'

t.setTimeout(120_000)

const pki = makeTestPki('zoo-dashboard-tls')
t.teardown(pki.remove)
const ca = pki.ca('dashboard')
const server = pki.leaf('server', ca)
const console_ = pki.leaf('console', ca)
const tls = { ca: ca.certPem, cert: console_.certPem, key: console_.keyPem }
const member = await startZooCluster({
  members: 1,
  config: { 'ssl.keyStore.location': server.keyStorePath, 'ssl.trustStore.location': ca.certPath, 'ssl.clientAuth': 'need' },
  tls: { probe: tls },
})
t.teardown(() => member.stop())

t.test('session and probes over TLS', async (t) => {
  const dashboard = await dashboardFor(t, { connect: member.connectString, adminPort: 0, tls })
  const snapshot = await eventually('the member seen over TLS', 30_000, async () => {
    const s = (await (await fetch(`${dashboard.url}api/ensemble`)).json()) as { members: { role: string; source?: string }[] }
    return s.members[0]?.role === 'standalone' ? s : undefined
  })
  t.equal(snapshot.members.length, 1)
  const root = await fetch(`${dashboard.url}api/node?path=/zookeeper`)
  t.equal(root.status, 200, 'the tree is read through the TLS session')
})

t.test('--tls-ca/--tls-cert become the tls option', async (t) => {
  const options = parseCommandLine(['--connect', member.connectString, '--tls-ca', ca.certPath, '--tls-cert', console_.keyStorePath])
  t.same(options?.tls, { ca: ca.certPem, cert: console_.keyPem + console_.certPem, key: console_.keyPem + console_.certPem })
})
