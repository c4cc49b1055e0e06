// What TLS on the client port costs, measured so that background load cannot bias it: one
// 3-member zoo cluster serving both a plain clientPort and a secureClientPort (ssl.clientAuth=need),
// SESSIONS plain and SESSIONS TLS sessions open at once, and short rounds of writes and reads that
// alternate plain and TLS (the order flips each round). Reported: the median round per mode.
// Run: npm run bench:tls -w @zoo/bench [-- --sessions 32 --depth 16 --seconds 3 --rounds 5]
import { parseArgs } from 'node:util'
import { createClient } from '@zoo/client'
import type { ClientOptions, ZooKeeperClient } from '@zoo/client'
import { freePort, makeTestPki, startZooCluster } from '@zoo/testkit'
import { median, phase } from './load.js'

const { values: args } = parseArgs({
  options: {
    sessions: { type: 'string', default: '32' },
    depth: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '5' },
    bytes: { type: 'string', default: '100' },
  },
})
const SESSIONS = Number(args.sessions)
const DEPTH = Number(args.depth)
const ROUND_MS = Number(args.seconds) * 1000
const LOAD = { depth: DEPTH, seconds: ROUND_MS / 1000 }
const ROUNDS = Number(args.rounds)
const VALUE = Buffer.alloc(Number(args.bytes), 120)
const MODES = ['plain', 'tls'] as const
type Mode = (typeof MODES)[number]

const pki = makeTestPki('zoo-bench-tls')
const ca = pki.ca('bench')
const serverCert = pki.leaf('server', ca)
const clientCert = pki.leaf('client', ca)
const securePorts = [await freePort(), await freePort(), await freePort()]
// From @zoo/server's build, as users run it (the npm script builds it first).
const ensemble = await startZooCluster({
  fromDist: true,
  members: 3,
  config: { 'ssl.keyStore.location': serverCert.keyStorePath, 'ssl.trustStore.location': ca.certPath, 'ssl.clientAuth': 'need' },
  memberConfig: (id) => ({ secureClientPort: securePorts[id - 1] as number, secureClientPortAddress: '127.0.0.1' }),
})
try {
  const connect: Record<Mode, [string, ClientOptions]> = {
    plain: [ensemble.connectString, {}],
    tls: [securePorts.map((p) => `127.0.0.1:${p}`).join(','), { tls: { ca: ca.certPem, cert: clientCert.certPem, key: clientCert.keyPem } }],
  }
  const clients = {} as Record<Mode, ZooKeeperClient[]>
  for (const mode of MODES) {
    const [hosts, options] = connect[mode]
    clients[mode] = await Promise.all(Array.from({ length: SESSIONS }, () => createClient(hosts, { ...options, sessionTimeoutMs: 10_000 })))
  }
  await clients.plain[0]?.create('/tls-bench', '').catch(() => undefined)
  for (const mode of MODES) await Promise.all(clients[mode].map((zk, i) => zk.create(`/tls-bench/${mode}-${i}`, VALUE).catch(() => undefined)))
  const samples: Record<Mode, { writes: number[]; reads: number[] }> = { plain: { writes: [], reads: [] }, tls: { writes: [], reads: [] } }
  for (let round = 0; round < ROUNDS; round++) {
    for (const mode of round % 2 === 0 ? MODES : [...MODES].reverse()) {
      samples[mode].writes.push((await phase(clients[mode], (zk, i) => zk.setData(`/tls-bench/${mode}-${i}`, VALUE), LOAD)).opsPerSecond)
      samples[mode].reads.push((await phase(clients[mode], (zk, i) => zk.getData(`/tls-bench/${mode}-${i}`), LOAD)).opsPerSecond)
    }
  }
  await Promise.all([...clients.plain, ...clients.tls].map((zk) => zk.close()))
  const f = (n: number) => n.toFixed(0)
  console.log(`\n3 zoo members, each with clientPort and secureClientPort (TLS 1.3, client certificates required, EC P-256)`)
  console.log(`${SESSIONS} sessions per mode x ${DEPTH} in flight, ${ROUNDS} rounds of ${ROUND_MS / 1000} s writes + ${ROUND_MS / 1000} s reads, plain and TLS alternating\n`)
  console.log('| client port | writes/s (median; rounds) | reads/s (median; rounds) |')
  console.log('| --- | --- | --- |')
  for (const mode of MODES) console.log(`| ${mode} | ${f(median(samples[mode].writes))} (${samples[mode].writes.map(f).join(', ')}) | ${f(median(samples[mode].reads))} (${samples[mode].reads.map(f).join(', ')}) |`)
  console.log(`| tls / plain | ${(median(samples.tls.writes) / median(samples.plain.writes)).toFixed(2)}x | ${(median(samples.tls.reads) / median(samples.plain.reads)).toFixed(2)}x |`)
} finally {
  await ensemble.stop()
  pki.remove()
}
