// Shared by the migration tests: kazoo as the reader of both servers, dumps and their diff,
// and a `zoo server` process on an imported dataDir.
import { readFileSync, writeFileSync } from 'node:fs'
import { fourLetterWord, spawnTracked, waitFor } from '@zoo/testkit'
import type { Spawned } from '@zoo/testkit'
import { CLI, PACKAGE_DIR, run } from '../support/cli.js'

export const KAZOO = new URL('./kazoo_tree.py', import.meta.url).pathname

export interface DumpedNode {
  path: string
  data: string | null
  acl: string[]
  stat: number[]
}

export async function kazoo(args: string[], timeoutMs = 240_000): Promise<string> {
  const result = await run('/usr/bin/python3', [KAZOO, ...args], { timeoutMs })
  if (result.code !== 0) throw new Error(`kazoo_tree.py ${args[0]} failed (${result.code}):\n${result.stderr.slice(-3000)}`)
  return result.stdout
}

/** Runs a step and notes its duration in the TAP output (the figures in the README come from here). */
export async function timed<T>(note: (line: string) => void, what: string, step: () => Promise<T>): Promise<T> {
  const startMs = performance.now()
  try {
    return await step()
  } finally {
    note(`${what}: ${((performance.now() - startMs) / 1000).toFixed(1)} s`)
  }
}

export async function dump(note: (line: string) => void, connect: string, file: string): Promise<Map<string, DumpedNode>> {
  await timed(note, `kazoo reads ${file.split('/').at(-1)}`, () => kazoo(['dump', connect, file]))
  const nodes = new Map<string, DumpedNode>()
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    if (line === '') continue
    const node = JSON.parse(line) as DumpedNode
    nodes.set(node.path, node)
  }
  return nodes
}

/** Differences between two dumps, ignoring the paths `skip` says to (at most 20 listed). */
export function differences(expected: Map<string, DumpedNode>, actual: Map<string, DumpedNode>, skip: (path: string) => boolean = () => false): string[] {
  const out: string[] = []
  for (const [path, node] of expected) {
    if (skip(path)) continue
    const other = actual.get(path)
    if (other === undefined) out.push(`missing ${path}`)
    else if (JSON.stringify(other) !== JSON.stringify(node)) out.push(`differs ${path}: ${JSON.stringify(node)} vs ${JSON.stringify(other)}`)
  }
  for (const path of actual.keys()) if (!expected.has(path) && !skip(path)) out.push(`extra ${path}`)
  return out.slice(0, 20)
}

export async function startZoo(configFile: string, clientPort: number): Promise<Spawned> {
  const server = spawnTracked(process.execPath, ['--import', 'tsx', '--conditions=zoo-source', CLI, 'server', '--config', configFile], { cwd: PACKAGE_DIR })
  try {
    await waitFor(async () => /Mode: (standalone|leader)/.test(await fourLetterWord(clientPort, 'srvr', '127.0.0.1', 1_000).catch(() => '')), 90_000, 'zoo to serve on the imported dataDir')
  } catch (e) {
    await server.stop()
    throw new Error(`${(e as Error).message}\n${server.output().slice(-3000)}`)
  }
  return server
}

/** zoo.cfg of the Apache member with dataDir pointed at `dataDir`: the only line a user changes. */
export function zooConfig(apacheConfig: string, dataDir: string, file: string): void {
  const text = readFileSync(apacheConfig, 'utf8').replace(/^dataDir=.*$/m, `dataDir=${dataDir}`)
  writeFileSync(file, text)
}

