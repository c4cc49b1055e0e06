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
