// Interop in pairs (errata: kazoo and Curator sort each other's names wrongly, so each shares a
// path with zoo only): zoo + kazoo's Lock on kazoo naming, zoo + Curator's InterProcessMutex on
// Curator naming. Every party prints its critical sections on the CLOCK_MONOTONIC clock; the
// merged history must show no two holders at once, and handoffs in both directions.
import t, { type Test } from 'tap'
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createClient } from '@zoo/client'
import { selectedEnsemble } from '@zoo/recipe-core/testing'
import { tempDir } from '@zoo/testkit'
import { Mutex, type Naming } from '../src/index.js'

const HERE = fileURLToPath(new URL('./interop/', import.meta.url))
const PYTHON = '/usr/bin/python3'
const JARS = ['curator-framework', 'curator-client', 'curator-recipes', 'zookeeper', 'zookeeper-jute', 'guava', 'slf4j-api', 'slf4j-nop'].map((name) => `/usr/share/java/${name}.jar`)
const ROUNDS = 12
const HOLD_MS = 15

const ensemble = await selectedEnsemble()({ members: 1 })
t.teardown(() => ensemble.stop())

interface Section {
  party: string
  start: bigint
  end: bigint
}

/** Runs a driver; resolves with its stdout lines once it exits 0. */
function run(command: string, args: string[]): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.stderr.on('data', (chunk) => (err += chunk))
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000)
    child.on('exit', (code) => {
      clearTimeout(timer)
      if (code === 0) resolve(out.split('\n').filter(Boolean))
      else reject(new Error(`${command} exited ${code}\n${out}\n${err.slice(-3_000)}`))
    })
  })
}

function sectionsOf(lines: string[]): Section[] {
  const sections: Section[] = []
  let open: { party: string; start: bigint } | undefined
  for (const line of lines) {
    const [event, party, ns] = line.split(' ')
    if (event === 'acquired') open = { party: party!, start: BigInt(ns!) }
    else if (event === 'releasing' && open) {
      sections.push({ ...open, end: BigInt(ns!) })
      open = undefined
    }
  }
  return sections
}

async function zooParty(party: string, path: string, naming: Naming, startNs: bigint): Promise<Section[]> {
  const zk = await createClient(ensemble.connectString, { sessionTimeoutMs: 10_000 })
  try {
    await new Promise((resolve) => setTimeout(resolve, Math.max(0, Number(startNs - process.hrtime.bigint()) / 1e6)))
    const mutex = new Mutex(zk, path, { id: party, naming })
    const sections: Section[] = []
    for (let i = 0; i < ROUNDS; i++) {
      const lease = await mutex.acquire({ timeoutMs: 30_000 })
      const start = process.hrtime.bigint()
      await new Promise((resolve) => setTimeout(resolve, HOLD_MS))
      if (lease.signal.aborted) throw new Error(`${party} lost the lock while holding it`)
      sections.push({ party, start, end: process.hrtime.bigint() })
      await lease.release()
    }
    return sections
  } finally {
    await zk.close()
  }
}

function checkHistory(t: Test, sections: Section[], parties: string[]): void {
  const ordered = [...sections].sort((a, b) => (a.start < b.start ? -1 : 1))
  let overlaps = 0
  let switches = 0
  for (let i = 1; i < ordered.length; i++) {
    if (ordered[i]!.start < ordered[i - 1]!.end) {
      overlaps++
      t.fail(`${ordered[i]!.party} acquired while ${ordered[i - 1]!.party} held the lock`)
    }
    if (ordered[i]!.party !== ordered[i - 1]!.party) switches++
  }
  t.equal(overlaps, 0, `never two holders at once in ${ordered.length} critical sections`)
  for (const party of parties) t.equal(sections.filter((s) => s.party === party).length, ROUNDS, `${party} completed ${ROUNDS} rounds`)
  const kinds = new Set(parties.map((p) => p.split('-')[0]))
  const crossings = ordered.filter((s, i) => i > 0 && s.party.split('-')[0] !== ordered[i - 1]!.party.split('-')[0]).length
  t.ok(switches > 0 && crossings >= 2, `handoffs between languages in both directions (${crossings})`)
  t.ok(kinds.size === 2)
}

t.test('zoo + kazoo Lock on kazoo naming', { skip: existsSync(PYTHON) ? false : 'no python3' }, async (t) => {
  const path = '/interop/kazoo'
  const driver = join(HERE, 'kazoo_lock.py')
  const startNs = process.hrtime.bigint() + 3_000_000_000n
  const kazoo = (id: string) => run(PYTHON, [driver, ensemble.connectString, path, id, String(ROUNDS), String(HOLD_MS), String(startNs)]).then(sectionsOf)
  const results = await Promise.all([kazoo('kazoo-1'), kazoo('kazoo-2'), zooParty('zoo-1', path, 'kazoo', startNs), zooParty('zoo-2', path, 'kazoo', startNs)])
  checkHistory(t, results.flat(), ['kazoo-1', 'kazoo-2', 'zoo-1', 'zoo-2'])
})

t.test('zoo + Curator InterProcessMutex on Curator naming', async (t) => {
  const classes = tempDir('curator-driver')
  t.teardown(() => classes.remove())
  const classpath = JARS.join(':')
  await run('javac', ['-cp', classpath, '-d', classes.path, join(HERE, 'CuratorLock.java')])
  const path = '/interop/curator'
  const startNs = process.hrtime.bigint() + 8_000_000_000n
  const java = (id: string) => run('java', ['-cp', `${classes.path}:${classpath}`, 'CuratorLock', ensemble.connectString, path, id, String(ROUNDS), String(HOLD_MS), String(startNs)]).then(sectionsOf)
  const results = await Promise.all([java('curator-1'), java('curator-2'), zooParty('zoo-1', path, 'curator', startNs), zooParty('zoo-2', path, 'curator', startNs)])
  checkHistory(t, results.flat(), ['curator-1', 'curator-2', 'zoo-1', 'zoo-2'])
})
