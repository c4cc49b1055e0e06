/**
 * The demo's cluster, behind one function. Today: a local 3-member Apache ZooKeeper 3.8
 * ensemble through @zoo/testkit, because `zoo cluster` is not ready. Switching to
 * `zoo cluster up` later changes this file only.
 */
import { startApacheZooKeeper } from '@zoo/testkit'

export interface LocalCluster {
  connectString: string
  /** the servers' tick: they expire sessions on tick boundaries, so a death is seen up to one tick late */
  tickTimeMs: number
  stop(): Promise<void>
}

export async function startLocalCluster(members = 3, tickTimeMs = 500): Promise<LocalCluster> {
  const ensemble = await startApacheZooKeeper({ members, tickTimeMs })
  return { connectString: ensemble.connectString, tickTimeMs, stop: () => ensemble.stop() }
}
