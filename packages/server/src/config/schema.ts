// The member's configuration: Apache's zoo.cfg keys (or the same keys in a JSON object),
// validated with zod into a typed ServerConfig whose names carry their units.
import { z } from 'zod'
import { DEFAULT_MAX_FRAME_BYTES } from '@zoo/protocol'
import { parseTlsSettings } from '../tls/settings.js'
import type { TlsSettings } from '../tls/settings.js'

export type ServerRole = 'participant' | 'observer'

/** One `server.N=host:quorumPort:electionPort[:role][;[clientAddress:]clientPort]` line. */
export interface ServerEntry {
  id: number
  host: string
  quorumPort: number
  electionPort: number
  role: ServerRole
  clientAddress?: string
  clientPort?: number
}

export interface ServerConfig {
  /** This member's id (`myid`); 0 for a standalone server without one, as Apache reports it. */
  myid: number
  tickTimeMs: number
  initLimitTicks: number
  syncLimitTicks: number
  dataDir: string
  dataLogDir: string
  /** The plain client port; undefined on a TLS-only member (secureClientPort alone). */
  clientPort: number | undefined
  clientPortAddress: string
  /** The TLS client port (Apache's secureClientPort), served beside clientPort or alone. */
  secureClientPort: number | undefined
  secureClientPortAddress: string
  /** A client whose certificate subject (RFC 2253) is exactly this is also `super` (Apache's X509AuthenticationProvider.superUser). */
  x509SuperUser: string | undefined
  /** The `ssl.*` keys: what the secure client port serves with (set when secureClientPort is). */
  clientTls: TlsSettings | undefined
  /** TLS between members (sslQuorum, or portUnification): the `ssl.quorum.*` keys; undefined: plain TCP. */
  quorumTls: QuorumTls | undefined
  /** Connections per client address; 0 = unlimited. */
  maxClientCnxns: number
  minSessionTimeoutMs: number
  maxSessionTimeoutMs: number
  autopurge: { snapRetainCount: number; purgeIntervalHours: number }
  /** Four-letter words this member answers (Apache's rules: `srvr` always, `isro` in read-only mode). */
  fourLetterWords: ReadonlySet<string>
  /** jute.maxbuffer: the largest frame body accepted on the client port. */
  maxFrameBytes: number
  admin: { enabled: boolean; serverAddress: string; serverPort: number }
  readOnlyModeEnabled: boolean
  standaloneEnabled: boolean
  /** Every member of the ensemble (this one included); empty when standalone. */
  servers: ServerEntry[]
  /** Txns between snapshots (Apache's snapCount; each member adds jitter). */
  snapCount: number
  /** Requests in flight in the whole member before connections stop being read. */
  globalOutstandingLimit: number
  /** Requests in flight on one connection before that connection stops being read (zoo). */
  maxOutstandingPerConnection: number
  /**
   * TEST-ONLY switches (`zoo.test.*` keys) that break correctness on purpose, so a test can show
   * that its checker catches a broken build. Absent unless such a key is set.
   */
  unsafeTest?: UnsafeTestSwitches
}

export interface QuorumTls {
  settings: TlsSettings
  /** sslQuorum: dial other members over TLS (else plain, the first step of a rolling move). */
  dialTls: boolean
  /** portUnification: the quorum port takes plain connections too, told apart by their first byte. */
  acceptPlain: boolean
}

export interface UnsafeTestSwitches {
  /** `zoo.test.ackBeforeQuorum`: the leader acknowledges a write once its own log has it, no quorum. */
  ackBeforeQuorum: boolean
}

/** The four-letter words Apache knows (FourLetterCommands). */
export const FOUR_LETTER_WORDS = [
  'conf', 'cons', 'crst', 'dirs', 'dump', 'envi', 'gtmk', 'hash', 'isro', 'mntr', 'ruok', 'srst', 'srvr', 'stat', 'stmk', 'wchc', 'wchp', 'wchs',
] as const

export const DEFAULT_TICK_TIME_MS = 3000

const int = (min: number, max = 0x7fffffff) =>
  z
    .string()
    .regex(/^[+-]?\d+$/, 'must be an integer')
    .transform(Number)
    .pipe(z.number().int().min(min, `must be at least ${min}`).max(max, `must be at most ${max}`))
const port = int(0, 65535)
const bool = z
  .string()
  .transform((s) => s.toLowerCase())
  .pipe(z.enum(['true', 'false'], { message: 'must be true or false' }))
  .transform((s) => s === 'true')
const nonEmpty = z.string().min(1, 'must not be empty')

/** Each known key with its parser. Keys are Apache's, values are the strings of the file. */
const knownKeys = {
  tickTime: int(1),
  initLimit: int(1),
  syncLimit: int(1),
  dataDir: nonEmpty,
  dataLogDir: nonEmpty,
  clientPort: port,
  clientPortAddress: nonEmpty,
  secureClientPort: port,
  secureClientPortAddress: nonEmpty,
  // Apache turns unknown zoo.cfg keys into zookeeper.* system properties: this is its
  // zookeeper.X509AuthenticationProvider.superUser, written in zoo.cfg.
  'X509AuthenticationProvider.superUser': nonEmpty,
  maxClientCnxns: int(0),
  minSessionTimeout: int(-1),
  maxSessionTimeout: int(-1),
  'autopurge.snapRetainCount': int(1),
  'autopurge.purgeInterval': int(0),
  '4lw.commands.whitelist': z.string(),
  'jute.maxbuffer': int(1024, 0x7fffffff),
  'admin.enableServer': bool,
  'admin.serverAddress': nonEmpty,
  'admin.serverPort': port,
  'readonlymode.enabled': bool,
  standaloneEnabled: bool,
  snapCount: int(2),
  globalOutstandingLimit: int(1),
  maxOutstandingPerConnection: int(1),
  peerType: z.enum(['participant', 'observer']),
  myid: int(1, 255),
  sslQuorum: bool,
  portUnification: bool,
  // TEST-ONLY: loses acknowledged writes on failover (see UnsafeTestSwitches).
  'zoo.test.ackBeforeQuorum': bool,
}
export type KnownKey = keyof typeof knownKeys

/** Keys Apache accepts that we read but ignore, with why (warned, never fatal). */
const ignoredKeys: Record<string, string> = {
  reconfigEnabled: 'dynamic reconfiguration is not supported',
  dynamicConfigFile: 'dynamic reconfiguration is not supported',
  serverCnxnFactory: 'the client port has one implementation (plain and TLS alike)',
  'client.portUnification': 'plain and TLS clients use separate ports (clientPort, secureClientPort)',
  'client.certReload': 'certificates are always reloaded when their files change',
  syncEnabled: 'observers always sync',
  electionAlg: 'only fast leader election exists',
  quorumListenOnAllIPs: 'members listen on their configured addresses',
  'metricsProvider.className': 'metrics are always served by the admin port (/metrics)',
  'metricsProvider.httpPort': 'metrics are always served by the admin port (/metrics)',
  preAllocSize: 'the txn log sizes its own segments',
  forceSync: 'the txn log always fsyncs',
  sslQuorumReloadCertFiles: 'member certificates are always reloaded when their files change',
}

const serverKey = /^server\.(\d+)$/
/** Hierarchical quorums change who counts as a quorum: refuse rather than silently ignore them. */
const unsupportedKey = /^(group|weight)\.\d+$/

export interface ConfigIssue {
  key: string
  reason: string
  /** 1-based line in the file, when the key is in it. */
  line?: number
}

/** A configuration that stops start-up: names the file, and for each problem the key and reason. */
export class ConfigError extends Error {
  override readonly name = 'ConfigError'
  readonly file: string
  readonly issues: readonly ConfigIssue[]

  constructor(file: string, issues: readonly ConfigIssue[]) {
    const lines = issues.map((i) => `${file}${i.line === undefined ? '' : `:${i.line}`}: ${i.key}: ${i.reason}`)
    super(lines.join('\n'))
    if (issues.length === 0) throw new TypeError('ConfigError needs at least one issue')
    this.file = file
    this.issues = issues
  }
}

export interface RawConfig {
  file: string
  /** key -> value as written (JSON numbers and booleans already turned into strings). */
  values: Map<string, string>
  lines?: Map<string, number>
  /** Contents of `<dataDir>/myid`, when the caller read it (see loadConfig). */
  myidFile?: { path: string; text: string }
}

export interface ResolvedConfig {
  config: ServerConfig
  warnings: string[]
}

/** Validates raw key/values into a ServerConfig, or throws a ConfigError listing every problem. */
export function resolveConfig(raw: RawConfig): ResolvedConfig {
  const issues: ConfigIssue[] = []
  const warnings: string[] = []
  const lineOf = (key: string) => raw.lines?.get(key)
  const issue = (key: string, reason: string) => issues.push({ key, reason, line: lineOf(key) })
  const known: Partial<{ [K in KnownKey]: z.output<(typeof knownKeys)[K]> }> = {}
  const servers: ServerEntry[] = []
  for (const [key, value] of raw.values) {
    const server = serverKey.exec(key)
    if (server !== null) {
      const parsed = parseServerLine(Number(server[1]), value)
      if (typeof parsed === 'string') issue(key, parsed)
      else servers.push(parsed)
    } else if (unsupportedKey.test(key)) {
      issue(key, 'hierarchical quorums (group.N/weight.N) are not supported')
    } else if (key.startsWith('ssl.')) {
      // Parsed as a group below (parseTlsSettings), with the keys they depend on.
    } else if (key in knownKeys) {
      const result = knownKeys[key as KnownKey].safeParse(value)
      if (result.success) (known as Record<string, unknown>)[key] = result.data
      else issue(key, `${result.error.issues.map((i) => i.message).join('; ')} (got ${JSON.stringify(value)})`)
    } else if (key in ignoredKeys) {
      warnings.push(`${raw.file}: ${key} is ignored: ${ignoredKeys[key]}`)
    } else {
      warnings.push(`${raw.file}: unknown key ${key} (ignored)`)
    }
  }
  const tls = resolveTls(raw, known.secureClientPort !== undefined, { sslQuorum: known.sslQuorum ?? false, portUnification: known.portUnification ?? false }, warnings)
  for (const i of tls.issues) issue(i.key, i.reason)
  if (issues.length > 0) throw new ConfigError(raw.file, issues)
  const config = assemble(known, servers.sort((a, b) => a.id - b.id), raw, issue)
  if (issues.length > 0 || config === undefined) throw new ConfigError(raw.file, issues)
  return { config: { ...config, clientTls: tls.client, quorumTls: tls.quorum }, warnings }
}

/** The `ssl.` keys (needed when secureClientPort is set) and the `ssl.quorum.` keys. */
function resolveTls(raw: RawConfig, secureClientPort: boolean, links: { sslQuorum: boolean; portUnification: boolean }, warnings: string[]) {
  const client = parseTlsSettings(raw.values, 'ssl.', raw.file, secureClientPort)
  const quorumTls = links.sslQuorum || links.portUnification
  const quorum = parseTlsSettings(raw.values, 'ssl.quorum.', raw.file, quorumTls)
  warnings.push(...client.warnings, ...quorum.warnings)
  if (!secureClientPort && client.settings !== undefined) warnings.push(`${raw.file}: ssl.* keys are set but secureClientPort is not: the client port stays plain`)
  if (!quorumTls && quorum.settings !== undefined) warnings.push(`${raw.file}: ssl.quorum.* keys are set but sslQuorum is not: links between members stay plain`)
  if (links.portUnification) warnings.push(`${raw.file}: portUnification=true: the quorum port also takes plain connections, which carry no certificate; turn it off once every member has sslQuorum=true`)
  const issues = [...client.issues, ...quorum.issues]
  if (quorumTls && quorum.settings !== undefined) issues.push(...quorumTlsIssues(quorum.settings))
  const quorumSettings = quorumTls && issues.length === 0 ? quorum.settings : undefined
  const quorumLinks = quorumSettings === undefined ? undefined : { settings: quorumSettings, dialTls: links.sslQuorum, acceptPlain: links.portUnification }
  return { client: secureClientPort ? client.settings : undefined, quorum: quorumLinks, issues }
}

/** Members authenticate each other: each needs its own certificate and the CAs that sign the others'. */
function quorumTlsIssues(settings: TlsSettings): { key: string; reason: string }[] {
  const issues = []
  if (settings.trustStore === undefined) {
    issues.push({ key: 'ssl.quorum.trustStore.location', reason: "is not set (sslQuorum needs the CAs that sign the members' certificates; public roots are never trusted for members)" })
  }
  if (settings.clientAuth !== 'need') {
    issues.push({ key: 'ssl.quorum.clientAuth', reason: `is ${settings.clientAuth}, but members always require each other's certificate (need)` })
  }
  return issues
}

function assemble(
  known: Partial<{ [K in KnownKey]: z.output<(typeof knownKeys)[K]> }>,
  servers: ServerEntry[],
  raw: RawConfig,
  issue: (key: string, reason: string) => void,
): ServerConfig | undefined {
  const tickTimeMs = known.tickTime ?? DEFAULT_TICK_TIME_MS
  const standaloneEnabled = known.standaloneEnabled ?? true
  const quorum = servers.length > 1 || (servers.length === 1 && !standaloneEnabled)
  if (known.dataDir === undefined) issue('dataDir', 'is not set')
  if (quorum && known.initLimit === undefined) issue('initLimit', 'is not set (required with server.N lines)')
  if (quorum && known.syncLimit === undefined) issue('syncLimit', 'is not set (required with server.N lines)')
  const myid = quorum ? resolveMyid(known.myid, raw, issue) : (known.myid ?? 0)
  const self = servers.find((s) => s.id === myid)
  if (quorum && myid !== undefined && self === undefined) issue('myid', `${myid} has no server.${myid} line`)
  if (quorum && servers.filter((s) => s.role === 'participant').length === 0) issue('server.N', 'no participant (voting) member')
  const clientPort = known.clientPort ?? self?.clientPort
  // A TLS-only member (secureClientPort without clientPort) is allowed, as in Apache.
  if (clientPort === undefined && known.secureClientPort === undefined) issue('clientPort', 'is not set (nor given on this member\'s server.N line)')
  if (known.clientPortAddress !== undefined && known.clientPort === undefined && self?.clientPort === undefined) {
    issue('clientPortAddress', 'is set but clientPort is not set')
  }
  const minSessionTimeoutMs = positiveOr(known.minSessionTimeout, 2 * tickTimeMs)
  const maxSessionTimeoutMs = positiveOr(known.maxSessionTimeout, 20 * tickTimeMs)
  if (minSessionTimeoutMs > maxSessionTimeoutMs) issue('minSessionTimeout', `${minSessionTimeoutMs} must not be larger than maxSessionTimeout ${maxSessionTimeoutMs}`)
  if (known.peerType !== undefined && self !== undefined && known.peerType !== self.role) {
    issue('peerType', `is ${known.peerType} but server.${self.id} says ${self.role}`)
  }
  if (known.dataDir === undefined || myid === undefined) return undefined
  if (clientPort === undefined && known.secureClientPort === undefined) return undefined
  const readOnlyModeEnabled = known['readonlymode.enabled'] ?? false
  return {
    myid,
    tickTimeMs,
    initLimitTicks: known.initLimit ?? 10,
    syncLimitTicks: known.syncLimit ?? 5,
    dataDir: known.dataDir,
    dataLogDir: known.dataLogDir ?? known.dataDir,
    clientPort,
    clientPortAddress: known.clientPortAddress ?? self?.clientAddress ?? '0.0.0.0',
    secureClientPort: known.secureClientPort,
    secureClientPortAddress: known.secureClientPortAddress ?? known.clientPortAddress ?? self?.clientAddress ?? '0.0.0.0',
    x509SuperUser: known['X509AuthenticationProvider.superUser'],
    clientTls: undefined,
    quorumTls: undefined,
    maxClientCnxns: known.maxClientCnxns ?? 60,
    minSessionTimeoutMs,
    maxSessionTimeoutMs,
    // Apache raises a snapRetainCount below 3 to 3.
    autopurge: { snapRetainCount: Math.max(3, known['autopurge.snapRetainCount'] ?? 3), purgeIntervalHours: known['autopurge.purgeInterval'] ?? 0 },
    fourLetterWords: whitelist(known['4lw.commands.whitelist'], readOnlyModeEnabled),
    maxFrameBytes: known['jute.maxbuffer'] ?? DEFAULT_MAX_FRAME_BYTES,
    admin: {
      enabled: known['admin.enableServer'] ?? true,
      serverAddress: known['admin.serverAddress'] ?? '0.0.0.0',
      serverPort: known['admin.serverPort'] ?? 8080,
    },
    readOnlyModeEnabled,
    standaloneEnabled,
    servers: quorum ? servers : [],
    snapCount: known.snapCount ?? 100_000,
    globalOutstandingLimit: known.globalOutstandingLimit ?? 1000,
    maxOutstandingPerConnection: known.maxOutstandingPerConnection ?? 1000,
    ...(known['zoo.test.ackBeforeQuorum'] === true ? { unsafeTest: { ackBeforeQuorum: true } } : {}),
  }
}

/** Apache: a value <= 0 (the -1 default) means "derive from tickTime". */
function positiveOr(value: number | undefined, fallback: number): number {
  return value === undefined || value <= 0 ? fallback : value
}

function resolveMyid(inline: number | undefined, raw: RawConfig, issue: (key: string, reason: string) => void): number | undefined {
  if (inline !== undefined) return inline
  if (raw.myidFile === undefined) {
    issue('myid', 'the myid file in dataDir is missing')
    return undefined
  }
  const text = raw.myidFile.text.trim()
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > 255) {
    issue('myid', `${raw.myidFile.path} must hold a server id from 1 to 255 (got ${JSON.stringify(text)})`)
    return undefined
  }
  return Number(text)
}

/** Apache's FourLetterCommands.isEnabled rules. */
export function whitelist(setting: string | undefined, readOnlyModeEnabled: boolean): ReadonlySet<string> {
  const words = new Set<string>()
  for (const item of (setting ?? '').split(',').map((s) => s.trim())) {
    if (item === '*') for (const w of FOUR_LETTER_WORDS) words.add(w)
    else if (item !== '') words.add(item)
  }
  if (readOnlyModeEnabled) words.add('isro')
  words.add('srvr')
  return words
}

const hostPart = String.raw`(\[[0-9a-fA-F:.]+\]|[^:;\s\[\]]+)`
const serverLine = new RegExp(String.raw`^${hostPart}:(\d+):(\d+)(?::(\w+))?$`)
const clientPart = new RegExp(String.raw`^(?:${hostPart}:)?(\d+)$`)

/** Parses one server.N value; a string return is the reason it is invalid. */
export function parseServerLine(id: number, value: string): ServerEntry | string {
  if (!Number.isInteger(id) || id < 1 || id > 255) return `server id ${id} must be from 1 to 255`
  const [quorumSpec = '', clientSpec, ...rest] = value.split(';').map((s) => s.trim())
  if (rest.length > 0) return `${JSON.stringify(value)} has more than one ';'`
  const m = serverLine.exec(quorumSpec)
  if (m === null) return `${JSON.stringify(value)} does not have the form host:quorumPort:electionPort[:participant|observer][;[clientAddress:]clientPort]`
  const [, host = '', quorumPort = '', electionPort = '', type] = m
  if (type !== undefined && type !== 'participant' && type !== 'observer') return `unknown peer type ${JSON.stringify(type)} (participant or observer)`
  const entry: ServerEntry = { id, host: unbracket(host), quorumPort: Number(quorumPort), electionPort: Number(electionPort), role: type ?? 'participant' }
  for (const p of [entry.quorumPort, entry.electionPort]) if (p < 1 || p > 65535) return `port ${p} is out of range`
  if (entry.quorumPort === entry.electionPort) return `quorum and election ports must differ (both ${entry.quorumPort})`
  if (clientSpec !== undefined && clientSpec !== '') {
    const c = clientPart.exec(clientSpec)
    if (c === null) return `client address ${JSON.stringify(clientSpec)} is not [address:]port`
    entry.clientPort = Number(c[2])
    if (entry.clientPort < 1 || entry.clientPort > 65535) return `client port ${entry.clientPort} is out of range`
    if (c[1] !== undefined) entry.clientAddress = unbracket(c[1])
  }
  return entry
}

function unbracket(host: string): string {
  return host.startsWith('[') ? host.slice(1, -1) : host
}
