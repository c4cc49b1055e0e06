// zoo-config over TLS: --tls-ca/--tls-cert against a TLS-only member that requires client certificates.
import t from 'tap'
import { makeTestPki, startZooCluster } from '@zoo/testkit'
import { runCli, EXIT } from '../src/cli/index.js'

const pki = makeTestPki('zoo-config-tls')
t.teardown(pki.remove)
const ca = pki.ca('config')
const server = pki.leaf('server', ca)
const client = pki.leaf('deployer', ca)
const config = { 'ssl.keyStore.location': server.keyStorePath, 'ssl.trustStore.location': ca.certPath, 'ssl.clientAuth': 'need' }
const member = await startZooCluster({ members: 1, config, tls: { probe: { ca: ca.certPem, cert: client.certPem, key: client.keyPem } } })
t.teardown(() => member.stop())

async function cli(...argv: string[]) {
  let stdout = ''
  let stderr = ''
  const code = await runCli([...argv, '--connect', member.connectString], { stdout: { write: (s: string) => (stdout += s) }, stderr: { write: (s: string) => (stderr += s) } })
  return { code, stdout, stderr }
}

t.test('set and get over TLS with a client certificate', async (t) => {
  const tls = ['--tls-ca', ca.certPath, '--tls-cert', client.keyStorePath]
  const set = await cli('set', '/tls-config', '{"limit": 5}', ...tls)
  t.equal(set.code, EXIT.ok, set.stderr)
  const get = await cli('get', '/tls-config', ...tls, '--tls-cert', client.certPath, '--tls-key', client.keyPath)
  t.same(JSON.parse(get.stdout), { limit: 5 }, 'certificate and key in files of their own')
  const missing = await cli('get', '/tls-config', '--tls-ca', `${pki.dir}/nope.pem`)
  t.equal(missing.code, EXIT.error)
  t.match(missing.stderr, /tls ca .*nope\.pem cannot be read/)
})
