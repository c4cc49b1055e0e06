// Errata, Server: snapshots of 1,000,000 znodes under load cause no leader change and no session
// expiry. A 3-member `zoo` cluster (separate processes) gets a million znodes through pipelined
// multi creates; then, with short-timeout sessions pinging on every member and a writer running,
// a filler pushes txns until every member has passed its (randomized) snapCount and written a
// snapshot of the whole tree. Asserted: the same leader and epoch throughout, no session expired,
// every member snapshotted; reported: each member's snapshot time and size, its event loop's
// largest delay (prom-client's monitorEventLoopDelay, read from /metrics), the writer's longest
// stall. ZOO_BIG_SNAPSHOT_NODES scales it down for a quick look (default 1,000,000).
import t from 'tap'
import { readFileSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { createClient, isConnectionLoss, isNodeExists } from '@zoo/client'
import type { ZooKeeperClient } from '@zoo/client'
import { fourLetterWord, startZooCluster, waitFor } from '@zoo/testkit'
import type { ZooMember } from '@zoo/testkit'

// About 55 CPU-s for the build and 5 per snapshot: 1.5-2 minutes on two idle cores, more on a
// machine shared with other work.
t.setTimeout(600_000)

const NODES = Number(process.env.ZOO_BIG_SNAPSHOT_NODES ?? 1_000_000)
const PARENTS = 1000
const PER_MULTI = 1000
const MULTIS_IN_FLIGHT = 6
const DATA = Buffer.alloc(32, 0x61)
// The build is ~NODES / PER_MULTI + 10 txns: below the smallest threshold (snapCount / 2), so
// the snapshots come after it, each member at its own random point past snapCount / 2.
const SNAP_COUNT = Math.max(3000, 2 * Math.ceil(NODES / PER_MULTI + 500))
// A client drops its connection after 2/3 of the timeout without a reply. On the 2-core VM shared
// with other jobs (load ~25) the members' event loops missed up to 2.4 s during the build, with no
// snapshot; with 4 s sessions one run in five lost a session (a client-side drop, then no
// reconnect in time) while no member's loop had stalled over 1.6 s. 10 s is still short next to
// the 16-20 s stalls of the synchronous snapshot under the same load.
const SESSION_TIMEOUT_MS = 10_000
// tickTime 500 ms and syncLimit 5: a member silent for 2.5 s loses its leader or its quorum;
// the synchronous snapshot of a million znodes held the event loop 3.6 s on an idle machine.
const TICK_TIME_MS = 500

const cluster = await startZooCluster({
  members: 3,
  tickTimeMs: TICK_TIME_MS,
  adminServer: true,
  config: { snapCount: SNAP_COUNT, syncLimit: 5, initLimit: 20, 'autopurge.snapRetainCount': 3 },
})
const clients: ZooKeeperClient[] = []
t.teardown(async () => {
  await Promise.all(clients.map((c) => c.close().catch(() => undefined)))
  await cluster.stop()
})

const member = (id: number) => cluster.members.find((m) => m.id === id) as ZooMember

async function mntr(m: ZooMember): Promise<Map<string, string>> {
  const text = await fourLetterWord(m.clientPort, 'mntr', '127.0.0.1', 10_000)
  return new Map(text.split('\n').filter((l) => l.startsWith('zk_')).map((l) => l.split('\t') as [string, string]))
}

/** Mode, leader id and epoch as the member itself reports them (admin /commands/leader, srvr). */
async function view(m: ZooMember): Promise<{ id: number; mode: string; leader: number | null; epoch: number }> {
  const srvr = await fourLetterWord(m.clientPort, 'srvr', '127.0.0.1', 10_000)
  const mode = /Mode: (\w+)/.exec(srvr)?.[1] ?? 'none'
  const zxid = BigInt(/Zxid: (0x[0-9a-f]+)/.exec(srvr)?.[1] ?? '0')
  const leader = (await (await fetch(`http://127.0.0.1:${m.adminPort}/commands/leader`)).json()) as { leader_id: number | null }
  return { id: m.id, mode, leader: leader.leader_id, epoch: Number(zxid >> 32n) }
}

/** nodejs_eventloop_lag_max_seconds since the previous scrape (prom-client resets it per scrape). */
async function eventLoopMaxMs(m: ZooMember): Promise<number> {
  const text = await (await fetch(`http://127.0.0.1:${m.adminPort}/metrics`)).text()
  const value = /^nodejs_eventloop_lag_max_seconds(?:\{[^}]*\})? ([0-9.e+-]+)$/m.exec(text)?.[1]
  if (value === undefined) throw new Error(`member ${m.id}: no nodejs_eventloop_lag_max_seconds in /metrics`)
  return Number(value) * 1000
}

/** CPU seconds a member's process has used (utime + stime from /proc, in clock ticks of 10 ms). */
function cpuSeconds(m: ZooMember): number {
  const pid = m.process?.child.pid
  if (pid === undefined) return Number.NaN
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) / 100
}

/** Peak resident memory of a member's process, in MB (VmHWM). */
function peakRssMb(m: ZooMember): number {
  const pid = m.process?.child.pid
  const kb = pid === undefined ? undefined : /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]
  return kb === undefined ? Number.NaN : Math.round(Number(kb) / 1024)
}

function snapshotFileBytes(m: ZooMember): number[] {
  const dir = join(m.dataDir, 'snapshots')
  return readdirSync(dir).filter((n) => /^snapshot\.[0-9a-f]{16}$/.test(n)).map((n) => statSync(join(dir, n)).size)
}

/**
 * One multi of creates. The build is not what is tested: a connection lost on a loaded machine
 * leaves the outcome unknown, and since a multi is all or nothing its first node tells.
 */
async function createAll(zk: ZooKeeperClient, from: number, to: number): Promise<void> {
  const first = `/big/p${from % PARENTS}/n${from}`
  for (let attempt = 1; ; attempt++) {
    const multi = zk.transaction()
    for (let i = from; i < to; i++) multi.create(`/big/p${i % PARENTS}/n${i}`, DATA)
    try {
      await multi.commit()
      return
    } catch (e) {
      if (attempt === 5 || !(isConnectionLoss(e) || isNodeExists(e))) throw e
      if ((await zk.exists(first).catch(() => null)) !== null) return
    }
  }
}

/** Pipelined multi creates: PER_MULTI creates per txn, MULTIS_IN_FLIGHT txns at once. */
async function build(zk: ZooKeeperClient): Promise<number> {
  const started = performance.now()
  await zk.create('/big')
  const parents = zk.transaction()
  for (let p = 0; p < PARENTS; p++) parents.create(`/big/p${p}`)
  await parents.commit()
  let next = 0
  const worker = async () => {
    while (next < NODES) {
      const from = next
      next = Math.min(NODES, next + PER_MULTI)
      await createAll(zk, from, next)
    }
  }
  await Promise.all(Array.from({ length: MULTIS_IN_FLIGHT }, worker))
  return performance.now() - started
}

t.test(`snapshots of ${NODES.toLocaleString('en-US')} znodes under load: no leader change, no session expiry`, async (t) => {
  const ids = [1, 2, 3]
  const builder = await createClient(cluster.connectString, { sessionTimeoutMs: 30_000 })
  clients.push(builder)
  const cpuBefore = ids.map((id) => cpuSeconds(member(id)))
  const clientCpuBefore = process.cpuUsage()
  const buildMs = await build(builder)
  const counts = await Promise.all(ids.map(async (id) => {
    await waitFor(async () => Number((await mntr(member(id))).get('zk_znode_count')) >= NODES + PARENTS, 120_000, `member ${id} to apply the build`)
    return mntr(member(id))
  }))
  t.ok(counts.every((m) => m.get('zk_snap_count') === '0'), 'no member snapshotted during the build')
  const buildCpu = ids.map((id, i) => (cpuSeconds(member(id)) - (cpuBefore[i] as number)).toFixed(1))
  const clientCpu = process.cpuUsage(clientCpuBefore)
  t.comment(
    `built ${NODES.toLocaleString('en-US')} znodes in ${(buildMs / 1000).toFixed(1)} s (CPU-s: members ${buildCpu.join(' / ')}, ` +
      `client ${((clientCpu.user + clientCpu.system) / 1e6).toFixed(1)}); approximate_data_size ${counts[0]?.get('zk_approximate_data_size')}`,
  )
  t.ok(Number(counts[0]?.get('zk_approximate_data_size')) > NODES * (DATA.length + 10), 'approximate_data_size counts paths and data')

  // Sessions with short timeouts, one on each member, each holding an ephemeral.
  const states: string[][] = []
  const watchers: ZooKeeperClient[] = []
  for (const id of ids) {
    const zk = await createClient(`127.0.0.1:${member(id).clientPort}`, { sessionTimeoutMs: SESSION_TIMEOUT_MS, renewSessionOnExpiry: false })
    clients.push(zk)
    watchers.push(zk)
    const seen: string[] = []
    states.push(seen)
    zk.on('state', (state) => seen.push(state))
    await zk.create(`/big/alive-${id}`, '', { mode: 'ephemeral' })
  }
  const sessionIds = watchers.map((zk) => zk.sessionId)

  const before = await Promise.all(ids.map((id) => view(member(id))))
  const leader = before.find((v) => v.mode === 'leader')
  if (leader === undefined) throw new Error(`no leader: ${JSON.stringify(before)}`)
  t.same(before.map((v) => v.leader), [leader.id, leader.id, leader.id], 'every member names the same leader')
  // The first scrape covers everything since start: the build, with no snapshot.
  const buildLoopMaxMs = await Promise.all(ids.map((id) => eventLoopMaxMs(member(id))))

  // A writer (one setData at a time: its slowest write is the stall) and a filler (8 in flight)
  // that carries every member past its snapshot threshold.
  let running = true
  let writes = 0
  let maxStallMs = 0
  const writerErrors: string[] = []
  const writer = (async () => {
    await builder.create('/big/w', '')
    while (running) {
      const started = performance.now()
      try {
        await builder.setData('/big/w', String(writes))
        writes++
      } catch (e) {
        writerErrors.push((e as Error).message)
      }
      maxStallMs = Math.max(maxStallMs, performance.now() - started)
    }
  })()
  const filler = Promise.all(Array.from({ length: 8 }, async (_, k) => {
    while (running) await builder.setData(`/big/p${k}`, String(writes)).catch((e: Error) => writerErrors.push(e.message))
  }))

  const samples: { id: number; mode: string; leader: number | null; epoch: number }[] = []
  const loopMaxMs = [0, 0, 0]
  const windowStarted = performance.now()
  const deadline = Date.now() + 240_000
  try {
    for (;;) {
      // A member that does not answer within 10 s counts as a change (mode 'unreachable').
      const views = await Promise.all(ids.map((id) => view(member(id)).catch(() => ({ id, mode: 'unreachable', leader: null, epoch: -1 }))))
      samples.push(...views)
      const lags = await Promise.all(ids.map((id) => eventLoopMaxMs(member(id)).catch(() => 0)))
      lags.forEach((ms, i) => (loopMaxMs[i] = Math.max(loopMaxMs[i] as number, ms)))
      const snaps = await Promise.all(ids.map(async (id) => Number((await mntr(member(id)).catch(() => new Map())).get('zk_snap_count') ?? 0)))
      if (snaps.every((n) => n >= 1)) break
      if (Date.now() > deadline) throw new Error(`snapshots taken per member after 240 s: ${snaps.join(', ')}`)
      await new Promise((resolve) => setTimeout(resolve, 1000))
    }
  } finally {
    running = false
    await Promise.all([writer, filler])
  }
  const windowMs = performance.now() - windowStarted

  const changed = samples.filter((s) => s.leader !== leader.id || s.epoch !== leader.epoch || s.mode !== (s.id === leader.id ? 'leader' : 'follower'))
  t.same(changed, [], `no leader change: member ${leader.id} led epoch ${leader.epoch} in all ${samples.length} samples`)
  const after = await Promise.all(ids.map((id) => view(member(id))))
  t.same(after.map((v) => [v.leader, v.epoch]), ids.map(() => [leader.id, leader.epoch]), 'the same leader and epoch at the end')
  t.same(states.map((s) => s.filter((x) => x === 'expired')), [[], [], []], 'no session expired')
  t.same(watchers.map((zk) => zk.sessionId), sessionIds, 'every session is the one it started with')
  for (const id of ids) t.ok(await builder.exists(`/big/alive-${id}`), `the ephemeral of the session on member ${id} is still there`)
  t.same(writerErrors, [], 'every write succeeded')
  t.ok(writes > 0, `${writes} writes by the writer in ${(windowMs / 1000).toFixed(1)} s`)
  t.ok(maxStallMs < 2 * SESSION_TIMEOUT_MS, `the writer's longest write took ${Math.round(maxStallMs)} ms`)

  for (const [i, id] of ids.entries()) {
    const m = await mntr(member(id))
    const files = snapshotFileBytes(member(id))
    const biggest = Math.max(...files)
    t.ok(biggest > NODES * DATA.length, `member ${id} holds a snapshot of the whole tree (${(biggest / 1e6).toFixed(0)} MB)`)
    t.comment(
      `member ${id} (${id === leader.id ? 'leader' : 'follower'}): ${m.get('zk_snap_count')} snapshot(s), longest ${m.get('zk_max_snapshottime')} ms, ` +
        `${(biggest / 1e6).toFixed(0)} MB; event loop max delay ${Math.round(loopMaxMs[i] as number)} ms ` +
        `(${Math.round(buildLoopMaxMs[i] as number)} ms during the build); peak RSS ${peakRssMb(member(id))} MB; ` +
        `suspensions seen by its session: ${states[i]?.filter((s) => s === 'suspended').length}`,
    )
  }
})
