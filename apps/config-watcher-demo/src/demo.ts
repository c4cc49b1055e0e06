/**
 * The demo script: three service instances follow one config while it changes, while an
 * invalid update arrives, and while the cluster member under one of them is killed; at the
 * end a table shows when each instance saw each version.
 */
import { createClient, isConnectionLoss, isNoNode, type ZooKeeperClient } from '@zoo/client'
import { publishConfig, InvalidConfigError, type ConfigVersion } from '@zoo/config-watcher'
import { startLocalCluster, type LocalTarget } from '@zoo/testkit'
import { CONFIG_PATH, CheckoutConfig, startService, type CheckoutConfig as Config, type Service, type ServiceEvent } from './service.js'

export interface DemoResult {
  /** version -> service -> ms from publish to seen (or 'rejected') */
  table: Map<number, Map<string, number | 'rejected'>>
  /** HTTP answers per step */
  http: Record<string, string[]>
  finalConfigs: string[]
}

const INSTANCES = 3

async function until(what: string, probe: () => boolean, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`demo: timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 5))
  }
}

async function hit(service: Service, count: number): Promise<string[]> {
  const answers = await Promise.all(Array.from({ length: count }, () => fetch(`${service.url}/checkout`).then(async (r) => (r.status === 200 ? (await r.text()).trim() : String(r.status)))))
  const counts = new Map<string, number>()
  for (const a of answers) counts.set(a, (counts.get(a) ?? 0) + 1)
  return [...counts].map(([answer, n]) => `${n} x ${answer}`)
}

/** `target`: what serves the local cluster, zoo (default) or Apache ZooKeeper 3.8. */
export async function runDemo(log: (line: string) => void, options: { target?: LocalTarget } = {}): Promise<DemoResult> {
  const t0 = performance.now()
  const stamp = () => `+${((performance.now() - t0) / 1000).toFixed(3)}s`
  log(`starting a local 3-member cluster (${options.target ?? 'zoo'})...`)
  const cluster = await startLocalCluster({ target: options.target, members: 3 })
  const services: Service[] = []
  const published = new Map<number, number>()
  const table: DemoResult['table'] = new Map()
  const http: DemoResult['http'] = {}
  const onEvent = (e: ServiceEvent) => {
    if (e.kind === 'state') return e.detail === 'closed' ? undefined : log(`${stamp()} ${e.service}: connection ${e.detail}`)
    const version = e.version!.version
    const row = table.get(version) ?? new Map()
    table.set(version, row)
    const publishedAt = published.get(version)
    row.set(e.service, e.kind === 'invalid' ? 'rejected' : publishedAt === undefined ? 0 : e.atMs - publishedAt)
    log(`${stamp()} ${e.service}: ${e.kind === 'change' ? `now on version ${version} ${e.detail}` : `REJECTED version ${version}, keeps the last good value: ${e.detail}`}`)
  }
  const admin = await createClient(cluster.connectString)
  try {
    log(`cluster up, ${cluster.description}: ${[...cluster.addresses].map(([id, a]) => `member ${id} at ${a}`).join(', ')}`)
    const publish = async (value: Config) => {
      const { version, startedMs } = await publishSafely(admin, value, log)
      published.set(version.version, startedMs)
      log(`${stamp()} published version ${version.version}: ${JSON.stringify(value)}`)
      await until(`every instance on version ${version.version}`, () => services.every((s) => s.config.version?.version === version.version))
      return version
    }
    await publish({ newCheckout: false, rateLimitPerSec: 5 })
    for (let i = 1; i <= INSTANCES; i++) services.push(await startService(`service-${i}`, cluster.connectString, onEvent))
    for (const s of services) log(`${s.name} listening on ${s.url}, config from member ${cluster.memberAt(s.zk.connectedHost!)}: ${JSON.stringify(s.config.current)}`)
    http['version 0, 20 requests'] = await hit(services[0]!, 20)
    log(`  service-1, 20 requests at once: ${http['version 0, 20 requests']!.join(', ')}`)

    await publish({ newCheckout: true, rateLimitPerSec: 50 })
    http['version 1, 20 requests'] = await hit(services[0]!, 20)
    log(`  service-1, 20 requests at once: ${http['version 1, 20 requests']!.join(', ')}`)

    log(`${stamp()} publishing an invalid update (rateLimitPerSec: -5)...`)
    await publishConfig(admin, CONFIG_PATH, CheckoutConfig, { newCheckout: true, rateLimitPerSec: -5 }).then(
      () => log('  BUG: publishConfig accepted it'),
      (error: unknown) => log(`  publishConfig refused it before writing: ${error instanceof InvalidConfigError ? error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') : String(error)}`),
    )
    log('  writing it anyway around the validation, as a careless zkCli user would...')
    const bad = await admin.setData(CONFIG_PATH, JSON.stringify({ newCheckout: true, rateLimitPerSec: -5 }))
    published.set(bad.version, performance.now())
    await until('every instance to reject it', () => services.every((s) => table.get(bad.version)?.get(s.name) === 'rejected'))
    http['after the invalid update'] = await hit(services[0]!, 5)
    log(`  service-1 still serves on version 1: ${http['after the invalid update']!.join(', ')}`)

    const victim = cluster.memberAt(services[0]!.zk.connectedHost!)!
    log(`${stamp()} killing member ${victim} (kill -9, a ${await cluster.mode(victim)}), the one service-1 is connected to`)
    await cluster.kill(victim)
    await publish({ newCheckout: true, rateLimitPerSec: 2 })
    http['version 3, 10 requests'] = await hit(services[0]!, 10)
    log(`  service-1, 10 requests at once: ${http['version 3, 10 requests']!.join(', ')}`)
    await publish({ newCheckout: false, rateLimitPerSec: 100 })

    printTable(log, table, services.map((s) => s.name))
    return { table, http, finalConfigs: services.map((s) => JSON.stringify(s.config.current)) }
  } finally {
    for (const s of services) await s.stop().catch(() => {})
    await admin.close().catch(() => {})
    await cluster.stop()
  }
}

/**
 * A publish that survives the cluster losing a member: compare-and-set against the version it
 * read, and after a CONNECTIONLOSS (the write may or may not have happened) read back before
 * trying again, so the value is written exactly once.
 */
async function publishSafely(admin: ZooKeeperClient, value: Config, log: (line: string) => void): Promise<{ version: ConfigVersion; startedMs: number }> {
  const before = (await retryOnLoss(() => readRaw(admin)))?.version
  const expectedNext = before === undefined ? 0 : before.version + 1
  const startedMs = performance.now()
  for (let attempt = 1; ; attempt++) {
    try {
      return { version: await publishConfig(admin, CONFIG_PATH, CheckoutConfig, value, { expectedVersion: before ?? 'absent' }), startedMs }
    } catch (error) {
      if (!isConnectionLoss(error) || attempt > 50) throw error
      log(`  publish: connection lost (${(error as Error).message}); reading back before retrying`)
    }
    const now = await retryOnLoss(() => readRaw(admin))
    if (now?.version.version === expectedNext && now.text === JSON.stringify(value)) return { version: now.version, startedMs }
    if (now?.version.version !== before?.version) throw new Error('demo: someone else published meanwhile')
  }
}

/** The stored version and text, whatever they hold (the last write may have been invalid). */
async function readRaw(admin: ZooKeeperClient): Promise<{ version: ConfigVersion; text: string } | undefined> {
  try {
    const { data, stat } = await admin.getData(CONFIG_PATH)
    return { version: { version: stat.version, czxid: stat.czxid, mzxid: stat.mzxid }, text: data.toString() }
  } catch (error) {
    if (isNoNode(error)) return undefined
    throw error
  }
}

async function retryOnLoss<T>(read: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await read()
    } catch (error) {
      if (!isConnectionLoss(error) || attempt > 50) throw error
      await new Promise((r) => setTimeout(r, 200))
    }
  }
}

function printTable(log: (line: string) => void, table: DemoResult['table'], names: string[]): void {
  log('')
  log('when each instance saw each version (ms from the start of publishConfig; version 0 was there before they started):')
  log(`  ${'version'.padEnd(9)}${names.map((n) => n.padStart(12)).join('')}`)
  for (const version of [...table.keys()].sort((a, b) => a - b)) {
    const row = table.get(version)!
    const cells = names.map((n) => {
      const v = row.get(n)
      return (v === undefined ? '-' : v === 'rejected' ? 'rejected' : `${v.toFixed(1)} ms`).padStart(12)
    })
    log(`  ${String(version).padEnd(9)}${cells.join('')}`)
  }
}
