/**
 * The demo's cluster, behind one function. Today: a local 3-member Apache ZooKeeper 3.8
 * ensemble through @zoo/testkit, because `zoo cluster` is not ready. Switching to
 * `zoo cluster up` later changes this file only.
 */
import { startApacheZooKeeper } from '@zoo/testkit'

export interface LocalCluster {
  connectString: string
  /** member id -> `127.0.0.1:port` */
  members: Map<number, string>
  memberAt(hostPort: string): number | undefined
  /** 'leader' | 'follower', or undefined when down */
  role(id: number): Promise<string | undefined>
  kill(id: number): Promise<void>
  stop(): Promise<void>
}

export async function startLocalCluster(members = 3): Promise<LocalCluster> {
  const ensemble = await startApacheZooKeeper({ members })
  const addresses = new Map(ensemble.members.map((m) => [m.id, `127.0.0.1:${m.clientPort}`]))
  return {
    connectString: ensemble.connectString,
    members: addresses,
    memberAt: (hostPort) => [...addresses].find(([, address]) => address === hostPort)?.[0],
    role: (id) => ensemble.mode(id),
    kill: (id) => ensemble.kill(id),
    stop: () => ensemble.stop(),
  }
}
