// Runs docs/tutorial.md the way a reader would: a 3-member cluster started with `zoo cluster up`
// (here on free ports, in a temp dir), then every block marked runnable in order: shell blocks
// with bash (`zoo` on PATH runs packages/server's CLI from source, $ZOO is the connection string
// `npm start` prints), TypeScript blocks as files inside the repo so @zoo/* imports resolve.
// Each block must exit 0 and print the lines of the `text expected` block after it, in order.
// The zh-CN translation must carry the same runnable blocks, so what it shows was run here too.
import t from 'tap'
import { spawnSync } from 'node:child_process'
import { chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { fileURLToPath } from 'node:url'
import { join } from 'node:path'
import { tempDir } from '@zoo/testkit'
import { missingLine, runnableBlocks } from '../src/blocks.js'
import type { RunnableBlock } from '../src/blocks.js'

const repo = fileURLToPath(new URL('../../../', import.meta.url))
const docs = join(repo, 'docs')
const tsxLoader = import.meta.resolve('tsx')
const nodeFlags = [`--import=${tsxLoader}`, '--conditions=zoo-source']
const blockTimeoutMs = 90_000
/** The tutorial's cluster ticks as `npm start`'s does (2 s), only faster so elections take less. */
const tickTimeMs = 500

async function portFree(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer()
    server.once('error', () => resolve(false))
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)))
  })
}

/** A base port whose client, quorum, election and admin ports (base+0..2, +100, +200, +300) are free. */
async function freeBasePort(members: number): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 20_000 + Math.floor(Math.random() * 30_000)
    const ports = [0, 100, 200, 300].flatMap((offset) => Array.from({ length: members }, (_, i) => base + offset + i))
    let free = true
    for (const port of ports) if (!(free = await portFree(port))) break
    if (free) return base
  }
  throw new Error('no free block of ports for the cluster')
}

interface Run { status: number | null; stdout: string; stderr: string; ms: number }

function run(command: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Run {
  const started = Date.now()
  const r = spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: blockTimeoutMs })
  return { status: r.status, stdout: r.stdout, stderr: r.stderr + (r.error ? `\n${r.error.message}` : ''), ms: Date.now() - started }
}

const english = readFileSync(join(docs, 'tutorial.md'), 'utf8')
const chinese = readFileSync(join(docs, 'tutorial.zh-CN.md'), 'utf8')
const blocks = runnableBlocks(english)

t.test('the zh-CN translation runs exactly the English blocks', async (t) => {
  const translated = runnableBlocks(chinese)
  t.equal(translated.length, blocks.length, 'same number of runnable blocks')
  translated.forEach((block, i) => {
    const original = blocks[i]
    t.same({ language: block.language, code: block.code, expected: block.expected },
      original && { language: original.language, code: original.code, expected: original.expected },
      `zh-CN block at line ${block.line} = English block at line ${original?.line}`)
  })
})

t.test('every runnable block of docs/tutorial.md', async (t) => {
  t.ok(blocks.length >= 10, `${blocks.length} runnable blocks`)
  const work = tempDir('zoo-tutorial-')
  const snippets = join(repo, 'tools', 'docs-test', '.snippets')
  const bin = join(work.path, 'bin')
  mkdirSync(bin)
  mkdirSync(snippets, { recursive: true })
  const cli = join(repo, 'packages', 'server', 'src', 'cli.ts')
  writeFileSync(join(bin, 'zoo'), `#!/usr/bin/env bash\nexec ${JSON.stringify(process.execPath)} ${nodeFlags.map((f) => JSON.stringify(f)).join(' ')} ${JSON.stringify(cli)} "$@"\n`)
  chmodSync(join(bin, 'zoo'), 0o755)
  const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env.PATH ?? ''}`, FORCE_COLOR: '0' }
  t.teardown(() => {
    const down = run('zoo', ['cluster', 'down', '--purge'], work.path, env)
    if (down.status !== 0) console.error(`zoo cluster down: ${down.stderr}`)
    rmSync(snippets, { recursive: true, force: true })
    work.remove()
  })

  const base = await freeBasePort(3)
  const up = run('zoo', ['cluster', 'up', '--nodes', '3', '--client-port', String(base), '--tick-time', String(tickTimeMs)], work.path, env)
  t.equal(up.status, 0, `zoo cluster up: ${up.stderr}`)
  const connection = up.stdout.split('\n').find((line) => /^127\.0\.0\.1:\d+(,127\.0\.0\.1:\d+)*$/.test(line))
  if (connection === undefined) throw new Error(`no connection string in:\n${up.stdout}`)
  env.ZOO = connection
  t.comment(`cluster: ${connection} (tickTime ${tickTimeMs} ms) in ${work.path}`)

  for (const [i, block] of blocks.entries()) {
    const result = runBlock(block, i, { cwd: work.path, env, snippets })
    t.comment(`block ${i + 1} (line ${block.line}, ${block.language}, ${result.ms} ms):\n${result.stdout.trimEnd()}`)
    t.equal(result.status, 0, `block at line ${block.line} exits 0`, { stderr: result.stderr.slice(-4000) })
    t.equal(missingLine(block.expected, result.stdout), null, `block at line ${block.line} prints what the tutorial shows`,
      { stdout: result.stdout, stderr: result.stderr.slice(-4000) })
    if (result.status !== 0) break // later steps build on this one
  }
})

function runBlock(block: RunnableBlock, index: number, where: { cwd: string; env: NodeJS.ProcessEnv; snippets: string }): Run {
  if (block.language === 'sh') return run('bash', ['-euo', 'pipefail', '-c', block.code], where.cwd, where.env)
  const file = join(where.snippets, `block-${index + 1}.ts`)
  writeFileSync(file, block.code + '\n')
  return run(process.execPath, [...nodeFlags, file], where.cwd, where.env)
}
