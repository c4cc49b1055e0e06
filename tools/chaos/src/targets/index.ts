import { Network } from '../faults/network.js'
import { apacheTarget, rewriteApacheElectionHello } from './apache.js'
import type { ChaosTarget, MemberPorts, TargetName } from './target.js'
import { zooTarget } from './zoo.js'

export interface TargetSetup {
  members: MemberPorts[]
  dir: string
  tickTimeMs: number
  /** extra zoo.cfg lines (test-only switches of our server) */
  extraConfig?: Record<string, string | number>
}

/** The proxies between the members, then the target whose members dial through them. */
export async function createTarget(name: TargetName, setup: TargetSetup): Promise<{ network: Network; target: ChaosTarget }> {
  const reserved = new Set(setup.members.flatMap((m) => [m.clientPort, m.quorumPort, m.electionPort]))
  const network = await Network.start(setup.members, { rewriteElectionHello: name === 'apache' ? rewriteApacheElectionHello : undefined }, reserved)
  const ensemble = { members: setup.members, peerAddress: (from: number, to: number) => network.peerAddress(from, to), dir: setup.dir, tickTimeMs: setup.tickTimeMs }
  try {
    return { network, target: name === 'apache' ? apacheTarget(ensemble) : zooTarget(ensemble, setup.extraConfig) }
  } catch (error) {
    await network.close()
    throw error
  }
}

export { TARGETS, type ChaosTarget, type TargetName } from './target.js'
