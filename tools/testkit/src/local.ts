import { startApacheZooKeeper, type ApacheEnsemble } from './apache.js'
import { startZooCluster } from './zoo.js'

/** What serves a demo's local cluster: our own server (the default) or Apache ZooKeeper 3.8. */
export const LOCAL_TARGETS = ['zoo', 'apache'] as const
export type LocalTarget = (typeof LOCAL_TARGETS)[number]

/** The environment variable a demo reads when no `--target` is given (npm eats flags it runs through). */
export const LOCAL_TARGET_ENV = 'ZOO_DEMO_TARGET'

export interface LocalClusterOptions {
  target?: LocalTarget
  /** voting members (default 3) */
  members?: number
  /** default 2000 ms, as zoo.cfg */
  tickTimeMs?: number
}

/** A local ensemble for a demo: the testkit ensemble, plus what a demo prints and looks up. */
export interface LocalCluster extends ApacheEnsemble {
  target: LocalTarget
  tickTimeMs: number
  /** `3-member zoo cluster (tickTime 500 ms)` */
  description: string
  /** member id -> `127.0.0.1:port` */
  addresses: Map<number, string>
  /** the member a client's `connectedHost` is on */
  memberAt(hostPort: string): number | undefined
  /** the member whose `srvr` says leader (or standalone), if one does now */
  leader(): Promise<number | undefined>
}

/** `--target` (or ZOO_DEMO_TARGET) checked: `zoo` when neither is given. */
export function parseLocalTarget(value: string | undefined = process.env[LOCAL_TARGET_ENV]): LocalTarget {
  const target = value ?? 'zoo'
  if (!(LOCAL_TARGETS as readonly string[]).includes(target)) throw new Error(`target must be one of ${LOCAL_TARGETS.join(', ')}, not ${JSON.stringify(target)}`)
  return target as LocalTarget
}

/**
 * Starts the cluster a demo runs against, on free 127.0.0.1 ports: `zoo server` processes from
 * source, or Apache ZooKeeper 3.8 members. `stop()` kills them and removes their data.
 */
export async function startLocalCluster(options: LocalClusterOptions = {}): Promise<LocalCluster> {
  const target = options.target ?? 'zoo'
  const members = options.members ?? 3
  const tickTimeMs = options.tickTimeMs ?? 2000
  const ensemble = target === 'zoo' ? await startZooCluster({ members, tickTimeMs }) : await startApacheZooKeeper({ members, tickTimeMs })
  const addresses = new Map(ensemble.members.map((m) => [m.id, `127.0.0.1:${m.clientPort}`]))
  const what = target === 'zoo' ? 'zoo cluster' : 'Apache ZooKeeper 3.8 ensemble'
  return Object.assign(ensemble, {
    target,
    tickTimeMs,
    description: `${members}-member ${what} (tickTime ${tickTimeMs} ms)`,
    addresses,
    memberAt: (hostPort: string) => [...addresses].find(([, address]) => address === hostPort)?.[0],
    leader: async () => {
      for (const id of addresses.keys()) {
        const mode = await ensemble.mode(id)
        if (mode === 'leader' || mode === 'standalone') return id
      }
      return undefined
    },
  })
}
