/**
 * Member processes driven from Apache-format zoo.cfg files, one per member. Every member's own
 * `server.N` line holds its real quorum and election ports (a member binds the addresses of its
 * own line), the other lines hold the proxies that member must dial to reach each peer, so the
 * files differ only in the other members' addresses. Both Apache ZooKeeper and `zoo server`
 * read this format; the launch command and the txn-log layout are the only per-target parts.
 */
import { createWriteStream, mkdirSync, writeFileSync, type WriteStream } from 'node:fs'
import { join } from 'node:path'
import { fourLetterWord, spawnTracked, type Spawned } from '@zoo/testkit'
import { damageLogTail, type LogFormat } from '../faults/disk.js'
import type { ChaosTarget, EnsembleOptions, MemberPorts, MemberStatus } from './target.js'

const HOST = '127.0.0.1'

export interface LaunchSpec {
  command: string
  args: (configFile: string) => string[]
  env?: NodeJS.ProcessEnv
}

interface Running {
  spawned: Spawned
  log: WriteStream
}

export class MemberProcesses {
  private readonly running = new Map<number, Running>()
  /** the output of each member's latest process, kept after it exits for failure messages */
  private readonly lastOutput = new Map<number, () => string>()

  constructor(
    private readonly options: EnsembleOptions,
    private readonly launch: LaunchSpec,
    /** extra zoo.cfg lines for every member */
    private readonly extraConfig: Record<string, string | number> = {},
  ) {}

  get members(): readonly MemberPorts[] {
    return this.options.members
  }

  memberDir(id: number): string {
    return join(this.options.dir, `member-${id}`)
  }

  dataDir(id: number): string {
    return join(this.memberDir(id), 'data')
  }

  configFile(id: number): string {
    return join(this.memberDir(id), 'zoo.cfg')
  }

  /** The zoo.cfg text of one member: its own line real, its peers' lines proxied. */
  config(member: MemberPorts): string {
    const lines: Record<string, string | number> = {
      tickTime: this.options.tickTimeMs,
      initLimit: 10,
      syncLimit: 5,
      dataDir: this.dataDir(member.id),
      clientPort: member.clientPort,
      clientPortAddress: HOST,
      maxClientCnxns: 0,
      'admin.enableServer': 'false',
      '4lw.commands.whitelist': '*',
      ...this.extraConfig,
    }
    const text = Object.entries(lines).map(([k, v]) => `${k}=${v}`)
    for (const peer of this.options.members) {
      const ports = peer.id === member.id ? peer : this.options.peerAddress(member.id, peer.id)
      text.push(`server.${peer.id}=${HOST}:${ports.quorumPort}:${ports.electionPort}`)
    }
    return `${text.join('\n')}\n`
  }

  writeConfigs(): void {
    for (const member of this.options.members) {
      mkdirSync(this.dataDir(member.id), { recursive: true })
      writeFileSync(join(this.dataDir(member.id), 'myid'), `${member.id}\n`)
      writeFileSync(this.configFile(member.id), this.config(member))
    }
  }

  spawn(id: number): void {
    if (this.running.has(id)) throw new Error(`member ${id} is already running`)
    const spawned = spawnTracked(this.launch.command, this.launch.args(this.configFile(id)), { env: this.launch.env })
    const log = createWriteStream(join(this.memberDir(id), 'member.log'), { flags: 'a' })
    spawned.child.stdout?.pipe(log, { end: false })
    spawned.child.stderr?.pipe(log, { end: false })
    this.running.set(id, { spawned, log })
    this.lastOutput.set(id, spawned.output)
    spawned.child.once('exit', () => {
      if (this.running.get(id)?.spawned === spawned) this.running.delete(id)
      log.end()
    })
  }

  /** Waits until the member answers `srvr` (serving or not): the process is up. Fails at once if it exits. */
  async answering(id: number, timeoutMs = 60_000): Promise<void> {
    const port = this.port(id)
    const deadline = performance.now() + timeoutMs
    while (performance.now() < deadline) {
      if (!this.running.has(id)) throw new Error(`member ${id} exited while starting:\n${this.logTail(id)}`)
      const answer = await fourLetterWord(port, 'srvr', HOST, 1_000).catch(() => '')
      if (answer.length > 0) return
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    throw new Error(`member ${id} did not answer srvr within ${timeoutMs} ms:\n${this.logTail(id)}`)
  }

  async kill(id: number): Promise<void> {
    const running = this.running.get(id)
    if (running === undefined) return
    running.spawned.child.kill('SIGCONT') // a stopped process must run to die promptly
    running.spawned.child.kill('SIGKILL')
    await running.spawned.stop(0)
    this.running.delete(id)
  }

  pid(id: number): number | undefined {
    return this.running.get(id)?.spawned.child.pid
  }

  logTail(id: number): string {
    const output = this.lastOutput.get(id)?.()
    return output === undefined ? '(never started)' : output.slice(-3_000)
  }

  async status(id: number): Promise<MemberStatus> {
    if (!this.running.has(id)) return { mode: 'down' }
    try {
      const srvr = await fourLetterWord(this.port(id), 'srvr', HOST, 1_000)
      const mode = /Mode: (\S+)/.exec(srvr)?.[1]
      const zxid = /Zxid: (0x[0-9a-fA-F]+)/.exec(srvr)?.[1]
      if (mode === undefined) return { mode: 'not-serving' }
      const known = ['leader', 'follower', 'observer', 'standalone'] as const
      return { mode: known.find((m) => m === mode) ?? 'not-serving', zxid: zxid === undefined ? undefined : BigInt(zxid) }
    } catch {
      return { mode: 'not-serving' }
    }
  }

  async stopAll(): Promise<void> {
    await Promise.all([...this.running.keys()].map((id) => this.kill(id)))
  }

  private port(id: number): number {
    const member = this.options.members.find((m) => m.id === id)
    if (member === undefined) throw new RangeError(`no member ${id}`)
    return member.clientPort
  }
}

/** A target made of member processes: what differs per server is the launch and the log format. */
export function processTarget(name: ChaosTarget['name'], description: string, processes: MemberProcesses, logFormat: LogFormat): ChaosTarget {
  const members = processes.members
  return {
    name,
    description,
    members,
    async start() {
      processes.writeConfigs()
      for (const member of members) processes.spawn(member.id)
      await Promise.all(members.map((m) => processes.answering(m.id)))
    },
    kill: (id) => processes.kill(id),
    async restart(id) {
      processes.spawn(id)
      await processes.answering(id)
    },
    pid: (id) => processes.pid(id),
    status: (id) => processes.status(id),
    async damageLogTail(id, random) {
      if (processes.pid(id) !== undefined) throw new Error(`member ${id} must be down before its log is damaged`)
      return await damageLogTail(processes.dataDir(id), logFormat, random)
    },
    logTail: (id) => processes.logTail(id),
    stop: () => processes.stopAll(),
  }
}
