// Side-by-side: a 3-member zoo cluster and a 3-member Apache ZooKeeper 3.8 ensemble on this
// machine, both with fsync on, the same tickTime, session timeout and snapshot interval, driven
// by the same load from @zoo/client: pipelined writes and reads over many sessions, latency
// percentiles, the unavailability window when the leader is killed, memory per member.
// Both ensembles are laid out by @zoo/testkit from one zoo.cfg template (one OS process per
// member, `zoo server --config` as `zoo cluster up` runs it), so their settings cannot drift apart.
// Run: npm run bench -w @zoo/bench [-- --sessions 32 --depth 16 --seconds 8 --members 3 --warmup 10 --rounds 3 --failovers 3 --target both]
// Every target is up for the whole run and measured in alternating rounds (the order rotates each
// round; each figure is the median round), so load that drifts during a run on a shared machine
// weighs on all targets alike instead of on whichever ran last.
// The failover window is the median of --failovers kills of the leader (one sample is noisy).
// `--target zoo,zoo-quorum-tls` compares plain links between members with sslQuorum (TLS);
// `--target zoo,zoo-client-tls` compares the plain client port with a TLS-only one (secureClientPort,
// ssl.clientAuth=need, every session with its own handshake and certificate).
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createClient } from '@zoo/client'
import type { ClientOptions, ZooKeeperClient } from '@zoo/client'
import { makeTestPki, startApacheZooKeeper, startZooCluster } from '@zoo/testkit'
import type { ApacheEnsemble } from '@zoo/testkit'
import { median, phase, type PhaseResult } from './load.js'
import { APACHE_SYSTEM_PROPERTIES, fromDist, SESSION_TIMEOUT_MS, SHARED_CONFIG, SNAP_COUNT } from './settings.js'

const { values: args } = parseArgs({
  options: {
    sessions: { type: 'string', default: '32' },
    depth: { type: 'string', default: '16' },
    seconds: { type: 'string', default: '8' },
    bytes: { type: 'string', default: '100' },
    target: { type: 'string', default: 'both' },
    tick: { type: 'string', default: '2000' },
    members: { type: 'string', default: '3' },
    failovers: { type: 'string', default: '3' },
    rounds: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '10' },
    'zoo-from': { type: 'string', default: 'dist' },
  },
})
const SESSIONS = Number(args.sessions)
const DEPTH = Number(args.depth)
const SECONDS = Number(args.seconds)
const LOAD = { depth: DEPTH, seconds: SECONDS }
const VALUE = Buffer.alloc(Number(args.bytes), 120)
const TICK_MS = Number(args.tick)
const MEMBERS = Number(args.members)
/** Leader kills per target; the killed member is restarted and back before the next. */
const FAILOVERS = Number(args.failovers)
/** Throughput rounds; every target runs once per round, in a rotated order (see `rounds()`). */
const ROUNDS = Number(args.rounds)
/**
 * Seconds of unmeasured writes, then reads, per target before the rounds. Apache's JVMs compile
 * their hot paths over the first ~20 s of load (run 9's first round: 4,987 writes/s, its third
 * 17,433); without a warm-up the median round measured that, not the server.
 */
const WARMUP_SECONDS = Number(args.warmup)
/**
 * zoo members run from @zoo/server's rollup build (the npm script builds it first), as users run
 * them; `source` runs them through tsx as the tests do, whose transform wraps every named
 * function and class and costs per call.
 */
const FROM_DIST = fromDist(args['zoo-from'])
const TARGET_NAMES = ['apache', 'zoo', 'zoo-quorum-tls', 'zoo-client-tls']
const TARGETS = args.target === 'both' ? ['apache', 'zoo'] : (args.target as string).split(',')
for (const t of TARGETS) if (!TARGET_NAMES.includes(t)) throw new Error(`--target ${t}: expected both, or a comma-separated list of ${TARGET_NAMES.join(', ')}`)
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`--rounds ${args.rounds}: expected a positive integer`)
if (!Number.isFinite(WARMUP_SECONDS) || WARMUP_SECONDS < 0) throw new Error(`--warmup ${args.warmup}: expected seconds >= 0`)
if (!Number.isInteger(FAILOVERS) || FAILOVERS < 1) throw new Error(`--failovers ${args.failovers}: expected a positive integer`)
if (!Number.isInteger(MEMBERS) || MEMBERS < 3) throw new Error(`--members ${args.members}: the failover phase needs at least 3 members`)

interface Target {
  name: string
  ensemble: ApacheEnsemble
  /** How each setting is enforced on this server, for the settings table. */
  settings: Record<string, string>
  /** What every client of this target connects with (TLS, say), besides the session timeout. */
  clientOptions?: ClientOptions
}

async function killLeader(ensemble: ApacheEnsemble): Promise<number> {
  for (const m of ensemble.members) {
    if ((await ensemble.mode(m.id)) !== 'leader') continue
    await ensemble.kill(m.id)
    return m.id
  }
  throw new Error('no member reports Mode: leader')
}

/** One leader kill; the killed member is restarted and every member serves again before it returns. */
async function failoverOnce(target: Target): Promise<number> {
  const { windowMs, killed } = await failoverWindowMs(target)
  await target.ensemble.start(killed)
  const deadline = performance.now() + 60_000
  const modes = async () => Promise.all(target.ensemble.members.map((m) => target.ensemble.mode(m.id)))
  while (!(await modes()).every((m) => m === 'leader' || m === 'follower')) {
    if (performance.now() > deadline) throw new Error(`member ${killed} of ${target.name} did not rejoin within 60 s`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return windowMs
}

/** Longest gap between acknowledged writes of one client while the leader is killed. */
async function failoverWindowMs(target: Target): Promise<{ windowMs: number; killed: number }> {
  const ensemble = target.ensemble
  const zk = await createClient(ensemble.connectString, { ...target.clientOptions, sessionTimeoutMs: SESSION_TIMEOUT_MS })
  await zk.create('/failover', '').catch(() => undefined)
  let last = performance.now()
  let worst = 0
  let running = true
  const writer = (async () => {
    while (running) {
      try {
        await zk.create('/failover/w-', '', { mode: 'persistent-sequential' })
        const now = performance.now()
        worst = Math.max(worst, now - last)
        last = now
      } catch {
        await new Promise((r) => setTimeout(r, 5))
      }
    }
  })()
  await new Promise((r) => setTimeout(r, 1000))
  worst = 0
  const killed = await killLeader(ensemble)
  const killedAt = performance.now()
  while (performance.now() - killedAt < 30_000 && last < killedAt) await new Promise((r) => setTimeout(r, 20))
  await new Promise((r) => setTimeout(r, 500))
  running = false
  await writer
  await zk.close()
  return { windowMs: worst, killed }
}

function rssMiB(pid: number): number {
  try {
    const kb = Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1])
    return kb / 1024
  } catch {
    return NaN
  }
}

function memberPids(ensemble: ApacheEnsemble): number[] {
  return ensemble.members.map((m) => m.process?.child.pid).filter((p): p is number => p !== undefined)
}

interface Measured {
  writes: PhaseResult
  reads: PhaseResult
  writeRounds: number[]
  readRounds: number[]
  failover: number
  failovers: number[]
  negotiatedTimeoutMs: number
  memoryMiB: number
}

/** The round with the median throughput (its latencies come with it). */
function medianRound(rounds: PhaseResult[]): PhaseResult {
  return [...rounds].sort((a, b) => a.opsPerSecond - b.opsPerSecond)[Math.floor(rounds.length / 2)] as PhaseResult
}

async function sessionsFor(target: Target): Promise<ZooKeeperClient[]> {
  const clients = await Promise.all(
    Array.from({ length: SESSIONS }, () => createClient(target.ensemble.connectString, { ...target.clientOptions, sessionTimeoutMs: SESSION_TIMEOUT_MS })),
  )
  await clients[0]?.create('/bench', '').catch(() => undefined)
  await Promise.all(clients.map((zk, i) => zk.create(`/bench/s${i}`, VALUE).catch(() => undefined)))
  return clients
}

/**
 * ROUNDS rounds of writes then reads on every target, the order rotated each round; then memory;
 * then the failovers, one kill per target in turn for the same reason.
 */
async function measureAll(targets: Target[]): Promise<Record<string, Measured>> {
  const clients = await Promise.all(targets.map(sessionsFor))
  const writeRounds: PhaseResult[][] = targets.map(() => [])
  const readRounds: PhaseResult[][] = targets.map(() => [])
  if (WARMUP_SECONDS > 0) {
    for (const sessions of clients) {
      const warmup = { depth: DEPTH, seconds: WARMUP_SECONDS }
      await phase(sessions, (zk, n) => zk.setData(`/bench/s${n}`, VALUE), warmup)
      await phase(sessions, (zk, n) => zk.getData(`/bench/s${n}`), warmup)
    }
  }
  for (let round = 0; round < ROUNDS; round++) {
    for (let k = 0; k < targets.length; k++) {
      const i = (round + k) % targets.length
      const sessions = clients[i] as ZooKeeperClient[]
      writeRounds[i]!.push(await phase(sessions, (zk, n) => zk.setData(`/bench/s${n}`, VALUE), LOAD))
      readRounds[i]!.push(await phase(sessions, (zk, n) => zk.getData(`/bench/s${n}`), LOAD))
    }
  }
  const memory = targets.map((t) => {
    const perMember = memberPids(t.ensemble).map(rssMiB)
    return perMember.reduce((a, b) => a + b, 0) / perMember.length
  })
  const negotiated = clients.map((c) => c[0]?.negotiatedTimeoutMs ?? NaN)
  await Promise.all(clients.flat().map((c) => c.close()))
  const failovers: number[][] = targets.map(() => [])
  for (let kill = 0; kill < FAILOVERS; kill++) {
    for (let k = 0; k < targets.length; k++) {
      const i = (kill + k) % targets.length
      failovers[i]!.push(await failoverOnce(targets[i] as Target))
    }
  }
  return Object.fromEntries(
    targets.map((t, i) => [
      t.name,
      {
        writes: medianRound(writeRounds[i]!),
        reads: medianRound(readRounds[i]!),
        writeRounds: writeRounds[i]!.map((r) => r.opsPerSecond),
        readRounds: readRounds[i]!.map((r) => r.opsPerSecond),
        failover: median(failovers[i]!),
        failovers: failovers[i]!,
        negotiatedTimeoutMs: negotiated[i] as number,
        memoryMiB: memory[i] as number,
      },
    ]),
  )
}

const ZOO_SETTINGS = {
  runtime: FROM_DIST ? `node ${process.version}, @zoo/server's build (dist)` : `node ${process.version}, from source through tsx`,
  fsync: 'always (txn log fsync per batch, before the ack)',
  'snapshot interval': `snapCount ${SNAP_COUNT} (+ jitter)`,
}

async function zooTarget(): Promise<Target> {
  const ensemble = await startZooCluster({ fromDist: FROM_DIST, members: MEMBERS, tickTimeMs: TICK_MS, config: SHARED_CONFIG })
  return {
    name: 'zoo',
    ensemble,
    settings: { ...ZOO_SETTINGS, 'member links': 'plain TCP', 'client port': 'plain TCP' },
  }
}

/** The same zoo cluster with TLS between members (sslQuorum=true, one certificate per member). */
async function zooQuorumTlsTarget(): Promise<Target> {
  const pki = makeTestPki('zoo-bench-pki')
  const ca = pki.ca('bench')
  const leaves = Array.from({ length: MEMBERS }, (_, i) => pki.leaf(`member-${i + 1}`, ca))
  const config = { ...SHARED_CONFIG, sslQuorum: 'true', 'ssl.quorum.trustStore.location': ca.certPath, 'ssl.quorum.trustStore.type': 'PEM', 'ssl.quorum.keyStore.type': 'PEM' }
  const ensemble = await startZooCluster({ fromDist: FROM_DIST, members: MEMBERS, tickTimeMs: TICK_MS, config, memberConfig: (id) => ({ 'ssl.quorum.keyStore.location': leaves[id - 1]!.keyStorePath }) })
  const stop = ensemble.stop
  ensemble.stop = async () => {
    await stop()
    pki.remove()
  }
  return { name: 'zoo-quorum-tls', ensemble, settings: { ...ZOO_SETTINGS, 'member links': 'TLS 1.3, mutual authentication (EC P-256 certificates)' } }
}

/** The same zoo cluster serving clients over TLS only (secureClientPort, clientAuth=need). */
async function zooClientTlsTarget(): Promise<Target> {
  const pki = makeTestPki('zoo-bench-client-pki')
  const ca = pki.ca('bench')
  const server = pki.leaf('server', ca)
  const client = pki.leaf('client', ca)
  const tls = { ca: ca.certPem, cert: client.certPem, key: client.keyPem }
  const config = { ...SHARED_CONFIG, 'ssl.keyStore.location': server.keyStorePath, 'ssl.trustStore.location': ca.certPath, 'ssl.clientAuth': 'need' }
  const ensemble = await startZooCluster({ fromDist: FROM_DIST, members: MEMBERS, tickTimeMs: TICK_MS, config, tls: { probe: tls } })
  const stop = ensemble.stop
  ensemble.stop = async () => {
    await stop()
    pki.remove()
  }
  return { name: 'zoo-client-tls', ensemble, clientOptions: { tls }, settings: { ...ZOO_SETTINGS, 'member links': 'plain TCP', 'client port': 'TLS only (1.3), client certificates required (EC P-256)' } }
}

function javaVersion(): string {
  const out = spawnSync('java', ['-version'], { encoding: 'utf8' })
  return /version "([^"]+)"/.exec(out.stderr)?.[1]?.replace(/^/, 'Java ') ?? 'Java (version unknown)'
}

async function apacheTarget(): Promise<Target> {
  const ensemble = await startApacheZooKeeper({
    members: MEMBERS,
    tickTimeMs: TICK_MS,
    config: SHARED_CONFIG,
    systemProperties: APACHE_SYSTEM_PROPERTIES,
  })
  return {
    name: 'apache',
    ensemble,
    settings: { runtime: `${javaVersion()}, -Xmx512m`, fsync: 'zookeeper.forceSync=yes', 'snapshot interval': `zookeeper.snapCount ${SNAP_COUNT} (+ jitter)` },
  }
}

const starters: Record<string, () => Promise<Target>> = { zoo: zooTarget, 'zoo-quorum-tls': zooQuorumTlsTarget, 'zoo-client-tls': zooClientTlsTarget, apache: apacheTarget }
const started: Target[] = []
let results: Record<string, Measured>
const settings: Record<string, Record<string, string>> = {}
try {
  for (const name of TARGETS) started.push(await (starters[name] as () => Promise<Target>)())
  results = await measureAll(started)
  for (const target of started) {
    settings[target.name] = {
      members: `${target.ensemble.members.length} (separate processes)`,
      ...target.settings,
      tickTime: `${TICK_MS} ms`,
      'session timeout': `${SESSION_TIMEOUT_MS} ms asked, ${results[target.name]!.negotiatedTimeoutMs} ms negotiated (maxSessionTimeout ${SHARED_CONFIG.maxSessionTimeout})`,
    }
  }
} finally {
  await Promise.all(started.map((t) => t.ensemble.stop()))
}

const f = (n: number, digits = 0) => (Number.isFinite(n) ? n.toFixed(digits) : '-')
const names = Object.keys(settings)
console.log(`\n| setting | ${names.join(' | ')} |`)
console.log(`| --- | ${names.map(() => '---').join(' | ')} |`)
for (const key of ['members', 'runtime', 'fsync', 'tickTime', 'session timeout', 'snapshot interval', 'member links', 'client port']) {
  console.log(`| ${key} | ${names.map((n) => settings[n]?.[key] ?? '-').join(' | ')} |`)
}
console.log(`\nload: ${SESSIONS} sessions x ${DEPTH} in flight, ${SECONDS} s per phase, ${VALUE.length}-byte values; ${WARMUP_SECONDS} s of writes and of reads per target first, unmeasured; ${ROUNDS} alternating rounds, median round shown\n`)
console.log(`| | writes/s | write p50 / p99 ms | reads/s | read p50 / p99 ms | failover window ms (median of ${FAILOVERS}: each) | RSS per member MiB |`)
console.log('| --- | --- | --- | --- | --- | --- | --- |')
for (const [name, r] of Object.entries(results)) {
  console.log(`| ${name} | ${f(r.writes.opsPerSecond)} | ${f(r.writes.p50Ms, 1)} / ${f(r.writes.p99Ms, 1)} | ${f(r.reads.opsPerSecond)} | ${f(r.reads.p50Ms, 1)} / ${f(r.reads.p99Ms, 1)} | ${f(r.failover)} (${r.failovers.map((w) => f(w)).join(' / ')}) | ${f(r.memoryMiB)} |`)
}
console.log('')
for (const [name, r] of Object.entries(results)) {
  console.log(`${name}: writes/s by round ${r.writeRounds.map((x) => f(x)).join(' / ')}; reads/s by round ${r.readRounds.map((x) => f(x)).join(' / ')}`)
}
console.log('')
const zoo = results.zoo
const apache = results.apache
const ratio = (label: string, a: Measured | undefined, b: Measured | undefined) => {
  if (a === undefined || b === undefined) return
  console.log(`| ${label} | ${f(a.writes.opsPerSecond / b.writes.opsPerSecond, 2)}x | | ${f(a.reads.opsPerSecond / b.reads.opsPerSecond, 2)}x | | ${f(a.failover / b.failover, 2)}x | ${f(a.memoryMiB / b.memoryMiB, 2)}x |`)
}
ratio('zoo / apache', zoo, apache)
ratio('zoo-quorum-tls / zoo', results['zoo-quorum-tls'], zoo)
ratio('zoo-client-tls / zoo', results['zoo-client-tls'], zoo)
