import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ConnectionOptions } from 'node:tls'
import type { ApacheEnsemble, ApacheMember } from './apache.js'
import { fourLetterWord, freePort, waitFor } from './ports.js'

/**
 * The part of a test ensemble that does not depend on which server runs it (Apache or zoo):
 * `srvr` mode, SIGKILL, stop, and startup (every member started, a leader elected, or every
 * process stopped again with their last output in the error).
 */
export async function superviseEnsemble(
  members: ApacheMember[],
  start: (member: ApacheMember) => Promise<void>,
  removeData: () => void,
  what: string,
  /** TLS options for the `srvr` probes of a TLS-only ensemble. */
  probeTls?: ConnectionOptions,
): Promise<ApacheEnsemble> {
  const byId = (id: number) => {
    const member = members.find((m) => m.id === id)
    if (!member) throw new Error(`no ${what} member ${id}`)
    return member
  }
  const mode = async (id: number) => {
    try {
      return /Mode: (\w+)/.exec(await fourLetterWord(byId(id).clientPort, 'srvr', '127.0.0.1', 1_000, probeTls))?.[1]
    } catch {
      return undefined
    }
  }
  const ensemble: ApacheEnsemble = {
    members,
    connectString: members.map((m) => `127.0.0.1:${m.clientPort}`).join(','),
    start: (id) => start(byId(id)),
    mode,
    kill: async (id) => {
      const member = byId(id)
      member.process?.child.kill('SIGKILL')
      await member.process?.stop(0)
      member.process = undefined
    },
    stop: async () => {
      await Promise.all(members.map((m) => m.process?.stop()))
      removeData()
    },
  }
  try {
    await Promise.all(members.map((m) => start(m)))
    await waitFor(async () => {
      const modes = await Promise.all(members.map((m) => mode(m.id)))
      return modes.every((m) => m === 'standalone' || m === 'leader' || m === 'follower')
    }, 60_000, `the ${what} ensemble to elect a leader`)
  } catch (error) {
    const logs = members.map((m) => `--- member ${m.id}\n${m.process?.output().slice(-2_000) ?? ''}`).join('\n')
    await ensemble.stop()
    throw new Error(`${(error as Error).message}\n${logs}`)
  }
  return ensemble
}

export interface EnsembleLayout {
  members?: number
  tickTimeMs?: number
  config?: Record<string, string | number>
  /** extra zoo.cfg lines for one member (after `config`; e.g. its own key store) */
  memberConfig?: (id: number) => Record<string, string | number>
  fourLetterWords?: readonly string[]
  adminServer?: boolean
  /** Serve clients over TLS only: each member's client port is its `secureClientPort` (no `clientPort`). */
  tlsOnly?: boolean
}

/**
 * Members with free ports and a data dir (with `myid`) under `root`, each with a `zoo.cfg` in its
 * data dir: the file format Apache and zoo share. One member runs standalone (no `server.N`).
 */
export async function layOutEnsemble(root: string, options: EnsembleLayout): Promise<ApacheMember[]> {
  const members: ApacheMember[] = []
  for (let id = 1; id <= (options.members ?? 1); id++) {
    const dataDir = join(root, `member-${id}`)
    mkdirSync(dataDir, { recursive: true })
    writeFileSync(join(dataDir, 'myid'), `${id}\n`)
    const adminPort = options.adminServer === true ? await freePort() : undefined
    members.push({ id, clientPort: await freePort(), quorumPort: await freePort(), electionPort: await freePort(), dataDir, adminPort, process: undefined })
  }
  for (const member of members) {
    const lines: Record<string, string | number> = {
      tickTime: options.tickTimeMs ?? 2000,
      initLimit: 10,
      syncLimit: 5,
      dataDir: member.dataDir,
      clientPort: member.clientPort,
      clientPortAddress: '127.0.0.1',
      maxClientCnxns: 0,
      'admin.enableServer': String(options.adminServer === true),
      ...(member.adminPort === undefined ? {} : { 'admin.serverAddress': '127.0.0.1', 'admin.serverPort': member.adminPort }),
      '4lw.commands.whitelist': whitelist(options.fourLetterWords),
      ...options.config,
      ...options.memberConfig?.(member.id),
    }
    if (options.tlsOnly === true) {
      lines.secureClientPort = member.clientPort
      lines.secureClientPortAddress = '127.0.0.1'
      delete lines.clientPort
      delete lines.clientPortAddress
    }
    const text = Object.entries(lines).map(([key, value]) => `${key}=${value}`)
    if (members.length > 1) for (const peer of members) text.push(`server.${peer.id}=127.0.0.1:${peer.quorumPort}:${peer.electionPort}`)
    writeFileSync(configFile(member), `${text.join('\n')}\n`)
  }
  return members
}

export function configFile(member: ApacheMember): string {
  return join(member.dataDir, 'zoo.cfg')
}

/** `4lw.commands.whitelist`: every word unless told; startup waits on `ruok` or `srvr`. */
export function whitelist(words: readonly string[] | undefined): string {
  if (words === undefined) return '*'
  if (!words.includes('ruok') && !words.includes('srvr')) throw new Error('fourLetterWords must include ruok or srvr: startup waits on one of them')
  return words.join(',')
}
