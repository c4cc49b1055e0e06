/**
 * The local cluster the demo runs against. `zoo cluster up` is not ready yet, so this starts a
 * 3-member Apache ZooKeeper 3.8 ensemble on free 127.0.0.1 ports through @zoo/testkit; switching
 * to our own server is a change to this one function.
 */
import { startApacheZooKeeper } from '@zoo/testkit'

export interface LocalCluster {
  connectString: string
  /** what runs the cluster, for the header line */
  description: string
  stop(): Promise<void>
}

export async function startLocalCluster(options: { members: number; tickTimeMs: number }): Promise<LocalCluster> {
  const ensemble = await startApacheZooKeeper({ members: options.members, tickTimeMs: options.tickTimeMs })
  return {
    connectString: ensemble.connectString,
    description: `${options.members}-member Apache ZooKeeper 3.8 ensemble (tickTime ${options.tickTimeMs} ms)`,
    stop: () => ensemble.stop(),
  }
}
