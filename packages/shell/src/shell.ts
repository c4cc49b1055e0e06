// `zoo-shell <connect-string> [command...]` (also `zoo shell`): a zkCli-like shell over
// @zoo/client, interactive or one command from the arguments.
import { createInterface } from 'node:readline'
import { createClient, isKeeperError, tlsFromEnvironment } from '@zoo/client'
import type { ClientOptions, Stat, ZooKeeperClient } from '@zoo/client'

export interface ShellIo {
  out(line: string): void
  err(line: string): void
}

export const COMMANDS_USAGE = `commands:
  ls [-w] path                  children (watch: print the next change)
  get [-s] [-w] path            data (and stat)
  set [-s] [-v version] path data
  create [-e] [-s] [-c] [-t ttlMs] path [data]
  delete [-v version] path
  deleteall path
  stat [-w] path
  watch [-r] path               wait for the next event on path (recursive: below it too)
  sync path | getAcl path | whoami | addauth scheme auth | help | quit`

/** Splits a command line into words; single or double quotes keep spaces. */
export function splitWords(line: string): string[] {
  const words: string[] = []
  const re = /"((?:[^"\\]|\\.)*)"|'([^']*)'|(\S+)/g
  for (let m = re.exec(line); m !== null; m = re.exec(line)) words.push(m[1]?.replace(/\\(.)/g, '$1') ?? m[2] ?? (m[3] as string))
  return words
}

/** `-x` flags (with `valued` ones taking the next word) and the remaining positional words. */
function parseFlags(words: string[], valued: string[] = []): { flags: Map<string, string>; rest: string[] } {
  const flags = new Map<string, string>()
  const rest: string[] = []
  for (let i = 0; i < words.length; i++) {
    const w = words[i] as string
    if (/^-[a-zA-Z]$/.test(w)) {
      if (valued.includes(w)) flags.set(w, words[++i] ?? '')
      else flags.set(w, '')
    } else rest.push(w)
  }
  return { flags, rest }
}

function hexZxid(z: bigint): string {
  return `0x${BigInt.asUintN(64, z).toString(16)}`
}

/** java.util.Date#toString in UTC, as zkCli prints ctime and mtime: `Fri Nov 27 13:56:29 UTC 2026`. */
export function javaDate(ms: number): string {
  // toUTCString gives the same fields in another order: `Fri, 27 Nov 2026 13:56:29 GMT`.
  const [weekday, day, month, year, time] = new Date(ms).toUTCString().split(' ')
  return `${weekday?.slice(0, 3)} ${month} ${day} ${time} UTC ${year}`
}

/** zkCli's stat layout. */
export function formatStat(s: Stat): string {
  return [
    `cZxid = ${hexZxid(s.czxid)}`,
    `ctime = ${javaDate(Number(s.ctime))}`,
    `mZxid = ${hexZxid(s.mzxid)}`,
    `mtime = ${javaDate(Number(s.mtime))}`,
    `pZxid = ${hexZxid(s.pzxid)}`,
    `cversion = ${s.cversion}`,
    `dataVersion = ${s.version}`,
    `aclVersion = ${s.aversion}`,
    `ephemeralOwner = ${hexZxid(s.ephemeralOwner)}`,
    `dataLength = ${s.dataLength}`,
    `numChildren = ${s.numChildren}`,
  ].join('\n')
}

/** Runs one command line; resolves false on `quit`. Keeper errors are printed, not thrown. */
export async function runShellCommand(zk: ZooKeeperClient, line: string, io: ShellIo): Promise<boolean> {
  return await runShellWords(zk, splitWords(line), io)
}

/** As runShellCommand, for words already split (a command from argv keeps its quotes and newlines). */
export async function runShellWords(zk: ZooKeeperClient, words: readonly string[], io: ShellIo): Promise<boolean> {
  const [command, ...args] = words
  if (command === undefined) return true
  try {
    return await dispatch(zk, command, args, io)
  } catch (e) {
    if (isKeeperError(e)) io.err(`${e.codeName}${e.path === undefined ? '' : `: ${e.path}`}`)
    else io.err(String((e as Error).message ?? e))
    return true
  }
}

function need(rest: string[], count: number, usage: string): void {
  if (rest.length < count) throw new Error(`usage: ${usage}`)
}

async function nextEvent(register: (watch: (event: unknown) => void) => Promise<unknown>): Promise<unknown> {
  let fire: (event: unknown) => void = () => undefined
  const event = new Promise((resolve) => (fire = resolve))
  await register(fire)
  return event
}

async function dispatch(zk: ZooKeeperClient, command: string, args: string[], io: ShellIo): Promise<boolean> {
  const { flags, rest } = parseFlags(args, ['-v', '-t'])
  const path = rest[0] as string
  const version = flags.has('-v') ? Number(flags.get('-v')) : undefined
  switch (command) {
    case 'ls': {
      need(rest, 1, 'ls [-w] path')
      if (!flags.has('-w')) io.out(`[${(await zk.getChildren(path)).children.sort().join(', ')}]`)
      else {
        const event = nextEvent(async (watch) => io.out(`[${(await zk.getChildren(path, { watch })).children.sort().join(', ')}]`))
        io.out(`WATCHER:: ${JSON.stringify(await event)}`)
      }
      return true
    }
    case 'get': {
      need(rest, 1, 'get [-s] [-w] path')
      const show = (r: { data: Buffer; stat: Stat }) => {
        io.out(r.data.toString('utf8'))
        if (flags.has('-s')) io.out(formatStat(r.stat))
      }
      if (!flags.has('-w')) show(await zk.getData(path))
      else io.out(`WATCHER:: ${JSON.stringify(await nextEvent(async (watch) => show(await zk.getData(path, { watch }))))}`)
      return true
    }
    case 'set': {
      need(rest, 2, 'set [-s] [-v version] path data')
      const stat = await zk.setData(path, rest[1] as string, version === undefined ? {} : { version })
      if (flags.has('-s')) io.out(formatStat(stat))
      return true
    }
    case 'create': {
      need(rest, 1, 'create [-e] [-s] [-c] [-t ttlMs] path [data]')
      const e = flags.has('-e')
      const s = flags.has('-s')
      const ttlMs = flags.has('-t') ? Number(flags.get('-t')) : undefined
      const mode = flags.has('-c') ? 'container' : ttlMs !== undefined ? (s ? 'persistent-sequential-ttl' : 'persistent-ttl') : e ? (s ? 'ephemeral-sequential' : 'ephemeral') : s ? 'persistent-sequential' : 'persistent'
      io.out(`Created ${await zk.create(path, rest[1] ?? '', { mode, ...(ttlMs === undefined ? {} : { ttlMs }) })}`)
      return true
    }
    case 'delete':
      need(rest, 1, 'delete [-v version] path')
      await zk.delete(path, version === undefined ? {} : { version })
      return true
    case 'deleteall':
    case 'rmr':
      need(rest, 1, 'deleteall path')
      await zk.deleteRecursive(path)
      return true
    case 'stat': {
      need(rest, 1, 'stat [-w] path')
      const print = (stat: Stat | null) => {
        if (stat === null) throw new Error(`Node does not exist: ${path}`)
        io.out(formatStat(stat))
      }
      if (!flags.has('-w')) print(await zk.exists(path))
      else io.out(`WATCHER:: ${JSON.stringify(await nextEvent(async (watch) => print(await zk.exists(path, { watch }))))}`)
      return true
    }
    case 'watch': {
      need(rest, 1, 'watch [-r] path')
      for await (const event of zk.watch(path, { recursive: flags.has('-r') })) {
        if (event.type === 'resync') continue
        io.out(`WATCHER:: ${JSON.stringify(event)}`)
        break
      }
      return true
    }
    case 'sync':
      need(rest, 1, 'sync path')
      await zk.sync(path)
      io.out('Sync is OK')
      return true
    case 'getAcl': {
      need(rest, 1, 'getAcl path')
      for (const a of (await zk.getACL(path)).acl) io.out(`'${a.id.scheme},'${a.id.id}\n: ${permString(a.perms)}`)
      return true
    }
    case 'whoami':
      for (const who of await zk.whoAmI()) io.out(`Auth scheme: User\n${who.scheme}: ${who.user}`)
      return true
    case 'addauth':
      need(rest, 2, 'addauth scheme auth')
      await zk.addAuth(rest[0] as string, rest[1] as string)
      return true
    case 'help':
      io.out(COMMANDS_USAGE)
      return true
    case 'quit':
    case 'close':
      return false
    default:
      io.err(`unknown command: ${command}\n${COMMANDS_USAGE}`)
      return true
  }
}

function permString(perms: number): string {
  return [['c', 4], ['d', 8], ['r', 1], ['w', 2], ['a', 16]].filter(([, bit]) => (perms & (bit as number)) !== 0).map(([c]) => c).join('')
}

export interface ShellOptions {
  /** asked of the server; also how long to wait for a first session (default 30 s) */
  sessionTimeoutMs?: number
  /** connect over TLS (a secureClientPort); default: from ZOO_TLS_CA/CERT/KEY when set, else plain */
  tls?: ClientOptions['tls']
}

/** The shell: one command from `words`, else a prompt on stdin. Returns the exit code. */
export async function runShell(connectString: string, words: string[], io: ShellIo = defaultIo, options: ShellOptions = {}): Promise<number> {
  const sessionTimeoutMs = options.sessionTimeoutMs ?? 30_000
  const tls = options.tls ?? tlsFromEnvironment()
  const zk = await createClient(connectString, { sessionTimeoutMs, tls }).catch((e: unknown) => {
    // The last connect error says why no session came (refused, a TLS certificate not trusted), the code only that none did.
    const last = ((e as Error).cause as Error | undefined)?.cause
    const cause = last instanceof Error ? `: ${last.message}` : ''
    const why = isKeeperError(e) ? `${e.codeName}${cause}` : (e as Error).message
    throw new Error(`no session with ${connectString} within ${sessionTimeoutMs} ms (${why})`, { cause: e })
  })
  try {
    if (words.length > 0) {
      let failed = false
      await runShellWords(zk, words, { out: io.out, err: (l) => ((failed = true), io.err(l)) })
      return failed ? 1 : 0
    }
    const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: `[zk: ${connectString}] ` })
    rl.prompt()
    for await (const line of rl) {
      if (!(await runShellCommand(zk, line, io))) break
      rl.prompt()
    }
    rl.close()
    return 0
  } finally {
    await zk.close()
  }
}

const defaultIo: ShellIo = {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
}
