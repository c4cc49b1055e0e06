/**
 * The server the integration tests run against, as a parameter: Apache ZooKeeper 3.8 or a real
 * `zoo` cluster (the tests do not change). Pick one with ZOO_CLIENT_TARGET (default `apache`);
 * `npm test` runs the integration suite against both.
 */
import { fourLetterWord, startApacheZooKeeper, startZooCluster, type ApacheEnsemble } from '@zoo/testkit'
import type { Test } from 'tap'
import { createClient, type ZooKeeperClient } from '../../src/client.js'
import type { ClientOptions } from '../../src/options.js'

export interface EnsembleOptions {
  members: number
  tickTimeMs?: number
  /** a member cut off from its quorum serves reads to clients that accept read-only servers */
  readOnlyMode?: boolean
}

export interface Ensemble {
  /** every member, `127.0.0.1:p1,127.0.0.1:p2,...` */
  connectString: string
  ids: number[]
  /** `127.0.0.1:port` of one member */
  address(id: number): string
  /** the member id behind a `host:port` (a client's connectedHost) */
  memberAt(hostPort: string): number
  /** `leader`, `follower`, `standalone`, or undefined when down */
  mode(id: number): Promise<string | undefined>
  /** `isro`: true when the member serves read-only */
  readOnly(id: number): Promise<boolean>
  /** kill -9 */
  kill(id: number): Promise<void>
  /** start a killed member again, with its data */
  start(id: number): Promise<void>
  /** SIGSTOP / SIGCONT: the member keeps its sockets but answers nothing */
  pause(id: number): void
  resume(id: number): void
  stop(): Promise<void>
}

export interface Target {
  name: string
  start(options: EnsembleOptions): Promise<Ensemble>
}

/** An Ensemble over a started Apache or zoo ensemble (both have testkit's ApacheEnsemble shape). */
function ensembleOver(servers: ApacheEnsemble): Ensemble {
  const member = (id: number) => {
    const m = servers.members.find((x) => x.id === id)
    if (!m) throw new Error(`no member ${id}`)
    return m
  }
  const signal = (id: number, name: NodeJS.Signals) => {
    const child = member(id).process?.child
    if (!child) throw new Error(`member ${id} is not running`)
    child.kill(name)
  }
  const paused = new Set<number>()
  return {
    connectString: servers.connectString,
    ids: servers.members.map((m) => m.id),
    address: (id) => `127.0.0.1:${member(id).clientPort}`,
    memberAt: (hostPort) => {
      const port = Number(hostPort.split(':').at(-1))
      const m = servers.members.find((x) => x.clientPort === port)
      if (!m) throw new Error(`no member at ${hostPort}`)
      return m.id
    },
    mode: (id) => servers.mode(id),
    readOnly: async (id) => (await fourLetterWord(member(id).clientPort, 'isro', '127.0.0.1', 1_000).catch(() => '')) === 'ro',
    kill: (id) => servers.kill(id),
    start: (id) => servers.start(id),
    pause: (id) => {
      signal(id, 'SIGSTOP')
      paused.add(id)
    },
    resume: (id) => {
      signal(id, 'SIGCONT')
      paused.delete(id)
    },
    stop: async () => {
      // A stopped process ignores SIGTERM until it runs again.
      for (const id of paused) signal(id, 'SIGCONT')
      await servers.stop()
    },
  }
}

export const apacheTarget: Target = {
  name: 'apache',
  async start({ members, tickTimeMs, readOnlyMode }) {
    // Apache creates sessions on a read-only member only as local sessions.
    const systemProperties = readOnlyMode ? { 'readonlymode.enabled': 'true' } : undefined
    const config = readOnlyMode ? { localSessionsEnabled: 'true', localSessionsUpgradingEnabled: 'true' } : undefined
    return ensembleOver(await startApacheZooKeeper({ members, extendedTypes: true, tickTimeMs, systemProperties, config }))
  },
}

/** `zoo server` processes (@zoo/server from source), one per member: TTL nodes are always on. */
export const zooTarget: Target = {
  name: 'zoo',
  async start({ members, tickTimeMs, readOnlyMode }) {
    const config = readOnlyMode ? { 'readonlymode.enabled': 'true' } : undefined
    return ensembleOver(await startZooCluster({ members, tickTimeMs, config }))
  },
}

const targets: Record<string, Target> = { apache: apacheTarget, zoo: zooTarget }

export function selectedTarget(): Target {
  const name = process.env.ZOO_CLIENT_TARGET ?? 'apache'
  const target = targets[name]
  if (!target) throw new Error(`ZOO_CLIENT_TARGET=${name}: known targets are ${Object.keys(targets).join(', ')}`)
  return target
}

/** Starts an ensemble of the selected target for this test file, stopped when it ends. */
export async function ensembleFor(t: Test, options: EnsembleOptions): Promise<Ensemble> {
  const ensemble = await selectedTarget().start(options)
  t.teardown(() => ensemble.stop())
  return ensemble
}

/** A client for this test, closed when it ends. */
export async function clientFor(t: Test, connectString: string, options: ClientOptions = {}): Promise<ZooKeeperClient> {
  const zk = await createClient(connectString, { sessionTimeoutMs: 10_000, ...options })
  t.teardown(() => zk.close())
  return zk
}
