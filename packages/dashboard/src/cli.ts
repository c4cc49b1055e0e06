/**
 * `zoo-dashboard`: parses the command line, starts the console and prints where it is (and,
 * with --allow-writes, the token writes need).
 */
import { parseArgs } from 'node:util'
import { readTlsFiles, tlsFromEnvironment } from '@zoo/client'
import { startDashboard, type Dashboard } from './http/server.js'
import { InvalidDashboardOptionsError, type DashboardOptions } from './options.js'

export const USAGE = `usage: zoo-dashboard --connect host:port[,host:port...] [options]

  --connect <hosts>        the ensemble's members (required)
  --port <n>               port to serve on (default 8080; 0 picks a free one)
  --host <addr>            address to bind (default 127.0.0.1; anything else exposes the console)
  --allow-writes           serve create/set/delete; each needs the token printed at start
  --admin-port <n>         AdminServer port on every member's host (default 8080; 0: never ask)
  --admin <list>           per-member AdminServer ports: 127.0.0.1:2181=8081,127.0.0.1:2182=8082
  --interval-ms <n>        how often members are asked (default 1000)
  --history-minutes <n>    chart history kept (default 10)
  --session-timeout-ms <n> the console's ZooKeeper session timeout (default 15000)
  --tls-ca <file>          connect to the members' secureClientPort, trusting these CAs (PEM) (ZOO_TLS_CA)
  --tls-cert <file>        the console's client certificate (PEM; may hold the key too) (ZOO_TLS_CERT)
  --tls-key <file>         the key of --tls-cert, when in a file of its own (ZOO_TLS_KEY)
  -h, --help               this text
`

export interface CliIo {
  out: (line: string) => void
  err: (line: string) => void
}

function integer(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined
  if (!/^\d+$/.test(value)) throw new InvalidDashboardOptionsError(`--${name} must be a whole number, not ${JSON.stringify(value)}`)
  return Number(value)
}

/** `127.0.0.1:2181=8081,...` -> { '127.0.0.1:2181': 8081, ... } */
export function parseAdminPorts(text: string | undefined): Record<string, number> {
  if (text === undefined) return {}
  const ports: Record<string, number> = {}
  for (const item of text.split(',').map((s) => s.trim()).filter(Boolean)) {
    const match = /^(.+:\d+)=(\d+)$/.exec(item)
    if (!match) throw new InvalidDashboardOptionsError(`--admin: expected <host:clientPort>=<adminPort>, not ${JSON.stringify(item)}`)
    ports[match[1]!] = Number(match[2])
  }
  return ports
}

/** TLS from the flags, else from ZOO_TLS_*; undefined: plain TCP. */
function tlsOption(ca: string | undefined, cert: string | undefined, key: string | undefined): DashboardOptions['tls'] {
  if (ca === undefined && cert === undefined && key === undefined) return tlsFromEnvironment()
  return readTlsFiles({ ca, cert, key })
}

/** Options from argv, or undefined when help was asked for. */
export function parseCommandLine(argv: readonly string[]): DashboardOptions | undefined {
  const { values } = parseArgs({
    args: [...argv],
    strict: true,
    options: {
      connect: { type: 'string' },
      port: { type: 'string' },
      host: { type: 'string' },
      'allow-writes': { type: 'boolean' },
      'admin-port': { type: 'string' },
      admin: { type: 'string' },
      'interval-ms': { type: 'string' },
      'history-minutes': { type: 'string' },
      'session-timeout-ms': { type: 'string' },
      'tls-ca': { type: 'string' },
      'tls-cert': { type: 'string' },
      'tls-key': { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    },
  })
  if (values.help) return undefined
  if (values.connect === undefined) throw new InvalidDashboardOptionsError('--connect is required (e.g. --connect 127.0.0.1:2181,127.0.0.1:2182)')
  const options: DashboardOptions = {
    connect: values.connect,
    host: values.host,
    port: integer('port', values.port),
    allowWrites: values['allow-writes'] ?? false,
    adminPort: integer('admin-port', values['admin-port']),
    adminPorts: parseAdminPorts(values.admin),
    intervalMs: integer('interval-ms', values['interval-ms']),
    historyMinutes: integer('history-minutes', values['history-minutes']),
    sessionTimeoutMs: integer('session-timeout-ms', values['session-timeout-ms']),
    tls: tlsOption(values['tls-ca'], values['tls-cert'], values['tls-key']),
  }
  return Object.fromEntries(Object.entries(options).filter(([, v]) => v !== undefined)) as DashboardOptions
}

/** Starts the console from a command line; undefined after --help. */
export async function runCli(argv: readonly string[], io: CliIo): Promise<Dashboard | undefined> {
  const options = parseCommandLine(argv)
  if (options === undefined) {
    io.out(USAGE)
    return undefined
  }
  const dashboard = await startDashboard(options, { log: io.err })
  io.out(`zoo-dashboard: ${dashboard.url} (ensemble ${options.connect})`)
  if (dashboard.token !== undefined) {
    io.out(`zoo-dashboard: writes are on. Token: ${dashboard.token}`)
    io.out(`zoo-dashboard: open ${dashboard.url}#token=${dashboard.token} to edit (the page sends it in the ${dashboard.tokenHeader} header)`)
  } else {
    io.out('zoo-dashboard: read-only (start with --allow-writes to create, set and delete)')
  }
  if (!['127.0.0.1', 'localhost', '::1'].includes(dashboard.host)) io.err(`zoo-dashboard: warning: listening on ${dashboard.host}, not only on this machine`)
  return dashboard
}
