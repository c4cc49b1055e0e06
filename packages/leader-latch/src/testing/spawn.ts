/**
 * Starts a candidate (src/testing/candidate-main.ts, or dist/candidate.js once built) as its own
 * process, so that it can be killed with -9 or stopped with SIGSTOP like a real service.
 */
import { spawn, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import type { CandidateConfig } from './candidate.js'

export function candidateCommand(config: CandidateConfig): { command: string; args: string[] } {
  const fromSource = import.meta.url.endsWith('.ts')
  // From source the entry sits beside this file; rollup puts candidate.js beside testing.js.
  const entry = fileURLToPath(new URL(fromSource ? './candidate-main.ts' : './candidate.js', import.meta.url))
  const loader = fromSource ? ['--import', 'tsx', '--conditions=zoo-source'] : []
  return { command: process.execPath, args: [...loader, entry, JSON.stringify(config)] }
}

export function spawnCandidate(config: CandidateConfig, options: { cwd?: string } = {}): ChildProcess {
  const { command, args } = candidateCommand(config)
  return spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'inherit', 'inherit'] })
}

/** Resolves once the process has exited (at once if it has). */
export function exited(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve()
  return new Promise((resolve) => child.once('exit', () => resolve()))
}

/** Participant processes by id: started, signalled, replaced, and all stopped at the end. */
export class Fleet {
  private readonly processes = new Map<string, ChildProcess>()

  constructor(private readonly start: (id: string) => ChildProcess) {}

  /** Starts `id` (again, after it died). */
  launch(id: string): ChildProcess {
    const child = this.start(id)
    this.processes.set(id, child)
    return child
  }

  get(id: string): ChildProcess {
    const child = this.processes.get(id)
    if (!child) throw new Error(`no participant ${id}`)
    return child
  }

  /** Sends `signal`; for SIGKILL and SIGTERM waits until the process is gone. */
  async signal(id: string, signal: NodeJS.Signals): Promise<void> {
    const child = this.get(id)
    child.kill(signal)
    if (signal === 'SIGKILL' || signal === 'SIGTERM') await exited(child)
  }

  /** Graceful stop of every participant (SIGCONT first, for a paused one), then SIGKILL after `graceMs`. */
  async stopAll(graceMs = 5_000): Promise<void> {
    const all = [...this.processes.values()]
    for (const child of all) {
      child.kill('SIGCONT')
      child.kill('SIGTERM')
    }
    const timer = setTimeout(() => all.forEach((child) => child.kill('SIGKILL')), graceMs)
    await Promise.all(all.map(exited))
    clearTimeout(timer)
  }

  /** For teardown after a failure: nothing may outlive the test. */
  killAll(): void {
    for (const child of this.processes.values()) child.kill('SIGKILL')
  }
}
