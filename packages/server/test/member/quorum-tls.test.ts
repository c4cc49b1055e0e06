// A real 3-process zoo cluster whose members talk TLS to each other (sslQuorum=true, each with
// its own certificate from one CA): it elects, replicates, survives kill -9 of its leader, and a
// member presenting a certificate from another CA never joins, while the rest keep serving.
import t from 'tap'
import { copyFileSync } from 'node:fs'
import { createClient } from '@zoo/client'
import type { ZooKeeperClient } from '@zoo/client'
import { makeTestPki, startZooCluster, waitFor } from '@zoo/testkit'

const pki = makeTestPki('zoo-quorum-tls')
t.teardown(pki.remove)
const ca = pki.ca('ensemble')
const stranger = pki.ca('stranger')
const certs = new Map([1, 2, 3].map((id) => [id, pki.leaf(`member-${id}`, ca)]))
// Trusts the ensemble's CA, but its own certificate was signed by a CA the ensemble does not trust.
const untrusted = pki.leaf('untrusted', stranger)

const cluster = await startZooCluster({
  members: 3,
  tickTimeMs: 200,
  config: {
    sslQuorum: 'true',
    'ssl.quorum.keyStore.type': 'PEM',
    'ssl.quorum.trustStore.location': ca.certPath,
    'ssl.quorum.trustStore.type': 'PEM',
  },
  memberConfig: (id) => ({ 'ssl.quorum.keyStore.location': certs.get(id)!.keyStorePath }),
})
const clients: ZooKeeperClient[] = []
t.teardown(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)))
  await cluster.stop()
})

const member = (id: number) => cluster.members.find((m) => m.id === id)!
async function clientOn(id: number): Promise<ZooKeeperClient> {
  const zk = await createClient(`127.0.0.1:${member(id).clientPort}`, { sessionTimeoutMs: 6000 })
  clients.push(zk)
  return zk
}
const modes = async () => Promise.all([1, 2, 3].map((id) => cluster.mode(id)))
const leaderId = async () => (await modes()).indexOf('leader') + 1
const output = (id: number) => member(id).process?.output() ?? ''

t.test('a TLS-quorum cluster elects, replicates writes across members and survives kill -9 of its leader', async (t) => {
  t.same((await modes()).sort(), ['follower', 'follower', 'leader'])
  for (const id of [1, 2, 3]) t.match(output(id), /links between members use TLS/, `member ${id} links over TLS`)
  const leader = await leaderId()
  const [f1, f2] = [1, 2, 3].filter((id) => id !== leader) as [number, number]
  const a = await clientOn(f1)
  const b = await clientOn(f2)
  for (let i = 0; i < 20; i++) await a.create(`/before-${i}`, `v${i}`)
  await b.sync('/')
  t.equal((await b.getData('/before-19')).data.toString(), 'v19', 'a write through one member is read on another')

  await cluster.kill(leader)
  await waitFor(async () => (await modes()).includes('leader'), 60_000, 'a new leader among the two left')
  const writer = await clientOn(f1)
  await writer.create('/after-failover', 'still writing')
  const reader = await clientOn(f2)
  await reader.sync('/')
  t.equal((await reader.getData('/after-failover')).data.toString(), 'still writing')

  await cluster.start(leader)
  await waitFor(async () => (await cluster.mode(leader)) === 'follower', 60_000, 'the old leader to rejoin as a follower')
  const back = await clientOn(leader)
  await back.sync('/')
  t.equal((await back.getData('/after-failover')).data.toString(), 'still writing', 'the restarted member caught up over TLS')
})

t.test('a member whose certificate the others do not trust cannot join; the ensemble keeps serving', async (t) => {
  const leader = await leaderId()
  const outsider = [1, 2, 3].find((id) => id !== leader)!
  const insiders = [1, 2, 3].filter((id) => id !== outsider)
  await cluster.kill(outsider)
  copyFileSync(untrusted.keyStorePath, certs.get(outsider)!.keyStorePath)
  await cluster.start(outsider)

  // The insiders refuse it: as acceptors (it dials lower ids) or as dialers (they dial it).
  const refusal = new RegExp(`its certificate CN=untrusted is not trusted|dialing member ${outsider} .*TLS handshake failed`)
  await waitFor(async () => insiders.every((id) => refusal.test(output(id))), 30_000, 'both insiders to report the refused certificate')
  const zk = await clientOn(insiders[0]!)
  for (let i = 0; i < 10; i++) await zk.create(`/while-outside-${i}`, '')
  // It keeps trying (a redial every 2 s at most); a few more rounds show it never gets in.
  const deadline = Date.now() + 5_000
  while (Date.now() < deadline) {
    t.notOk(['follower', 'leader'].includes((await cluster.mode(outsider)) ?? ''), 'the outsider does not serve')
    await new Promise((resolve) => setTimeout(resolve, 500))
  }
  t.notMatch(output(outsider), /"role":"(following|leading)"/, 'it never followed nor led')
  t.same((await Promise.all(insiders.map((id) => cluster.mode(id)))).sort(), ['follower', 'leader'], 'the two insiders still form the ensemble')
  const other = await clientOn(insiders[1]!)
  await other.sync('/')
  t.equal((await other.getChildren('/')).children.filter((c) => c.startsWith('while-outside-')).length, 10)

  // Its certificate replaced by a trusted one, it is let in without a restart (the files are reloaded).
  copyFileSync(pki.leaf(`member-${outsider}-renewed`, ca).keyStorePath, certs.get(outsider)!.keyStorePath)
  await waitFor(async () => (await cluster.mode(outsider)) === 'follower', 60_000, 'the outsider, now trusted, to follow')
  const joined = await clientOn(outsider)
  await joined.sync('/')
  t.equal((await joined.getChildren('/')).children.filter((c) => c.startsWith('while-outside-')).length, 10, 'and receive what it missed')
})
