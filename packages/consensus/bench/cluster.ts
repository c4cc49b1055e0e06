// A local ensemble of member processes (bench/member-process.ts) on loopback, for the
// real-process test and the benchmark: start, kill -9, restart, and talk to each member's
// control port.
import { writeFileSync } from 'node:fs'
import { once } from 'node:events'
import { connect } from 'node:net'
import { createInterface } from 'node:readline'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { freePort, spawnTracked, waitFor, type Spawned } from '@zoo/testkit'
import type { MemberProcessConfig } from './member-process.js'

const packageDir = dirname(dirname(fileURLToPath(import.meta.url)))
const memberProcess = join(packageDir, 'bench', 'member-process.ts')

export interface ClusterOptions {
  tickMs?: number
  snapshotEveryEntries?: number
  consensus?: Record<string, unknown>
  /** TLS between members: each member's PEM key, certificate and trusted CAs. */
  tls?: (id: number) => { key: string; cert: string; ca: string[] }
}

export interface MemberStatus {
  pid: number
  id: number
  role: string
  leader: number | undefined
  epoch: number
  serving: boolean
  lastLoggedZxid: string
  committedZxid: string
  applied: number
  stats: Record<string, number>
  truncatedTail: { file: string; offset: number; droppedBytes: number; reason: string; lastGoodZxid: string } | null
}

export type ControlMessage = Record<string, unknown> & { done?: boolean; error?: string }

export class LocalCluster {
  private readonly processes = new Map<number, Spawned>()
  private readonly configs = new Map<number, MemberProcessConfig & { path: string }>()

  private constructor(readonly ids: number[]) {}

  /** Writes one config per member under `root` (ports picked now), starting nothing. */
  static async create(root: string, ids: number[], options: ClusterOptions = {}): Promise<LocalCluster> {
    const cluster = new LocalCluster(ids)
    const addresses: Record<string, { host: string; port: number }> = {}
    for (const id of ids) addresses[id] = { host: '127.0.0.1', port: await freePort() }
    for (const id of ids) {
      const config = {
        id,
        voters: ids,
        addresses,
        dataDir: join(root, `member-${id}`),
        controlPort: await freePort(),
        tickMs: options.tickMs ?? 50,
        snapshotEveryEntries: options.snapshotEveryEntries ?? 100_000,
        consensus: options.consensus ?? {},
        ...(options.tls === undefined ? {} : { tls: options.tls(id) }),
      }
      const path = join(root, `member-${id}.json`)
      writeFileSync(path, JSON.stringify(config))
      cluster.configs.set(id, { ...config, path })
    }
    return cluster
  }

  dataDir(id: number): string {
    return this.config(id).dataDir
  }

  /** Starts the member's process and waits until its control port answers. */
  async start(id: number): Promise<void> {
    const spawned = spawnTracked(process.execPath, ['--import', 'tsx', '--conditions=zoo-source', memberProcess, this.config(id).path], { cwd: packageDir })
    this.processes.set(id, spawned)
    await waitFor(async () => (spawned.child.exitCode !== null ? Promise.reject(new Error(spawned.output())) : this.status(id)), 20_000, `member ${id} to start`)
  }

  async startAll(): Promise<void> {
    await Promise.all(this.ids.map((id) => this.start(id)))
  }

  /** kill -9: no chance to flush or close anything. */
  async kill(id: number): Promise<void> {
    const spawned = this.processes.get(id)
    if (spawned === undefined) return
    this.processes.delete(id)
    if (spawned.child.exitCode !== null || spawned.child.signalCode !== null) return
    const exited = once(spawned.child, 'exit')
    spawned.child.kill('SIGKILL')
    await exited
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.processes.keys()].map((id) => this.kill(id)))
  }

  output(id: number): string {
    return this.processes.get(id)?.output() ?? ''
  }

  running(): number[] {
    return [...this.processes.keys()]
  }

  async status(id: number): Promise<MemberStatus> {
    return (await this.request(id, { op: 'status' })) as unknown as MemberStatus
  }

  /** The established leader that every running member follows. */
  async leader(timeoutMs = 15_000): Promise<number> {
    return await waitFor(
      async () => {
        const statuses = await Promise.all(this.running().map((id) => this.status(id)))
        const leader = statuses.find((s) => s.role === 'leading' && s.serving)
        if (leader === undefined) return undefined
        return statuses.every((s) => s.serving && s.leader === leader.id) ? leader.id : undefined
      },
      timeoutMs,
      'an established leader followed by every running member',
    )
  }

  async dump(id: number): Promise<[string, string][]> {
    return ((await this.request(id, { op: 'dump' })) as { entries: [string, string][] }).entries
  }

  /**
   * Sends one control request; `onProgress` sees the intermediate lines. Resolves with the final
   * line (`done`), rejects if the member dies first.
   */
  async request(id: number, message: Record<string, unknown>, onProgress?: (line: ControlMessage) => void): Promise<ControlMessage> {
    const socket = connect({ host: '127.0.0.1', port: this.config(id).controlPort })
    try {
      await once(socket, 'connect')
      socket.write(`${JSON.stringify({ id: 1, ...message })}\n`)
      for await (const line of createInterface({ input: socket })) {
        const reply = JSON.parse(line) as ControlMessage
        if (reply.done === true) {
          if (reply.error !== undefined) throw new Error(`member ${id}: ${reply.error}`)
          return reply
        }
        onProgress?.(reply)
      }
      throw new Error(`member ${id} closed the control connection`)
    } finally {
      socket.destroy()
    }
  }

  private config(id: number): MemberProcessConfig & { path: string } {
    const config = this.configs.get(id)
    if (config === undefined) throw new RangeError(`no member ${id}`)
    return config
  }
}
