// Starting zoo members in-process for tests: temp data dirs, OS-chosen ports, cleanup on teardown.
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { Test } from 'tap'
import { freePort } from '@zoo/testkit'
import { resolveConfig } from '../../src/config/schema.js'
import { ZooServer } from '../../src/member/server.js'
import type { ZooServerOptions } from '../../src/member/server.js'
import { jsonLogger, silentLogger } from '../../src/log.js'

const logger = process.env.ZOO_TEST_LOG === '1' ? jsonLogger({ level: 'debug' }) : silentLogger

export async function startStandalone(t: Test, values: Record<string, string> = {}, options: ZooServerOptions = {}): Promise<ZooServer> {
  const dir = mkdtempSync(join(tmpdir(), 'zoo-server-'))
  const { config } = resolveConfig({
    file: 'test',
    values: new Map(Object.entries({ dataDir: dir, clientPort: '0', clientPortAddress: '127.0.0.1', tickTime: '200', 'admin.enableServer': 'false', '4lw.commands.whitelist': '*', ...values })),
  })
  const server = await ZooServer.start(config, { logger, ...options })
  t.teardown(async () => {
    await server.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  return server
}

export interface TestEnsemble {
  servers: (ZooServer | undefined)[]
  connectString: string
  /** Stops member `id` (1-based) abruptly and keeps its data. */
  kill(id: number): Promise<void>
  /** Starts member `id` again on its data. */
  start(id: number): Promise<void>
  leader(): ZooServer | undefined
}

/** `members` voters in this process, each with its own ports and data dir. */
export async function startEnsemble(t: Test, members: number, values: Record<string, string> = {}, options: ZooServerOptions = {}): Promise<TestEnsemble> {
  const root = mkdtempSync(join(tmpdir(), 'zoo-ensemble-'))
  const ports: { id: number; client: number; quorum: number; election: number }[] = []
  for (let id = 1; id <= members; id++) ports.push({ id, client: await freePort(), quorum: await freePort(), election: await freePort() })
  const configs = ports.map((p) => {
    const dataDir = join(root, `member-${p.id}`)
    mkdirSync(dataDir, { recursive: true })
    writeFileSync(join(dataDir, 'myid'), `${p.id}\n`)
    const servers = Object.fromEntries(ports.map((q) => [`server.${q.id}`, `127.0.0.1:${q.quorum}:${q.election}`]))
    return resolveConfig({
      file: `member-${p.id}`,
      values: new Map(Object.entries({
        dataDir, clientPort: String(p.client), clientPortAddress: '127.0.0.1', tickTime: '200', initLimit: '10', syncLimit: '5',
        'admin.enableServer': 'false', '4lw.commands.whitelist': '*', ...servers, ...values,
      })),
      myidFile: { path: join(dataDir, 'myid'), text: String(p.id) },
    }).config
  })
  const servers: (ZooServer | undefined)[] = configs.map(() => undefined)
  const ensemble: TestEnsemble = {
    servers,
    connectString: ports.map((p) => `127.0.0.1:${p.client}`).join(','),
    kill: async (id) => {
      await servers[id - 1]?.stop()
      servers[id - 1] = undefined
    },
    start: async (id) => {
      servers[id - 1] = await ZooServer.start(configs[id - 1] as (typeof configs)[number], { logger, ...options })
    },
    leader: () => servers.find((s) => s?.mode() === 'leader'),
  }
  t.teardown(async () => {
    await Promise.all(servers.map((s) => s?.stop()))
    rmSync(root, { recursive: true, force: true })
  })
  await Promise.all(configs.map((_, i) => ensemble.start(i + 1)))
  return ensemble
}
