/**
 * The ensemble an integration suite runs against, as a parameter: Apache ZooKeeper 3.8 today;
 * `zoo cluster` plugs in here later (ZOO_RECIPES_TARGET=zoo) without touching the suites.
 *
 * TODO(recipe-core): @zoo/recipe-core/testing's EnsembleTarget has no pause(id) (SIGSTOP) nor
 * memberAt(hostPort), which the frozen-member test needs; switch to selectedEnsemble() once it has.
 */
import { startApacheZooKeeper } from '@zoo/testkit'
import type { Test } from 'tap'
import { createClient, type ClientOptions, type ZooKeeperClient } from '@zoo/client'

export interface Cluster {
  connectString: string
  ids: number[]
  /** `127.0.0.1:port` of one member */
  address(id: number): string
  /** the member behind a client's `connectedHost` */
  memberAt(hostPort: string): number
  kill(id: number): Promise<void>
  /** SIGSTOP: the member keeps its sockets open and answers nothing (until killed) */
  pause(id: number): void
  stop(): Promise<void>
}

export type Target = (options: { members: number }) => Promise<Cluster>

export const apache: Target = async ({ members }) => {
  const ensemble = await startApacheZooKeeper({ members, extendedTypes: false })
  const byId = (id: number) => {
    const m = ensemble.members.find((x) => x.id === id)
    if (!m) throw new Error(`no member ${id}`)
    return m
  }
  return {
    connectString: ensemble.connectString,
    ids: ensemble.members.map((m) => m.id),
    address: (id) => `127.0.0.1:${byId(id).clientPort}`,
    memberAt: (hostPort) => {
      const port = Number(hostPort.split(':').at(-1))
      const m = ensemble.members.find((x) => x.clientPort === port)
      if (!m) throw new Error(`no member at ${hostPort}`)
      return m.id
    },
    kill: (id) => ensemble.kill(id),
    pause: (id) => {
      const child = byId(id).process?.child
      if (!child) throw new Error(`member ${id} is not running`)
      child.kill('SIGSTOP')
    },
    stop: () => {
      // A stopped process ignores SIGTERM until it runs again.
      for (const m of ensemble.members) m.process?.child.kill('SIGCONT')
      return ensemble.stop()
    },
  }
}

const targets: Record<string, Target> = { apache }

export async function clusterFor(t: Test, options: { members: number }): Promise<Cluster> {
  const name = process.env.ZOO_RECIPES_TARGET ?? 'apache'
  const target = targets[name]
  if (!target) throw new Error(`ZOO_RECIPES_TARGET=${name}: known targets are ${Object.keys(targets).join(', ')}`)
  const cluster = await target(options)
  t.teardown(() => cluster.stop())
  return cluster
}

export async function clientFor(t: Test, connectString: string, options: ClientOptions = {}): Promise<ZooKeeperClient> {
  const zk = await createClient(connectString, { sessionTimeoutMs: 10_000, ...options })
  t.teardown(() => zk.close())
  return zk
}

/**
 * Ends `zk`'s session from outside, as a server-side expiry would: a second client joins the
 * session with its id and password and closes it. `zk` learns on its next contact that its
 * session is gone, and (renewSessionOnExpiry) opens a new one.
 */
export async function expireSession(zk: ZooKeeperClient, connectString: string): Promise<void> {
  const twin = await createClient(connectString, { session: { id: zk.sessionId, password: zk.sessionPassword }, sessionTimeoutMs: 10_000 })
  await twin.close()
}
