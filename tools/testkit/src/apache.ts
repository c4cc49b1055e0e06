import { existsSync } from 'node:fs'
import { fourLetterWord, waitFor } from './ports.js'
import { spawnTracked, tempDir, type Spawned } from './processes.js'
import { configFile, layOutEnsemble, superviseEnsemble, whitelist } from './ensemble.js'

/** Where Debian's `zookeeper` package puts Apache ZooKeeper 3.8 (`.ci/run` installs it). */
export const APACHE_ZOOKEEPER_JAR = '/usr/share/java/zookeeper.jar'
const LOG_CONFIG_DIR = '/etc/zookeeper/conf'
/** Jetty is on zookeeper.jar's manifest class path, the servlet API is not: the AdminServer needs it. */
const SERVLET_API_JAR = '/usr/share/java/servlet-api.jar'

export function apacheZooKeeperInstalled(): boolean {
  return existsSync(APACHE_ZOOKEEPER_JAR) && existsSync('/usr/bin/java')
}

export interface ApacheMember {
  id: number
  clientPort: number
  quorumPort: number
  electionPort: number
  dataDir: string
  /** the AdminServer's HTTP port on 127.0.0.1 (`/commands/*`), when started with `adminServer: true` */
  adminPort?: number
  process: Spawned | undefined
}

export interface ApacheEnsemble {
  members: ApacheMember[]
  /** `127.0.0.1:p1,127.0.0.1:p2,...` */
  connectString: string
  /** kill -9 one member (by id). */
  kill: (id: number) => Promise<void>
  /** start a stopped or killed member again, with its data. */
  start: (id: number) => Promise<void>
  /** `ruok`/`srvr` answer of a member, or undefined when it is down. */
  mode: (id: number) => Promise<string | undefined>
  stop: () => Promise<void>
}

export interface ApacheOptions {
  /** number of voting members; 1 runs a standalone server */
  members?: number
  tickTimeMs?: number
  /** zookeeper.extendedTypesEnabled: TTL nodes (default true) */
  extendedTypes?: boolean
  /** extra zoo.cfg lines */
  config?: Record<string, string | number>
  /** extra -D system properties */
  systemProperties?: Record<string, string | number>
  /**
   * the four-letter words the members answer (`4lw.commands.whitelist`; default every word).
   * Must hold `ruok` or `srvr`: startup waits on one of them.
   */
  fourLetterWords?: readonly string[]
  /** start each member's AdminServer (JSON `/commands/*`) on its own free port on 127.0.0.1 (default false) */
  adminServer?: boolean
}

function javaArgs(member: ApacheMember, configFile: string, options: ApacheOptions, standalone: boolean): string[] {
  const props: Record<string, string | number> = {
    'zookeeper.extendedTypesEnabled': String(options.extendedTypes ?? true),
    'zookeeper.admin.enableServer': String(options.adminServer === true),
    'zookeeper.4lw.commands.whitelist': whitelist(options.fourLetterWords),
    ...options.systemProperties,
  }
  const classPath = [APACHE_ZOOKEEPER_JAR, LOG_CONFIG_DIR, ...(options.adminServer === true ? [SERVLET_API_JAR] : [])].join(':')
  const main = standalone ? 'org.apache.zookeeper.server.ZooKeeperServerMain' : 'org.apache.zookeeper.server.quorum.QuorumPeerMain'
  return [
    '-Xmx512m',
    ...Object.entries(props).map(([key, value]) => `-D${key}=${value}`),
    '-cp',
    classPath,
    main,
    configFile,
  ]
}

/**
 * Starts Apache ZooKeeper (standalone, or an ensemble of `members` voters) on 127.0.0.1 with
 * ports the OS says are free, and waits until every member answers `ruok` and the ensemble
 * serves. Data lives in a temp dir removed by `stop()`.
 */
export async function startApacheZooKeeper(options: ApacheOptions = {}): Promise<ApacheEnsemble> {
  if (!apacheZooKeeperInstalled()) throw new Error(`Apache ZooKeeper is not installed (${APACHE_ZOOKEEPER_JAR}); .ci/run installs the Debian package 'zookeeper'`)
  const words = options.fourLetterWords
  whitelist(words)
  const standalone = (options.members ?? 1) === 1
  const root = tempDir('apache-zk')
  const members = await layOutEnsemble(root.path, options)
  const start = async (member: ApacheMember) => {
    member.process = spawnTracked('java', javaArgs(member, configFile(member), options, standalone))
    const probe = words === undefined || words.includes('ruok') ? 'ruok' : 'srvr'
    const answered = (answer: string) => (probe === 'ruok' ? answer === 'imok' : answer.startsWith('Zookeeper version:') || answer.startsWith('This ZooKeeper instance'))
    await waitFor(async () => answered(await fourLetterWord(member.clientPort, probe, '127.0.0.1', 1_000)), 30_000, `Apache ZooKeeper member ${member.id} to answer ${probe}`)
  }
  return await superviseEnsemble(members, start, root.remove, 'Apache')
}
