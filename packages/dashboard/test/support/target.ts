/**
 * What the end-to-end suite runs against, as a parameter: Apache ZooKeeper 3.8 and a real `zoo`
 * cluster (one `zoo server` process per member); the suite does not change.
 * ZOO_DASHBOARD_TARGETS picks them (comma-separated; default `apache,zoo`).
 */
import { startApacheZooKeeper, startZooCluster, type ApacheEnsemble, type ApacheOptions } from '@zoo/testkit'
import type { Test } from 'tap'
import type { DashboardOptions } from '../../src/index.js'

export interface EnsembleOptions {
  members: number
  /**
   * Four-letter words off except `srvr` (Apache's default whitelist) and the AdminServer on:
   * the dashboard must take roles from the AdminServer's JSON.
   */
  adminFallback?: boolean
}

export interface Ensemble {
  connectString: string
  ids: number[]
  /** `leader`, `follower`, ... as the member says; undefined when down */
  mode(id: number): Promise<string | undefined>
  /** kill -9 */
  kill(id: number): Promise<void>
  /** SIGSTOP / SIGCONT: the member keeps its sockets (the kernel still accepts) but answers nothing */
  pause(id: number): void
  resume(id: number): void
  /** what the dashboard needs to know beyond the connect string (AdminServer ports) */
  dashboardOptions: Partial<DashboardOptions>
  stop(): Promise<void>
}

export interface Target {
  name: string
  /** whether the target can run with four-letter words off and an AdminServer on */
  adminFallback: boolean
  start(options: EnsembleOptions): Promise<Ensemble>
}

/** A target over one of testkit's starters (Apache and zoo take the same options and give the same shape). */
function targetOf(name: string, startServers: (options: ApacheOptions) => Promise<ApacheEnsemble>): Target {
  return {
    name,
    adminFallback: true,
    async start({ members, adminFallback }) {
      const servers = await startServers({ members, ...(adminFallback ? { fourLetterWords: ['srvr'], adminServer: true } : {}) })
      const signal = (id: number, name: NodeJS.Signals) => {
        const child = servers.members.find((m) => m.id === id)?.process?.child
        if (!child) throw new Error(`member ${id} is not running`)
        child.kill(name)
      }
      const paused = new Set<number>()
      const adminPorts = Object.fromEntries(servers.members.filter((m) => m.adminPort !== undefined).map((m) => [`127.0.0.1:${m.clientPort}`, m.adminPort!]))
      return {
        connectString: servers.connectString,
        ids: servers.members.map((m) => m.id),
        mode: (id) => servers.mode(id),
        kill: (id) => servers.kill(id),
        pause: (id) => (signal(id, 'SIGSTOP'), paused.add(id)),
        resume: (id) => (signal(id, 'SIGCONT'), paused.delete(id)),
        // Without an admin server, tell the dashboard not to look for one on the default port.
        dashboardOptions: adminFallback ? { adminPorts } : { adminPort: 0 },
        stop: async () => {
          // A stopped process ignores SIGTERM until it runs again.
          for (const id of paused) signal(id, 'SIGCONT')
          await servers.stop()
        },
      }
    },
  }
}

export const apacheTarget = targetOf('apache', startApacheZooKeeper)
export const zooTarget = targetOf('zoo', startZooCluster)

const targets: Record<string, Target> = { apache: apacheTarget, zoo: zooTarget }

export function selectedTargets(): Target[] {
  const names = (process.env.ZOO_DASHBOARD_TARGETS ?? 'apache,zoo').split(',').map((s) => s.trim()).filter(Boolean)
  return names.map((name) => {
    const target = targets[name]
    if (!target) throw new Error(`ZOO_DASHBOARD_TARGETS: unknown target ${name}; known: ${Object.keys(targets).join(', ')}`)
    return target
  })
}

/** Starts an ensemble for this test, stopped when the test ends. */
export async function ensembleFor(t: Test, target: Target, options: EnsembleOptions): Promise<Ensemble> {
  const ensemble = await target.start(options)
  t.teardown(() => ensemble.stop())
  return ensemble
}
