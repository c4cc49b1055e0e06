/**
 * The JSON the dashboard's HTTP API speaks, shared by the server and the page. 64-bit values
 * (zxids, session ids) travel as `0x…` hex strings: JSON numbers would lose their low bits.
 */

/** What the ensemble view says a member is doing. `unknown` is shown as "up, role unknown". */
export type Role = 'leader' | 'follower' | 'observer' | 'standalone' | 'down' | 'unknown'

/** Where a member's figures came from. */
export type Source = 'mntr' | 'srvr' | 'admin'

export interface MemberView {
  /** stable row key: the client address, or `server.N` for a configured member without one */
  key: string
  id: number | null
  /** `host:port` clients use, when known */
  address: string | null
  /** `host:quorumPort:electionPort` from the ensemble's config */
  quorumAddress: string | null
  /** participant or observer, as configured */
  peerType: 'participant' | 'observer' | null
  role: Role
  /** why the role is what it is when that is not obvious (not serving, no answer, ...) */
  detail: string | null
  /** which answers the figures came from (e.g. ['admin', 'srvr']) */
  sources: Source[]
  version: string | null
  /** the member's last zxid (hex) and its epoch (the zxid's high 32 bits) */
  zxid: string | null
  epoch: number | null
  /** transactions behind the leader (same epoch), or null; see lagNote */
  lagTxns: number | null
  lagNote: string | null
  connections: number | null
  outstanding: number | null
  latencyMinMs: number | null
  latencyAvgMs: number | null
  latencyMaxMs: number | null
  znodeCount: number | null
  watchCount: number | null
  ephemerals: number | null
  /** requests per second over the last interval, or null before two samples */
  requestsPerSec: number | null
  /** ms since this member last answered anything, null when it never has */
  lastAnswerAgeMs: number | null
}

export interface SessionView {
  state: string
  sessionId: string | null
  connectedHost: string | null
}

export interface EnsembleSnapshot {
  /** ms since the epoch when this snapshot was taken */
  at: number
  members: MemberView[]
  leaderId: number | null
  /** the dynamic config's version (hex) from /zookeeper/config, when readable */
  configVersion: string | null
  session: SessionView
}

/** One chart point per member per poll. Latencies in ms; null where the member gave none. */
export interface Sample {
  t: number
  requestsPerSec: number | null
  readP50Ms: number | null
  readP99Ms: number | null
  writeP50Ms: number | null
  writeP99Ms: number | null
}

export interface HistoryView {
  intervalMs: number
  /** by member key, oldest first */
  members: Record<string, Sample[]>
}

export interface InfoView {
  connect: string
  writable: boolean
  intervalMs: number
  tokenHeader: string
}

export interface StatView {
  czxid: string
  mzxid: string
  pzxid: string
  ctime: number
  mtime: number
  version: number
  cversion: number
  aversion: number
  /** session id (hex) of the owner of an ephemeral node, else null */
  ephemeralOwner: string | null
  dataLength: number
  numChildren: number
}

export interface AclView {
  /** e.g. `cdrwa` */
  perms: string
  scheme: string
  id: string
}

export interface ChildView {
  name: string
  /** null when the child went away between the listing and its stat */
  numChildren: number | null
  dataLength: number | null
  ephemeral: boolean
}

export interface ChildrenPage {
  path: string
  /** children matching the filter (all children without one) */
  total: number
  offset: number
  children: ChildView[]
}

export interface NodeView {
  path: string
  stat: StatView
  /** base64 of the data (at most maxDataBytes of it) */
  data: string
  dataTruncated: boolean
  acl: AclView[]
  /** true when the ephemeral owner is the dashboard's own session */
  ownedByDashboard: boolean
}

export interface LiveView {
  path: string
  exists: boolean
  stat: StatView | null
  data: string | null
  dataTruncated: boolean
  /** the first children in name order, and how many there are */
  children: string[]
  numChildren: number
  /** what made this update: the first read, a change, or a reconnect */
  cause: 'initial' | 'changed' | 'resync'
}

export type RecipeKind = 'lock' | 'rwlock' | 'latch' | 'config'
export type NamingStyle = 'zoo' | 'kazoo' | 'curator'

export interface ContenderView {
  name: string
  kind: string
  sequence: number
  /** the contender's id: the data of its node (what kazoo and Curator list as participants) */
  id: string
  sessionId: string | null
  /** fencing token / epoch: the node's czxid */
  czxid: string | null
}

export interface RecipeView {
  path: string
  /** what the children look like (or what was asked for); null when nothing matched */
  kind: RecipeKind | null
  naming: NamingStyle | null
  /** lock and rwlock: holders; latch: the leader */
  holders: ContenderView[]
  /** in queue order: lock waiters or latch standbys */
  waiters: ContenderView[]
  /** contenders in total (holders and waiters show at most the first maxContenders) */
  total: number
  config: ConfigValueView | null
  note: string | null
}

export interface ConfigValueView {
  /** one node's value, or (subtree layout) one entry per child */
  layout: 'node' | 'subtree'
  value: string
  /** the value parsed as JSON, when it is JSON */
  json: unknown
  jsonValid: boolean
  version: number
  czxid: string
  mzxid: string
  mtime: number
  entries: { key: string; value: string }[]
}

export interface ApiError {
  error: 'invalid' | 'conflict' | 'forbidden' | 'unauthorized' | 'not found' | 'unavailable' | 'failed'
  message: string
  /** for `invalid`: the request field that is wrong */
  field?: string
  /** ZooKeeper's error name when one caused this */
  code?: string
}

export interface WriteResult {
  path: string
  stat: StatView | null
}
