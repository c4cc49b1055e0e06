// The `zoo` command line: a member in the foreground, a local cluster, a shell.
import { Command, InvalidArgumentError } from 'commander'
import { clusterDown, clusterKill, clusterStart, clusterStatus, clusterUp, connectionString } from './cli/cluster.js'
import type { CliCommand } from './cli/cluster.js'
import { registerMigrationCommands } from './cli/migrate.js'
import { runServer } from './cli/server-command.js'
import { loadShell } from './cli/shell-delegate.js'
import { ZOO_VERSION } from './version.js'

const integer = (min: number, max: number) => (value: string) => {
  const n = Number(value)
  if (!Number.isInteger(n) || n < min || n > max) throw new InvalidArgumentError(`expected an integer from ${min} to ${max}`)
  return n
}

const clientAuthMode = (value: string) => {
  if (value !== 'none' && value !== 'want' && value !== 'need') throw new InvalidArgumentError('expected none, want or need')
  return value
}

/** This process again (with its loader flags when run from source). */
const self: CliCommand = { execPath: process.execPath, args: [...process.execArgv, process.argv[1] as string] }

const program = new Command('zoo').description('zoo: a ZooKeeper-compatible ensemble').version(ZOO_VERSION).enablePositionalOptions()

program
  .command('server')
  .description('run one member in the foreground')
  .requiredOption('-c, --config <file>', 'zoo.cfg (Apache format) or JSON with the same keys')
  .action(async (opts: { config: string }) => runServer(opts.config))

const cluster = program.command('cluster').description('a local cluster of separate processes on 127.0.0.1')
cluster
  .command('up')
  .description('start a cluster, wait until it serves, print the connection string')
  .option('-n, --nodes <n>', 'voting members', integer(1, 50), 3)
  .option('--observers <n>', 'observers', integer(0, 49), 0)
  .option('-d, --dir <dir>', 'state and data directory', '.zoo')
  .option('-p, --client-port <port>', 'first client port (members count up from it)', integer(1, 65000), 2181)
  .option('--tick-time <ms>', 'tickTime of every member', integer(10, 60000), 2000)
  .option('--tls-dir <dir>', 'serve clients over TLS only, with the PEM files in <dir>: ca.pem (trusted CAs), server.pem or member-<id>.pem (key and certificate)')
  .option('--client-auth <mode>', 'with --tls-dir: ssl.clientAuth (none, want or need)', clientAuthMode, 'need')
  .action(async (opts: { nodes: number; observers: number; dir: string; clientPort: number; tickTime: number; tlsDir?: string; clientAuth: 'none' | 'want' | 'need' }) => {
    const tls = opts.tlsDir === undefined ? undefined : { dir: opts.tlsDir, clientAuth: opts.clientAuth }
    const state = await clusterUp({ nodes: opts.nodes, observers: opts.observers, dir: opts.dir, clientPort: opts.clientPort, tickTimeMs: opts.tickTime, tls }, self)
    process.stdout.write(`zoo cluster of ${state.members.length} serving${tls === undefined ? '' : ' over TLS only'}; connect with:\n${connectionString(state)}\n`)
    process.stdout.write(`(zoo shell ${connectionString(state)}; zoo cluster status|down --dir ${opts.dir})\n`)
  })
cluster
  .command('status')
  .option('-d, --dir <dir>', 'state directory', '.zoo')
  .action(async (opts: { dir: string }) => {
    for (const m of await clusterStatus(opts.dir)) {
      process.stdout.write(`member ${m.id}  ${m.role.padEnd(11)}  port ${m.clientPort}  pid ${String(m.pid ?? '-').padEnd(7)}  ${m.mode.padEnd(13)}  zxid ${m.zxid}\n`)
    }
  })
cluster
  .command('down')
  .option('-d, --dir <dir>', 'state directory', '.zoo')
  .option('--purge', 'also delete the data')
  .action(async (opts: { dir: string; purge?: boolean }) => clusterDown(opts.dir, { purge: opts.purge }))
cluster
  .command('kill <id>')
  .description('kill -9 one member')
  .option('-d, --dir <dir>', 'state directory', '.zoo')
  .action(async (id: string, opts: { dir: string }) => clusterKill(opts.dir, integer(1, 99)(id)))
cluster
  .command('start <id>')
  .description('start a stopped or killed member again on its data')
  .option('-d, --dir <dir>', 'state directory', '.zoo')
  .action(async (id: string, opts: { dir: string }) => {
    await clusterStart(opts.dir, integer(1, 99)(id), self)
  })

program
  .command('shell <connect-string> [command...]')
  .description('an interactive shell like zkCli (ls, get, set, create [-e] [-s], delete, stat, watch), or one command; runs @zoo/shell (zoo-shell), installed separately')
  .passThroughOptions()
  .action(async (connect: string, words: string[]) => {
    process.exitCode = await (await loadShell()).runShell(connect, words)
  })

registerMigrationCommands(program)

program.parseAsync(process.argv).catch((e: unknown) => {
  process.stderr.write(`zoo: ${(e as Error).message}\n`)
  process.exit(1)
})
