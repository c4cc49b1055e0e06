/**
 * Runs a mixed election: our candidates and a peer implementation's (Curator's LeaderLatch in
 * Java, kazoo's Election in Python) on one path with the peer's node naming, hands leadership
 * around by kill -9 and graceful stops of whoever leads, and returns what the fenced resource saw.
 */
import { spawn, spawnSync } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Test } from 'tap'
import { createClient } from '@zoo/client'
import { tempDir, waitFor } from '@zoo/testkit'
import { LeaderLatch, type LatchNaming, type Participant } from '../../src/index.js'
import { FenceServer, Fleet, checkHistory, spawnCandidate, type HistoryReport } from '../../src/testing/index.js'
import { startTarget } from './target.js'

const INTEROP_DIR = fileURLToPath(new URL('../interop/', import.meta.url))
const JAVA_DIR = '/usr/share/java'
const CURATOR_JARS = [
  'curator-recipes', 'curator-framework', 'curator-client', 'zookeeper', 'zookeeper-jute', 'guava', 'slf4j-api', 'slf4j-nop',
  'netty-handler', 'netty-transport', 'netty-common', 'netty-buffer', 'netty-resolver', 'netty-codec', 'netty-transport-native-epoll', 'netty-transport-native-unix-common',
]
const SESSION_TIMEOUT_MS = 2_000
const WORK_INTERVAL_MS = 25

export type Peer = 'curator' | 'kazoo'

/** Compiles the Java driver into a temp dir; returns the command prefix that runs it. */
function prepareCurator(t: Test): string[] {
  const present = new Set(readdirSync(JAVA_DIR))
  const missing = CURATOR_JARS.filter((jar) => !present.has(`${jar}.jar`))
  if (missing.length > 0) throw new Error(`missing jars in ${JAVA_DIR}: ${missing.join(', ')}`)
  const classpath = CURATOR_JARS.map((jar) => join(JAVA_DIR, `${jar}.jar`)).join(':')
  const out = tempDir('curator-driver')
  t.teardown(() => out.remove())
  const javac = spawnSync('javac', ['-d', out.path, '-cp', classpath, join(INTEROP_DIR, 'CuratorLatchDriver.java')], { encoding: 'utf8' })
  if (javac.status !== 0) throw new Error(`javac failed:\n${javac.stderr}`)
  return ['java', '-Xmx128m', '-XX:TieredStopAtLevel=1', '-cp', `${out.path}:${classpath}`, 'CuratorLatchDriver']
}

function preparePeer(t: Test, peer: Peer): string[] {
  if (peer === 'curator') return prepareCurator(t)
  const probe = spawnSync('/usr/bin/python3', ['-c', 'import kazoo'], { encoding: 'utf8' })
  if (probe.status !== 0) throw new Error(`python3-kazoo is not installed: ${probe.stderr}`)
  return ['/usr/bin/python3', join(INTEROP_DIR, 'kazoo_election.py')]
}

export interface InteropResult {
  report: HistoryReport
  /** what our latch listed while everyone had joined */
  participants: Participant[]
  /** who led, in order, by implementation */
  leaders: string[]
}

export async function runInterop(t: Test, peer: Peer, rotations: number): Promise<InteropResult> {
  const peerCommand = preparePeer(t, peer)
  const naming: LatchNaming = peer
  const target = await startTarget({ members: 1, tickTimeMs: 500 })
  const fence = await FenceServer.start()
  const path = `/interop/${peer}`
  const fleet = new Fleet((id) => {
    if (id.startsWith('zoo')) return spawnCandidate({ connectString: target.connectString, path, id, fencePort: fence.port, sessionTimeoutMs: SESSION_TIMEOUT_MS, workIntervalMs: WORK_INTERVAL_MS, naming, serverTickTimeMs: 500 })
    const [command, ...args] = peerCommand
    const argv = [...args, target.connectString, path, id, String(fence.port), String(SESSION_TIMEOUT_MS), String(WORK_INTERVAL_MS)]
    return spawn(command!, argv, { stdio: ['ignore', 'inherit', 'inherit'] })
  })
  t.teardown(async () => {
    fleet.killAll()
    await fence.close()
    await target.stop()
  })
  const zk = await createClient(target.connectString, { sessionTimeoutMs: SESSION_TIMEOUT_MS })
  t.teardown(() => zk.close())
  const observer = new LeaderLatch(zk, path, { id: 'observer', naming })
  const ids = ['zoo-1', `${peer}-1`, 'zoo-2', `${peer}-2`]
  for (const [i, id] of ids.entries()) {
    fleet.launch(id)
    // Join one at a time (Curator creates its node in the background), so the queue order is the launch order.
    await waitFor(async () => (await observer.participants()).length === i + 1, 20_000, `${id} to join`)
  }
  const participants = await observer.participants()
  const leaderNow = () => fence.actingLeader()?.participant
  for (let round = 0; round < rotations; round++) {
    let leader: string | undefined
    while (!(leader = leaderNow())) await sleep(50)
    await fleet.signal(leader, round % 2 === 0 ? 'SIGTERM' : 'SIGKILL')
    fleet.launch(leader)
    const deadline = performance.now() + 15_000
    while (leaderNow() === leader && performance.now() < deadline) await sleep(50)
  }
  await sleep(500)
  await fleet.stopAll()
  const report = checkHistory(fence.resource.history())
  return { report, participants, leaders: report.terms.map((term) => term.participant) }
}
