// CPU time per committed write, per process: each member (leader or follower) and the load
// generator, read from /proc before and after each round of pipelined setData. On a machine that
// runs the members and the load on few cores, throughput follows this figure, and it is steadier
// than throughput when other work shares the machine: compare versions with it (alternating runs
// of two builds), not with one throughput sample.
// Run: npm run bench:cpu -w @zoo/bench [-- --target zoo|apache --rounds 4 --seconds 5 --sessions 32 --depth 16 --bytes 100 --zoo-from dist|source]
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { createClient } from '@zoo/client'
import { startApacheZooKeeper, startZooCluster } from '@zoo/testkit'
import type { ApacheEnsemble } from '@zoo/testkit'
import { phase } from './load.js'
import { APACHE_SYSTEM_PROPERTIES, fromDist, SESSION_TIMEOUT_MS, SHARED_CONFIG } from './settings.js'

const { values: args } = parseArgs({
  options: {
    target: { type: 'string', default: 'zoo' },
    rounds: { type: 'string', default: '4' },
    seconds: { type: 'string', default: '5' },
    sessions: { type: 'string', default: '32' },
    depth: { type: 'string', default: '16' },
    bytes: { type: 'string', default: '100' },
    'zoo-from': { type: 'string', default: 'dist' },
  },
})
const TARGET = args.target as string
if (TARGET !== 'zoo' && TARGET !== 'apache') throw new Error(`--target ${TARGET}: expected zoo or apache`)
const FROM_DIST = fromDist(args['zoo-from'])
const ROUNDS = Number(args.rounds)
if (!Number.isInteger(ROUNDS) || ROUNDS < 1) throw new Error(`--rounds ${args.rounds}: expected a positive integer`)
const LOAD = { depth: Number(args.depth), seconds: Number(args.seconds) }
const VALUE = Buffer.alloc(Number(args.bytes), 120)

/** utime + stime of a process in ms (/proc/<pid>/stat, in clock ticks of 10 ms). */
function cpuMs(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
  return (Number(fields[11]) + Number(fields[12])) * 10
}

const ensemble: ApacheEnsemble =
  TARGET === 'apache'
    ? await startApacheZooKeeper({ members: 3, tickTimeMs: 2000, config: SHARED_CONFIG, systemProperties: APACHE_SYSTEM_PROPERTIES })
    : await startZooCluster({ members: 3, tickTimeMs: 2000, config: SHARED_CONFIG, fromDist: FROM_DIST })
try {
  const clients = await Promise.all(Array.from({ length: Number(args.sessions) }, () => createClient(ensemble.connectString, { sessionTimeoutMs: SESSION_TIMEOUT_MS })))
  await clients[0]?.create('/cpu', '').catch(() => undefined)
  await Promise.all(clients.map((zk, i) => zk.create(`/cpu/s${i}`, VALUE).catch(() => undefined)))
  const members = await Promise.all(ensemble.members.map(async (m) => ({ pid: m.process?.child.pid as number, role: (await ensemble.mode(m.id)) ?? '?' })))
  console.log(`${TARGET}${TARGET === 'zoo' ? ` (from ${FROM_DIST ? 'dist' : 'source'})` : ''}: ${clients.length} sessions x ${LOAD.depth} setData in flight, ${VALUE.length}-byte values, ${LOAD.seconds} s rounds (round 0 is a warm-up)`)
  console.log('CPU ms per 1,000 committed writes:')
  for (let round = 0; round < ROUNDS; round++) {
    const before = members.map((m) => cpuMs(m.pid))
    const ownBefore = process.cpuUsage()
    const result = await phase(clients, (zk, i) => zk.setData(`/cpu/s${i}`, VALUE), LOAD)
    const own = process.cpuUsage(ownBefore)
    const writes = result.operations
    const perMember = members.map((m, i) => ((cpuMs(m.pid) - (before[i] as number)) / writes) * 1000)
    const perClient = ((own.user + own.system) / 1000 / writes) * 1000
    const total = perMember.reduce((a, b) => a + b, 0) + perClient
    const memberText = members.map((m, i) => `${m.role} ${(perMember[i] as number).toFixed(1)}`).join(', ')
    console.log(`round ${round}: ${Math.round(result.opsPerSecond)} writes/s; ${memberText}, load generator ${perClient.toFixed(1)}, total ${total.toFixed(1)}`)
  }
  await Promise.all(clients.map((c) => c.close()))
} finally {
  await ensemble.stop()
}
