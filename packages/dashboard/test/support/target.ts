/**
 * What the end-to-end suite runs against, as a parameter: Apache ZooKeeper 3.8 today; `zoo
 * cluster` (@zoo/server) becomes one more entry here when it lands, and the suite does not change.
 * ZOO_DASHBOARD_TARGETS picks them (comma-separated; default `apache`).
 */
import { startApacheZooKeeper } from '@zoo/testkit'
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

export const apacheTarget: Target = {
  name: 'apache',
  adminFallback: true,
  async start({ members, adminFallback }) {
    const apache = await startApacheZooKeeper({ members, ...(adminFallback ? { fourLetterWords: ['srvr'], adminServer: true } : {}) })
    const signal = (id: number, name: NodeJS.Signals) => {
      const child = apache.members.find((m) => m.id === id)?.process?.child
      if (!child) throw new Error(`member ${id} is not running`)
      child.kill(name)
    }
    const paused = new Set<number>()
    const adminPorts = Object.fromEntries(apache.members.filter((m) => m.adminPort !== undefined).map((m) => [`127.0.0.1:${m.clientPort}`, m.adminPort!]))
    return {
      connectString: apache.connectString,
      ids: apache.members.map((m) => m.id),
      mode: (id) => apache.mode(id),
      kill: (id) => apache.kill(id),
      pause: (id) => (signal(id, 'SIGSTOP'), paused.add(id)),
      resume: (id) => (signal(id, 'SIGCONT'), paused.delete(id)),
      // Without an AdminServer, tell the dashboard not to look for one on Apache's default port.
      dashboardOptions: adminFallback ? { adminPorts } : { adminPort: 0 },
      stop: async () => {
        // A stopped process ignores SIGTERM until it runs again.
        for (const id of paused) signal(id, 'SIGCONT')
        await apache.stop()
      },
    }
  },
}

const targets: Record<string, Target> = { apache: apacheTarget }

export function selectedTargets(): Target[] {
  const names = (process.env.ZOO_DASHBOARD_TARGETS ?? 'apache').split(',').map((s) => s.trim()).filter(Boolean)
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
