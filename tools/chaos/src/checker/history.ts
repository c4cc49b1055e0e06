/**
 * The recorded history: what each client process asked, when, and what it was told. Times are
 * milliseconds on the harness's one monotonic clock (performance.now()), so "A completed before
 * B was invoked" is a real-time fact across processes. Zxids are kept as decimal strings so a
 * history is plain JSON.
 *
 * Outcomes follow Jepsen's three-valued convention:
 * - `ok`: the server said it happened (with the Stat it returned),
 * - `fail`: the server said it did not happen (BADVERSION, NONODE, ...): a definite no-op,
 * - `unknown`: no answer (CONNECTIONLOSS, REQUESTTIMEOUT, SESSIONEXPIRED while in flight): the
 *   operation may have been applied at any time after its invocation, or never.
 */

export type Outcome = 'ok' | 'fail' | 'unknown'

interface OpBase {
  /** unique within the history */
  id: number
  /** the client process (one client object, one op at a time) */
  process: number
  invokeMs: number
  /** when the answer (or the give-up, for `unknown`) came */
  completeMs: number
  outcome: Outcome
  /** the error code name for `fail` and `unknown` */
  error?: string
  /** the client's lastZxidSeen when the op was invoked: the floor its reads may not go below */
  zxidSeenBefore?: string
  /** the member the client was connected to at completion (for the report) */
  member?: string
}

/** setData without a version: always applies when it is applied. */
export interface WriteOp extends OpBase {
  kind: 'write'
  key: string
  value: string
  /** for `ok`: the Stat after the write */
  version?: number
  mzxid?: string
}

/** setData with the version the process last read: applies only at that version. */
export interface CasOp extends OpBase {
  kind: 'cas'
  key: string
  expectedVersion: number
  value: string
  version?: number
  mzxid?: string
}

/** getData: checked for per-process order only (ZooKeeper reads are not linearizable). */
export interface ReadOp extends OpBase {
  kind: 'read'
  key: string
  value?: string
  version?: number
  mzxid?: string
}

/** a persistent-sequential create under the queue parent, data = a unique tag */
export interface CreateSeqOp extends OpBase {
  kind: 'create-seq'
  tag: string
  /** for `ok`: the created name's sequence number and czxid */
  seq?: number
  czxid?: string
}

export type Op = WriteOp | CasOp | ReadOp | CreateSeqOp
export type RegisterOp = WriteOp | CasOp

export interface RegisterState {
  version: number
  value: string
}

/** One member's view after healing: every znode under the harness's root. */
export interface NodeSnapshot {
  path: string
  data: string
  version: number
  cversion: number
  czxid: string
  mzxid: string
  pzxid: string
  ephemeralOwner: string
  numChildren: number
}

export interface MemberTree {
  member: number
  nodes: NodeSnapshot[]
}

/** A session that owned ephemerals and was killed (its process got SIGKILL) or closed. */
export interface EphemeralOwner {
  sessionId: string
  /** ephemerals it was told were created */
  created: string[]
  /** when the harness killed or closed it; undefined if it was still alive at the end */
  endedMs?: number
  how: 'killed' | 'closed' | 'expired' | 'alive'
}

export interface History {
  ops: Op[]
  /** each register's state right after setup, before any op */
  initial: Record<string, RegisterState>
  /** each register's value and version read on every member after healing */
  finalRegisters: Record<string, RegisterState>
  /** the queue parent's children after healing (name -> data, czxid) */
  finalQueue: { name: string; data: string; czxid: string }[]
  owners: EphemeralOwner[]
  /** every ephemeral still present after healing and waiting out the session timeout */
  finalEphemerals: { path: string; ephemeralOwner: string }[]
  trees: MemberTree[]
}

/** ZooKeeper's sequential suffix: ten digits, zero padded (the int32 cversion of the parent). */
export function sequenceOf(name: string): number | undefined {
  const match = /(\d{10})$/.exec(name)
  return match ? Number(match[1]) : undefined
}

export function describeOp(op: Op): string {
  const when = `[${op.invokeMs.toFixed(1)}, ${op.outcome === 'unknown' ? '∞' : op.completeMs.toFixed(1)}] ms`
  const result = op.outcome === 'ok' ? 'ok' : `${op.outcome}${op.error ? ` ${op.error}` : ''}`
  switch (op.kind) {
    case 'write':
      return `#${op.id} p${op.process} write ${op.key}=${op.value} ${when} -> ${result}${op.version === undefined ? '' : ` version ${op.version}`}`
    case 'cas':
      return `#${op.id} p${op.process} cas ${op.key} if version ${op.expectedVersion} =${op.value} ${when} -> ${result}${op.version === undefined ? '' : ` version ${op.version}`}`
    case 'read':
      return `#${op.id} p${op.process} read ${op.key} ${when} -> ${result}${op.version === undefined ? '' : ` ${op.value}@${op.version} mzxid ${op.mzxid}`}`
    case 'create-seq':
      return `#${op.id} p${op.process} create-seq ${op.tag} ${when} -> ${result}${op.seq === undefined ? '' : ` seq ${op.seq} czxid ${op.czxid}`}`
  }
}
