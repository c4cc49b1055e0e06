/**
 * `--target zoo`: our own server, each member a `zoo server --config <file>` process on the same
 * per-member zoo.cfg files as Apache's (the server reads Apache's format). The zoo member hello
 * carries only the member id (peers dial the lower ids from their config), so no rewrite is
 * needed on the election links.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { zooLogFormat } from '../faults/disk.js'
import { MemberProcesses, processTarget } from './ensemble.js'
import type { ChaosTarget, EnsembleOptions } from './target.js'

/** The `zoo` CLI of @zoo/server next to its entry: sources through tsx, or the build. */
function zooCli(): { command: string; args: string[] } {
  const entry = fileURLToPath(import.meta.resolve('@zoo/server'))
  if (entry.endsWith('.ts')) return { command: process.execPath, args: ['--import', 'tsx', '--conditions=zoo-source', join(dirname(entry), 'cli.ts')] }
  return { command: process.execPath, args: [join(dirname(entry), 'cli.js')] }
}

export function zooTarget(options: EnsembleOptions, extraConfig: Record<string, string | number> = {}): ChaosTarget {
  const cli = zooCli()
  const processes = new MemberProcesses(options, { command: cli.command, args: (configFile) => [...cli.args, 'server', '--config', configFile] }, extraConfig)
  return processTarget('zoo', `${options.members.length}-member zoo ensemble (zoo server processes), tickTime ${options.tickTimeMs} ms`, processes, zooLogFormat)
}
