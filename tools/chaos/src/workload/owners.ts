/**
 * Ephemeral owners over a run: child processes started every so often, each owning a session
 * and a few ephemerals, ended by SIGKILL (the process dies, the session must expire) or by
 * SIGTERM (it closes its session). At the end every owner still alive is killed.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import type { EphemeralOwner } from '../checker/history.js'
import type { Rng } from '../faults/rng.js'
import { sleep } from '../sleep.js'
import { EPHEMERALS_PATH } from './workers.js'

interface Owned {
  record: EphemeralOwner & { index: number }
  child: ChildProcess
  exited: Promise<void>
}

export interface OwnersOptions {
  hosts: readonly string[]
  sessionTimeoutMs: number
  /** a new owner every this many ms (on average) */
  everyMs: number
  /** at most this many alive at once */
  maxAlive: number
  nodesPerOwner: number
  now: () => number
  log: (line: string) => void
}

/** How to run owner-process as a child: its source through tsx (zoo-source), or its build. */
function ownerCommand(): { command: string; args: string[] } {
  const script = fileURLToPath(import.meta.resolve('@zoo/chaos/owner-process'))
  if (script.endsWith('.ts')) return { command: process.execPath, args: ['--import', 'tsx', '--conditions=zoo-source', script] }
  return { command: process.execPath, args: [script] }
}

export class Owners {
  private readonly alive = new Set<Owned>()
  readonly owners: (EphemeralOwner & { index: number })[] = []
  private started = 0

  constructor(
    private readonly options: OwnersOptions,
    private readonly rng: Rng,
  ) {}

  async run(signal: AbortSignal): Promise<void> {
    while (!signal.aborted) {
      await sleep(this.options.everyMs * (0.5 + this.rng.next()), signal)
      if (signal.aborted) break
      if (this.alive.size >= this.options.maxAlive) await this.end(this.rng.pick([...this.alive]), this.rng.chance(0.75) ? 'killed' : 'closed')
      this.start()
    }
  }

  /** Kills every owner still alive (SIGKILL) and waits for the processes to go. */
  async stopAll(): Promise<void> {
    await Promise.all([...this.alive].map((owned) => this.end(owned, 'killed')))
  }

  private start(): void {
    const index = this.started++
    const { command, args } = ownerCommand()
    const connect = this.rng.shuffle(this.options.hosts).join(',')
    const child = spawn(command, [...args, connect, EPHEMERALS_PATH, `o${index}`, String(this.options.nodesPerOwner), String(this.options.sessionTimeoutMs)], { stdio: ['ignore', 'pipe', 'pipe'] })
    const record: EphemeralOwner & { index: number } = { index, sessionId: '', created: [], how: 'alive' }
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
    const owned: Owned = { record, child, exited }
    this.alive.add(owned)
    this.owners.push(record)
    let stderr = ''
    child.stderr?.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-2_000)))
    createInterface({ input: child.stdout! }).on('line', (line) => this.heard(record, line))
    child.once('exit', (code, signal) => {
      this.alive.delete(owned)
      if (record.how === 'alive') {
        // It found no member to open a session with (or crashed): it owns nothing.
        record.how = 'killed'
        record.endedMs = this.options.now()
        if (code !== 0) this.options.log(`owner o${index} exited by itself (${code ?? signal}): ${stderr.trim().slice(-300)}`)
      }
    })
  }

  private heard(record: EphemeralOwner, line: string): void {
    let message: Record<string, unknown>
    try {
      message = JSON.parse(line) as Record<string, unknown>
    } catch {
      return
    }
    if (typeof message.session === 'string') record.sessionId = message.session
    if (typeof message.created === 'string') record.created.push(message.created)
    if (message.state === 'expired' && record.how === 'alive') {
      record.how = 'expired'
      record.endedMs = this.options.now()
    }
  }

  private async end(owned: Owned, how: 'killed' | 'closed'): Promise<void> {
    this.alive.delete(owned)
    const { record, child } = owned
    if (record.how === 'alive') {
      record.how = how
      record.endedMs = this.options.now()
    }
    if (child.exitCode === null && child.signalCode === null) {
      child.kill(how === 'killed' ? 'SIGKILL' : 'SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000)
      await owned.exited
      clearTimeout(timer)
    }
  }
}
