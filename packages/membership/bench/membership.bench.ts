/**
 * Membership benchmark, our Group watch against kazoo's ChildrenWatch on the same 3-member Apache
 * ZooKeeper 3.8 ensemble (@zoo/testkit, tickTime 2000, 127.0.0.1) in the same run:
 * 1. 1,000 members (one session each, in a child process: bench/member-farm.ts) join at once:
 *    time from the first join() to a watcher listing all 1,000 (ours: typed and validated, data
 *    read; kazoo: child names only).
 * 2. 100 watchers of each kind (one session each; ours in this process, kazoo's in one Python
 *    process), then ROUNDS single leaves (leave(): the node is deleted): time from leave() to
 *    each watcher no longer listing the member, p50 / p99 over all watchers and rounds.
 * Both sides time on CLOCK_MONOTONIC (process.hrtime / time.monotonic_ns).
 * Env: BENCH_MEMBERS (1000), BENCH_WATCHERS (100), BENCH_ROUNDS (20).
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { loadavg } from 'node:os'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import * as z from 'zod'
import { createClient, type ZooKeeperClient } from '@zoo/client'
import { startApacheZooKeeper } from '@zoo/testkit'
import { Group, type GroupWatch } from '../src/index.js'

const MEMBERS = Number(process.env.BENCH_MEMBERS ?? 1_000)
const WATCHERS = Number(process.env.BENCH_WATCHERS ?? 100)
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 20)
const PATH = '/bench/members'
const KAZOO = fileURLToPath(new URL('./kazoo_children_watch.py', import.meta.url))
const FARM = fileURLToPath(new URL('./member-farm.ts', import.meta.url))
const schema = z.object({ i: z.number().int(), host: z.string(), port: z.number().int() })

const nowNs = () => process.hrtime.bigint()
const ms = (ns: bigint) => Number(ns) / 1e6
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))]!
const fmt = (value: number) => `${value.toFixed(1)} ms`

/** kazoo's watchers in a Python process; `full` and `gone` lines as they come. */
class KazooWatchers {
  readonly full = new Map<number, bigint>()
  readonly gone = new Map<string, bigint[]>()
  private onLine: (() => void) | undefined

  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      const [kind, a, b, c] = line.split(' ')
      if (kind === 'full') this.full.set(Number(a), BigInt(b!))
      if (kind === 'gone') this.gone.set(b!, [...(this.gone.get(b!) ?? []), BigInt(c!)])
      this.onLine?.()
    })
  }

  static async start(hosts: string, watchers: number, target: number): Promise<KazooWatchers> {
    const child = spawn('/usr/bin/python3', [KAZOO, hosts, PATH, String(watchers), String(target)], { stdio: ['pipe', 'pipe', 'inherit'] })
    const kazoo = new KazooWatchers(child)
    await new Promise<void>((resolve, reject) => {
      child.once('exit', (code) => reject(new Error(`kazoo watchers exited (${code})`)))
      createInterface({ input: child.stdout! }).on('line', (line) => {
        if (line.startsWith('{"ready"')) resolve()
      })
    })
    return kazoo
  }

  until(done: () => boolean, timeoutMs: number): Promise<void> {
    if (done()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('kazoo watchers: timed out')), timeoutMs)
      this.onLine = () => {
        if (!done()) return
        clearTimeout(timer)
        this.onLine = undefined
        resolve()
      }
    })
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.stdin!.end('stop\n')
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 30_000)
    await exited
    clearTimeout(timer)
  }
}

/** The members, in a child process (bench/member-farm.ts). */
class MemberFarm {
  private readonly lines: string[] = []
  private waiter: (() => void) | undefined

  private constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.lines.push(line)
      this.waiter?.()
    })
  }

  static async start(hosts: string, count: number): Promise<MemberFarm> {
    const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=zoo-source', FARM, hosts, PATH, String(count)], { stdio: ['pipe', 'pipe', 'inherit'] })
    const farm = new MemberFarm(child)
    await farm.expect('ready')
    return farm
  }

  /** Sends a command (if any) and waits for the line starting with `prefix`. */
  async expect(prefix: string, command?: string): Promise<string> {
    if (command) this.child.stdin!.write(`${command}\n`)
    for (;;) {
      const index = this.lines.findIndex((l) => l.startsWith(prefix))
      if (index >= 0) return this.lines.splice(index, 1)[0]!
      await new Promise<void>((resolve) => (this.waiter = resolve))
    }
  }

  /** The same, for a line ending in a CLOCK_MONOTONIC time. */
  async expectTime(prefix: string, command?: string): Promise<bigint> {
    return BigInt((await this.expect(prefix, command)).split(' ').at(-1)!)
  }

  async stop(): Promise<void> {
    const exited = new Promise((resolve) => this.child.once('exit', resolve))
    this.child.stdin!.end('quit\n')
    await exited
  }
}

/** Our watcher: records when it first lists `count` members and when each member leaves it. */
class OurWatcher {
  fullAt: bigint | undefined
  readonly goneAt = new Map<string, bigint>()
  constructor(readonly watch: GroupWatch<z.output<typeof schema>>, target: number) {
    void (async () => {
      for await (const update of watch) {
        const now = nowNs()
        for (const event of update.events) if (event.type === 'leave') this.goneAt.set(event.member.id, now)
        if (this.fullAt === undefined && update.snapshot.size >= target) this.fullAt = now
      }
    })()
  }
}

async function until(done: () => boolean, what: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`bench: timed out waiting for ${what}`)
    await new Promise((resolve) => setTimeout(resolve, 2))
  }
}

async function clients(connectString: string, count: number): Promise<ZooKeeperClient[]> {
  const made: ZooKeeperClient[] = []
  for (let i = 0; i < count; i += 50) made.push(...(await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => createClient(connectString, { sessionTimeoutMs: 30_000 })))))
  return made
}

async function main(): Promise<void> {
  const ensemble = await startApacheZooKeeper({ members: 3 })
  const hosts = ensemble.connectString
  const closers: (() => Promise<unknown>)[] = []
  try {
    console.log(`membership benchmark: ${MEMBERS} members, ${WATCHERS} watchers, ${ROUNDS} leaves; Apache ZooKeeper 3.8, 3 members, tickTime 2000, fsync on, 127.0.0.1; load ${loadavg().map((l) => l.toFixed(2)).join(' ')}`)
    const farm = await MemberFarm.start(hosts, MEMBERS)
    closers.push(() => farm.stop())

    // 1. The join burst, seen by one watcher of each kind.
    const [ourZk] = await clients(hosts, 1)
    closers.push(() => ourZk!.close())
    const ours = new OurWatcher(new Group(ourZk!, PATH, { schema }).watch(), MEMBERS)
    const kazoo1 = await KazooWatchers.start(hosts, 1, MEMBERS)
    await new Promise((resolve) => setTimeout(resolve, 500))
    const joinedAll = await farm.expectTime('joined', 'join')
    const start = await farm.expectTime('start')
    await until(() => ours.fullAt !== undefined, 'our watcher to list every member', 120_000)
    await kazoo1.until(() => kazoo1.full.size === 1, 120_000)
    await kazoo1.stop()
    await ours.watch.return()
    console.log(`\n1. ${MEMBERS} members join at once (one session each)`)
    console.log(`   every join() resolved          ${fmt(ms(joinedAll - start))}`)
    console.log(`   our Group watch lists all      ${fmt(ms(ours.fullAt! - start))}   (data read and validated)`)
    console.log(`   kazoo ChildrenWatch lists all  ${fmt(ms(kazoo1.full.get(0)! - start))}   (child names only)`)

    // 2. One leave at a time, seen by W watchers of each kind.
    const watcherClients = await clients(hosts, WATCHERS)
    closers.push(() => Promise.all(watcherClients.map((c) => c.close())))
    const watchers = watcherClients.map((zk) => new OurWatcher(new Group(zk, PATH, { schema }).watch(), MEMBERS))
    const kazoo = await KazooWatchers.start(hosts, WATCHERS, MEMBERS)
    await until(() => watchers.every((w) => w.fullAt !== undefined), 'our watchers to list every member', 300_000)
    await kazoo.until(() => kazoo.full.size === WATCHERS, 300_000)
    const oursMs: number[] = []
    const kazooMs: number[] = []
    for (let round = 0; round < ROUNDS; round++) {
      const victim = { id: `m${String(round * Math.floor(MEMBERS / ROUNDS)).padStart(4, '0')}` }
      const left = await farm.expectTime(`leaving ${victim.id}`, `leave ${victim.id}`)
      await until(() => watchers.every((w) => w.goneAt.has(victim.id)), `our watchers to see ${victim.id} go`, 60_000)
      await kazoo.until(() => (kazoo.gone.get(victim.id)?.length ?? 0) === WATCHERS, 60_000)
      const roundOurs = watchers.map((w) => ms(w.goneAt.get(victim.id)! - left))
      const roundKazoo = kazoo.gone.get(victim.id)!.map((at) => ms(at - left))
      oursMs.push(...roundOurs)
      kazooMs.push(...roundKazoo)
      if (process.env.BENCH_DETAIL) console.log(`   round ${round}: ours first ${fmt(Math.min(...roundOurs))} last ${fmt(Math.max(...roundOurs))}; kazoo first ${fmt(Math.min(...roundKazoo))} last ${fmt(Math.max(...roundKazoo))}`)
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    await kazoo.stop()
    for (const w of watchers) await w.watch.return()
    console.log(`\n2. ${WATCHERS} watchers of each kind, ${ROUNDS} single leaves: leave() -> a watcher no longer lists the member (${oursMs.length} samples each)`)
    console.log(`   ${''.padEnd(22)}${'p50'.padStart(10)}${'p99'.padStart(10)}${'max'.padStart(10)}`)
    console.log(`   ${'our Group watch'.padEnd(22)}${fmt(percentile(oursMs, 0.5)).padStart(10)}${fmt(percentile(oursMs, 0.99)).padStart(10)}${fmt(Math.max(...oursMs)).padStart(10)}`)
    console.log(`   ${'kazoo ChildrenWatch'.padEnd(22)}${fmt(percentile(kazooMs, 0.5)).padStart(10)}${fmt(percentile(kazooMs, 0.99)).padStart(10)}${fmt(Math.max(...kazooMs)).padStart(10)}`)
    console.log(`   (ours in one Node process, kazoo's in one Python process; the members in a third process)`)
  } finally {
    for (const close of closers.reverse()) await close().catch(() => undefined)
    await ensemble.stop()
  }
}

await main()
