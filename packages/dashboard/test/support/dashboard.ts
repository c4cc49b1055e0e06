import { createClient, type ZooKeeperClient } from '@zoo/client'
import type { Test } from 'tap'
import { startDashboard, type Dashboard, type DashboardOptions } from '../../src/index.js'

/**
 * A dashboard on a free loopback port for this test, closed when it ends; by default once its
 * session exists (`waitForSession: false` for a dashboard of a dead ensemble).
 */
export async function dashboardFor(t: Test, options: DashboardOptions, { waitForSession = true } = {}): Promise<Dashboard> {
  const errors: string[] = []
  const dashboard = await startDashboard({ port: 0, ...options }, { log: (line) => errors.push(line) })
  t.teardown(async () => {
    await dashboard.close()
    if (errors.length > 0) throw new Error(`the dashboard logged unexpected failures:\n${errors.join('\n')}`)
  })
  if (waitForSession) await dashboard.session.whenReady()
  return dashboard
}

/** A client for this test, closed when it ends. */
export async function clientFor(t: Test, connect: string): Promise<ZooKeeperClient> {
  const zk = await createClient(connect, { sessionTimeoutMs: 10_000 })
  t.teardown(() => zk.close())
  return zk
}

/** Polls until `probe` returns a value (not undefined), or fails after `timeoutMs`. */
export async function eventually<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value !== undefined) return value
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
}
