// Benchmark (not a test): 3 member processes over loopback TCP with real fsync.
// Measures committed proposals per second with 100-byte payloads, commit latency (p50/p99) under
// load and one at a time, how many proposals share one log fsync, and the time from kill -9 of
// the leader to the next commit. Usage: npm run bench -w @zoo/consensus
// BENCH_TLS=on runs the members over TLS with mutual authentication; BENCH_TLS=both runs plain
// TCP, then TLS, and prints the ratios (same machine, same run).
import { readFileSync } from 'node:fs'
import { makeTestPki, tempDir } from '@zoo/testkit'
import { LocalCluster, type ClusterOptions, type ControlMessage } from './cluster.js'

// BENCH_QUICK=1 checks that the bench runs, in a few seconds; its figures mean little.
const quick = process.env.BENCH_QUICK === '1'
const settings = {
  members: 3,
  tickMs: 50,
  payloadBytes: 100,
  warmupProposals: quick ? 200 : 2_000,
  loadProposals: quick ? 2_000 : 50_000,
  loadConcurrency: 500,
  serialProposals: quick ? 100 : 1_000,
  failovers: quick ? 1 : 3,
  snapshotEveryEntries: 100_000,
}

const round = (value: number, digits = 1) => Number(value.toFixed(digits))

async function proposeOn(cluster: LocalCluster, leader: number, prefix: string, count: number, concurrency: number): Promise<ControlMessage> {
  const summary = await cluster.request(leader, { op: 'propose', count, bytes: settings.payloadBytes, prefix, concurrency })
  if (summary.committed !== count) throw new Error(`only ${String(summary.committed)} of ${count} committed: ${JSON.stringify(summary.failed)}`)
  return summary
}

/** User + system CPU time a process has used, in ms (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').replace(/^.*\) /s, '').split(' ')
  return (Number(fields[11]) + Number(fields[12])) * 10
}

async function fsyncStats(cluster: LocalCluster): Promise<Map<number, { fsyncs: number; records: number; cpuMs: number }>> {
  const out = new Map<number, { fsyncs: number; records: number; cpuMs: number }>()
  for (const id of cluster.running()) {
    const { stats, pid } = await cluster.status(id)
    out.set(id, { fsyncs: stats.logFsyncs ?? 0, records: stats.loggedRecords ?? 0, cpuMs: cpuMs(pid) })
  }
  return out
}

async function throughput(cluster: LocalCluster, leader: number) {
  const before = await fsyncStats(cluster)
  const load = await proposeOn(cluster, leader, 'load', settings.loadProposals, settings.loadConcurrency)
  const after = await fsyncStats(cluster)
  const perMember = [...after].map(([id, a]) => {
    const b = before.get(id)!
    const fsyncs = a.fsyncs - b.fsyncs
    return { id, role: id === leader ? 'leader' : 'follower', fsyncs, records: a.records - b.records, proposalsPerFsync: round((a.records - b.records) / Math.max(1, fsyncs)) }
  })
  const cpuMsUsed = [...after].reduce((sum, [id, a]) => sum + a.cpuMs - before.get(id)!.cpuMs, 0)
  return {
    commitsPerSecond: Math.round((Number(load.committed) * 1000) / Number(load.elapsedMs)),
    // CPU of all members per commit: unlike throughput, barely moved by other load on the machine.
    cpuUsPerCommit: round((cpuMsUsed * 1000) / Number(load.committed), 1),
    p50Ms: round(Number(load.p50Ms), 2),
    p99Ms: round(Number(load.p99Ms), 2),
    maxMs: round(Number(load.maxMs), 2),
    perMember,
  }
}

/** kill -9 the leader; the survivors report when one of them committed as the new leader. */
async function failover(cluster: LocalCluster): Promise<{ killed: number; next: number; ms: number }> {
  const leader = await cluster.leader()
  const survivors = cluster.running().filter((id) => id !== leader)
  const attempts = survivors.map((id) =>
    cluster.request(id, { op: 'commitWhenLeader', timeoutMs: 30_000, tag: `after-kill-${leader}` }).then((reply) => ({ id, reply })),
  )
  await new Promise((resolve) => setTimeout(resolve, 200)) // let both survivors start waiting
  const killedAtMs = Date.now()
  await cluster.kill(leader)
  const first = await Promise.any(attempts.map((attempt) => attempt.then((r) => (r.reply.timeout === true ? Promise.reject(new Error('timeout')) : r))))
  const ms = Number(first.reply.committedAtMs) - killedAtMs
  await Promise.allSettled(attempts)
  await cluster.start(leader)
  await cluster.leader()
  return { killed: leader, next: first.id, ms }
}

const tlsMode = process.env.BENCH_TLS ?? 'off'
if (!['off', 'on', 'both'].includes(tlsMode)) throw new Error(`BENCH_TLS=${tlsMode}: expected off, on or both`)

/** Member certificates (EC P-256) from one test CA, made by openssl in a temp dir. */
function tlsMaterial(): { tls: NonNullable<ClusterOptions['tls']>; remove: () => void } {
  const pki = makeTestPki('zoo-consensus-bench-pki')
  const ca = pki.ca('bench')
  const leaves = new Map(Array.from({ length: settings.members }, (_, i) => [i + 1, pki.leaf(`member-${i + 1}`, ca)]))
  return { tls: (id) => ({ key: leaves.get(id)!.keyPem, cert: leaves.get(id)!.certPem, ca: [ca.certPem] }), remove: pki.remove }
}

async function main(): Promise<void> {
  const runs = tlsMode === 'both' ? [false, true] : [tlsMode === 'on']
  const results = []
  for (const tls of runs) results.push(await run(tls))
  if (results.length === 2) {
    const [plain, secure] = results as [Awaited<ReturnType<typeof run>>, Awaited<ReturnType<typeof run>>]
    const median = (r: typeof plain) => r.failoverMs[Math.floor(r.failoverMs.length / 2)]!
    console.log('')
    console.log(`TLS / plain: throughput ${round(secure.commitsPerSecond / plain.commitsPerSecond, 2)}x (${secure.commitsPerSecond} vs ${plain.commitsPerSecond} commits/s), ` +
      `CPU per commit ${round(secure.cpuUsPerCommit / plain.cpuUsPerCommit, 2)}x (${secure.cpuUsPerCommit} vs ${plain.cpuUsPerCommit} µs), ` +
      `one-at-a-time p50 ${secure.serialP50Ms} vs ${plain.serialP50Ms} ms, kill -9 -> next commit median ${median(secure)} vs ${median(plain)} ms`)
  }
}

async function run(tls: boolean) {
  const root = tempDir('zoo-consensus-bench')
  const ids = Array.from({ length: settings.members }, (_, i) => i + 1)
  const material = tls ? tlsMaterial() : undefined
  const cluster = await LocalCluster.create(root.path, ids, { tickMs: settings.tickMs, snapshotEveryEntries: settings.snapshotEveryEntries, tls: material?.tls })
  try {
    await cluster.startAll()
    let leader = await cluster.leader()
    await proposeOn(cluster, leader, 'warm', settings.warmupProposals, settings.loadConcurrency)
    const loaded = await throughput(cluster, leader)
    const serial = await proposeOn(cluster, leader, 'one', settings.serialProposals, 1)
    const failovers = []
    for (let i = 0; i < settings.failovers; i++) failovers.push(await failover(cluster))
    leader = await cluster.leader()
    const sortedMs = failovers.map((f) => f.ms).sort((a, b) => a - b)

    const consensusDefaults = 'initLimitTicks 10, syncLimitTicks 5, electionFinalizeTicks 1'
    console.log(`\n@zoo/consensus cluster bench: ${settings.members} member processes, loopback ${tls ? 'TLS (mutual authentication)' : 'TCP'}, fsync on every batch`)
    console.log(`settings: ${JSON.stringify(settings)}; core: ${consensusDefaults}`)
    console.log('')
    console.log(`throughput (${settings.loadConcurrency} proposals in flight): ${loaded.commitsPerSecond} commits/s`)
    console.log(`CPU per commit (all members, under load): ${loaded.cpuUsPerCommit} µs`)
    console.log(`commit latency under load: p50 ${loaded.p50Ms} ms, p99 ${loaded.p99Ms} ms, max ${loaded.maxMs} ms`)
    console.log(`commit latency one at a time: p50 ${round(Number(serial.p50Ms), 2)} ms, p99 ${round(Number(serial.p99Ms), 2)} ms`)
    for (const m of loaded.perMember) {
      console.log(`  member ${m.id} (${m.role}): ${m.records} records in ${m.fsyncs} log fsyncs = ${m.proposalsPerFsync} proposals per fsync`)
    }
    console.log(`kill -9 of the leader -> next commit: ${failovers.map((f) => `${f.ms} ms (${f.killed} -> ${f.next})`).join(', ')}; median ${sortedMs[Math.floor(sortedMs.length / 2)]} ms`)
    console.log(JSON.stringify({ bench: 'consensus-cluster', tls, settings, loaded, serial: { p50Ms: serial.p50Ms, p99Ms: serial.p99Ms }, failovers }))
    return { commitsPerSecond: loaded.commitsPerSecond, cpuUsPerCommit: loaded.cpuUsPerCommit, serialP50Ms: round(Number(serial.p50Ms), 2), failoverMs: sortedMs }
  } finally {
    await cluster.stopAll()
    root.remove()
    material?.remove()
  }
}

main().catch((error: unknown) => {
  console.error(error)
  process.exitCode = 1
})
