// `zoo cluster up|status|down|kill|start`: a local ensemble of separate OS processes on
// 127.0.0.1, its state (ports, pids, data) kept in one directory.
import { spawn } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join, resolve } from 'node:path'
import { fourLetterWord } from './four-letter-client.js'

export interface ClusterMember {
  id: number
  role: 'participant' | 'observer'
  clientPort: number
  quorumPort: number
  electionPort: number
  adminPort: number
  pid: number | undefined
}

/** A TLS-only cluster: each member's client port is its secureClientPort. */
export interface ClusterTls {
  /** Holds ca.pem (trust store), server.pem or member-<id>.pem (key + certificate chain). */
  dir: string
  clientAuth: 'none' | 'want' | 'need'
}

export interface ClusterState {
  dir: string
  members: ClusterMember[]
  tls?: ClusterTls
}

export interface ClusterUpOptions {
  nodes: number
  observers: number
  dir: string
  clientPort: number
  tickTimeMs?: number
  /** Extra zoo.cfg lines for every member. */
  extra?: Record<string, string>
  waitMs?: number
  /** Serve clients over TLS only (see ClusterTls). */
  tls?: ClusterTls
}

const STATE_FILE = 'cluster.json'
const HOST = '127.0.0.1'

/** Port layout from the base client port upward: client, quorum, election, admin blocks. */
export function clusterPorts(base: number, count: number): Omit<ClusterMember, 'role' | 'pid'>[] {
  if (count < 1 || count > 99) throw new RangeError(`members ${count} (1..99)`)
  return Array.from({ length: count }, (_, k) => ({
    id: k + 1,
    clientPort: base + k,
    quorumPort: base + 100 + k,
    electionPort: base + 200 + k,
    adminPort: base + 300 + k,
  }))
}

export function memberDir(dir: string, id: number): string {
  return join(dir, `member-${id}`)
}

export function zooCfg(state: ClusterState, member: ClusterMember, options: Pick<ClusterUpOptions, 'tickTimeMs' | 'extra'>): string {
  const lines: Record<string, string | number | undefined> = {
    tickTime: options.tickTimeMs ?? 2000,
    initLimit: 10,
    syncLimit: 5,
    dataDir: join(memberDir(state.dir, member.id), 'data'),
    clientPort: member.clientPort,
    clientPortAddress: HOST,
    maxClientCnxns: 0,
    '4lw.commands.whitelist': '*',
    'admin.enableServer': 'true',
    'admin.serverAddress': HOST,
    'admin.serverPort': member.adminPort,
    ...(state.tls === undefined ? {} : secureClientLines(state.tls, member)),
    ...options.extra,
  }
  const out = Object.entries(lines).flatMap(([k, v]) => (v === undefined ? [] : [`${k}=${v}`]))
  for (const m of state.members) out.push(`server.${m.id}=${HOST}:${m.quorumPort}:${m.electionPort}${m.role === 'observer' ? ':observer' : ''}`)
  return `${out.join('\n')}\n`
}

/** The PEM files of a --tls-dir: one CA bundle, and a key store per member or one for all. */
export function tlsFiles(tls: ClusterTls, id: number): { trustStore: string; keyStore: string } {
  const own = join(tls.dir, `member-${id}.pem`)
  return { trustStore: join(tls.dir, 'ca.pem'), keyStore: existsSync(own) ? own : join(tls.dir, 'server.pem') }
}

function secureClientLines(tls: ClusterTls, member: ClusterMember): Record<string, string | number | undefined> {
  const { trustStore, keyStore } = tlsFiles(tls, member.id)
  return {
    clientPort: undefined,
    clientPortAddress: undefined,
    secureClientPort: member.clientPort,
    secureClientPortAddress: HOST,
    'ssl.keyStore.location': keyStore,
    'ssl.keyStore.type': 'PEM',
    'ssl.trustStore.location': trustStore,
    'ssl.trustStore.type': 'PEM',
    'ssl.clientAuth': tls.clientAuth,
  }
}

function checkTlsDir(tls: ClusterTls, members: ClusterMember[]): void {
  for (const m of members) {
    for (const file of Object.values(tlsFiles(tls, m.id))) {
      if (!existsSync(file)) throw new Error(`--tls-dir ${tls.dir} needs ca.pem (the CA bundle) and server.pem or member-${m.id}.pem (key and certificate in one PEM file): ${file} is missing`)
    }
  }
}

export function readState(dir: string): ClusterState {
  const file = join(resolve(dir), STATE_FILE)
  if (!existsSync(file)) throw new Error(`no cluster in ${dir} (run zoo cluster up first)`)
  return JSON.parse(readFileSync(file, 'utf8')) as ClusterState
}

function writeState(state: ClusterState): void {
  writeFileSync(join(state.dir, STATE_FILE), `${JSON.stringify(state, null, 2)}\n`)
}

export function connectionString(state: ClusterState): string {
  return state.members.map((m) => `${HOST}:${m.clientPort}`).join(',')
}

async function portFree(port: number): Promise<boolean> {
  return await new Promise((resolvePort) => {
    const server = createServer()
    server.once('error', () => resolvePort(false))
    server.listen(port, HOST, () => server.close(() => resolvePort(true)))
  })
}

/** Writes the members' configs and starts each as its own process; resolves when all serve. */
export async function clusterUp(options: ClusterUpOptions, cli: CliCommand): Promise<ClusterState> {
  const dir = resolve(options.dir)
  if (existsSync(join(dir, STATE_FILE))) {
    const existing = readState(dir)
    if (existing.members.some((m) => isAlive(m.pid))) throw new Error(`a cluster is already running in ${dir} (zoo cluster down --dir ${options.dir})`)
  }
  const total = options.nodes + options.observers
  const members: ClusterMember[] = clusterPorts(options.clientPort, total).map((p) => ({ ...p, role: p.id > options.nodes ? 'observer' : 'participant', pid: undefined }))
  for (const m of members) {
    for (const port of [m.clientPort, m.quorumPort, m.electionPort, m.adminPort]) {
      if (!(await portFree(port))) throw new Error(`port ${port} on ${HOST} is in use (choose another --client-port)`)
    }
  }
  const tls = options.tls === undefined ? undefined : { ...options.tls, dir: resolve(options.tls.dir) }
  if (tls !== undefined) checkTlsDir(tls, members)
  const state: ClusterState = { dir, members, tls }
  for (const m of members) {
    const home = memberDir(dir, m.id)
    mkdirSync(join(home, 'data'), { recursive: true })
    writeFileSync(join(home, 'data', 'myid'), `${m.id}\n`)
    writeFileSync(join(home, 'zoo.cfg'), zooCfg(state, m, options))
  }
  for (const m of members) m.pid = startMember(state, m.id, cli)
  writeState(state)
  await waitServing(state, options.waitMs ?? 60_000)
  return state
}

/** How to run this CLI again as a child: node, its flags (a loader in dev), the script. */
export interface CliCommand {
  execPath: string
  args: string[]
}

export function startMember(state: ClusterState, id: number, cli: CliCommand): number {
  const home = memberDir(state.dir, id)
  const log = openSync(join(home, 'server.log'), 'a')
  try {
    const child = spawn(cli.execPath, [...cli.args, 'server', '--config', join(home, 'zoo.cfg')], { detached: true, stdio: ['ignore', log, log] })
    child.unref()
    if (child.pid === undefined) throw new Error(`member ${id} did not start`)
    return child.pid
  } finally {
    closeSync(log)
  }
}

export async function clusterStart(dir: string, id: number, cli: CliCommand, waitMs = 60_000): Promise<ClusterState> {
  const state = readState(dir)
  const member = memberOf(state, id)
  if (isAlive(member.pid)) throw new Error(`member ${id} is already running (pid ${member.pid})`)
  member.pid = startMember(state, id, cli)
  writeState(state)
  await waitServing({ ...state, members: [member] }, waitMs)
  return state
}

export async function clusterKill(dir: string, id: number): Promise<void> {
  const state = readState(dir)
  const member = memberOf(state, id)
  if (isAlive(member.pid)) process.kill(member.pid as number, 'SIGKILL')
  await waitGone([member.pid], 10_000)
  member.pid = undefined
  writeState(state)
}

export async function clusterDown(dir: string, options: { purge?: boolean } = {}): Promise<void> {
  const state = readState(dir)
  const pids = state.members.map((m) => m.pid)
  for (const pid of pids) if (isAlive(pid)) process.kill(pid as number, 'SIGTERM')
  if (!(await waitGone(pids, 10_000))) for (const pid of pids) if (isAlive(pid)) process.kill(pid as number, 'SIGKILL')
  await waitGone(pids, 5_000)
  for (const m of state.members) m.pid = undefined
  if (options.purge === true) rmSync(state.dir, { recursive: true, force: true })
  else writeState(state)
}

export interface MemberStatus {
  id: number
  role: string
  pid: number | undefined
  clientPort: number
  mode: string
  zxid: string
}

export async function clusterStatus(dir: string): Promise<MemberStatus[]> {
  const state = readState(dir)
  return await Promise.all(
    state.members.map(async (m) => {
      const running = isAlive(m.pid)
      const probe = running ? await probeMember(state, m) : undefined
      const mode = !running ? 'down' : probe === undefined ? 'not answering' : probe.mode
      return { id: m.id, role: m.role, pid: running ? m.pid : undefined, clientPort: m.clientPort, mode, zxid: probe?.zxid ?? '-' }
    }),
  )
}

/**
 * A member's mode and last zxid: `srvr` on its client port, or for a TLS cluster its admin
 * port's /status (a `srvr` there would need a client certificate when clientAuth is need).
 */
async function probeMember(state: ClusterState, m: ClusterMember): Promise<{ mode: string; zxid: string } | undefined> {
  try {
    if (state.tls !== undefined) {
      const response = await fetch(`http://${HOST}:${m.adminPort}/status`, { signal: AbortSignal.timeout(1000) })
      const status = (await response.json()) as { role?: string; serving?: boolean; last_zxid?: string }
      return { mode: status.serving === true ? String(status.role) : 'not serving', zxid: status.last_zxid ?? '-' }
    }
    const srvr = await fourLetterWord(m.clientPort, 'srvr', 1000)
    return { mode: /Mode: (\S+)/.exec(srvr)?.[1] ?? 'not serving', zxid: /Zxid: (\S+)/.exec(srvr)?.[1] ?? '-' }
  } catch {
    return undefined
  }
}

function memberOf(state: ClusterState, id: number): ClusterMember {
  const member = state.members.find((m) => m.id === id)
  if (member === undefined) throw new Error(`no member ${id} (members: ${state.members.map((m) => m.id).join(', ')})`)
  return member
}

export function isAlive(pid: number | undefined): boolean {
  if (pid === undefined) return false
  try {
    process.kill(pid, 0)
    return true
  } catch {
    return false
  }
}

async function waitGone(pids: (number | undefined)[], timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs
  while (Date.now() < deadline) {
    if (!pids.some(isAlive)) return true
    await new Promise((r) => setTimeout(r, 50))
  }
  return !pids.some(isAlive)
}

async function waitServing(state: ClusterState, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs
  const serving = async (m: ClusterMember) => /^(leader|follower|observer|standalone)$/.test((await probeMember(state, m))?.mode ?? '')
  while (Date.now() < deadline) {
    const dead = state.members.filter((m) => !isAlive(m.pid))
    if (dead.length > 0) {
      const logs = dead.map((m) => `member ${m.id} exited; see ${join(memberDir(state.dir, m.id), 'server.log')}`)
      throw new Error(logs.join('\n'))
    }
    if ((await Promise.all(state.members.map(serving))).every(Boolean)) return
    await new Promise((r) => setTimeout(r, 200))
  }
  throw new Error(`the cluster did not serve within ${timeoutMs} ms; logs in ${state.dir}/member-*/server.log`)
}
