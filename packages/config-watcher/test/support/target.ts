/**
 * The ensemble an integration suite runs against: recipe-core's selectedEnsemble()
 * (ZOO_RECIPES_TARGET: Apache ZooKeeper 3.8 by default, or a zoo cluster), seen as a Cluster
 * with the address helpers these suites use.
 */
import type { Test } from 'tap'
import { createClient, type ClientOptions, type ZooKeeperClient } from '@zoo/client'
import { selectedEnsemble } from '@zoo/recipe-core/testing'

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

export async function clusterFor(t: Test, options: { members: number }): Promise<Cluster> {
  const ensemble = await selectedEnsemble()({ members: options.members })
  t.teardown(() => ensemble.stop())
  return {
    connectString: ensemble.connectString,
    ids: ensemble.ids,
    address: (id) => `127.0.0.1:${ensemble.port(id)}`,
    memberAt: (hostPort) => {
      const port = Number(hostPort.split(':').at(-1))
      const id = ensemble.ids.find((i) => ensemble.port(i) === port)
      if (id === undefined) throw new Error(`no member at ${hostPort}`)
      return id
    },
    kill: (id) => ensemble.kill(id),
    pause: (id) => ensemble.pause(id),
    stop: () => ensemble.stop(),
  }
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
