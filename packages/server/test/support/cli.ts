// Running the `zoo` CLI from source as a child process (as a user would run the bin).
import { execFile } from 'node:child_process'
import { fileURLToPath } from 'node:url'

export const CLI = fileURLToPath(new URL('../../src/cli.ts', import.meta.url))
export const PACKAGE_DIR = fileURLToPath(new URL('../..', import.meta.url))

export interface RunResult {
  code: number
  stdout: string
  stderr: string
}

export async function run(command: string, args: string[], options: { timeoutMs?: number; input?: string; cwd?: string } = {}): Promise<RunResult> {
  return await new Promise((resolve) => {
    const child = execFile(command, args, { timeout: options.timeoutMs ?? 60_000, cwd: options.cwd ?? PACKAGE_DIR, maxBuffer: 16 << 20 }, (error, stdout, stderr) => {
      const code = error === null ? 0 : typeof error.code === 'number' ? error.code : 1
      resolve({ code, stdout, stderr })
    })
    if (options.input !== undefined) child.stdin?.end(options.input)
  })
}

export async function zoo(args: string[], options: { timeoutMs?: number } = {}): Promise<RunResult> {
  return await run(process.execPath, ['--import', 'tsx', '--conditions=zoo-source', CLI, ...args], options)
}
