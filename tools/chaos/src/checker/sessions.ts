/**
 * Reads, checked for what ZooKeeper does promise (errata: not linearizability):
 * - every state anyone observed of a register is one state: a version names one value and one
 *   mzxid, and versions grow with mzxids;
 * - a read returns a value somebody wrote (or the initial one), not a value from the future, and
 *   at the version that write produced;
 * - a process never reads older than what it saw before: a read may not return a state older
 *   than the newest state of that register at or below the zxid the process had already seen
 *   (lastZxidSeen when the read was invoked). That covers reading one's own writes and monotonic
 *   reads, also across reconnects to other members and across session renewal (the client keeps
 *   lastZxidSeen and presents it on every connect).
 */
import { describeOp, type Op, type ReadOp, type RegisterState } from './history.js'

export interface Observation {
  key: string
  version: number
  value: string
  mzxid: bigint
  op: Op | undefined
}

function observations(ops: Op[]): Map<string, Observation[]> {
  const byKey = new Map<string, Observation[]>()
  for (const op of ops) {
    if (op.outcome !== 'ok' || op.kind === 'create-seq') continue
    if (op.version === undefined || op.mzxid === undefined || op.value === undefined) continue
    const list = byKey.get(op.key) ?? []
    list.push({ key: op.key, version: op.version, value: op.value, mzxid: BigInt(op.mzxid), op })
    byKey.set(op.key, list)
  }
  return byKey
}

function where(o: Observation): string {
  return o.op ? describeOp(o.op) : 'the initial state'
}

/** One version, one state; versions and mzxids in the same order. */
export function checkObservations(ops: Op[]): string[] {
  const violations: string[] = []
  for (const [key, list] of observations(ops)) {
    const byVersion = new Map<number, Observation>()
    for (const o of list) {
      const seen = byVersion.get(o.version)
      if (seen === undefined) byVersion.set(o.version, o)
      else if (seen.value !== o.value || seen.mzxid !== o.mzxid) {
        violations.push(`${key}: two states at version ${o.version}: ${seen.value} (mzxid ${seen.mzxid}) from ${where(seen)}, and ${o.value} (mzxid ${o.mzxid}) from ${where(o)}`)
      }
    }
    const ordered = [...byVersion.values()].sort((a, b) => a.version - b.version)
    for (let i = 1; i < ordered.length; i++) {
      const a = ordered[i - 1]!
      const b = ordered[i]!
      if (!(a.mzxid < b.mzxid)) violations.push(`${key}: version ${a.version} has mzxid ${a.mzxid} but the later version ${b.version} has mzxid ${b.mzxid} (${where(a)}; ${where(b)})`)
    }
  }
  return violations
}

/** Every value read was written by an operation invoked before the read completed, at the version that write produced. */
export function checkReadValues(ops: Op[], initial: Record<string, RegisterState>): string[] {
  const writes = new Map<string, Op & { kind: 'write' | 'cas' }>()
  for (const op of ops) if ((op.kind === 'write' || op.kind === 'cas') && op.outcome !== 'fail') writes.set(`${op.key}\u0000${op.value}`, op)
  const violations: string[] = []
  for (const read of ops) {
    if (read.kind !== 'read' || read.outcome !== 'ok' || read.value === undefined) continue
    const start = initial[read.key]
    if (start !== undefined && read.value === start.value) {
      if (read.version !== start.version) violations.push(`${describeOp(read)}: the initial value at version ${read.version}, but it was version ${start.version}`)
      continue
    }
    const writer = writes.get(`${read.key}\u0000${read.value}`)
    if (writer === undefined) violations.push(`${describeOp(read)}: nobody wrote that value`)
    else if (writer.invokeMs > read.completeMs) violations.push(`${describeOp(read)}: read a value before it was written (${describeOp(writer)})`)
    else if (writer.outcome === 'ok' && writer.version !== undefined && writer.version !== read.version) violations.push(`${describeOp(read)}: the write of that value produced version ${writer.version} (${describeOp(writer)})`)
  }
  return violations
}

/** Newest state of a register at or below a zxid, by binary search over states sorted by mzxid. */
class Floors {
  private readonly sorted = new Map<string, { mzxid: bigint; best: Observation }[]>()

  constructor(byKey: Map<string, Observation[]>, initial: Record<string, RegisterState>) {
    for (const [key, list] of byKey) {
      const ordered = [...list].sort((a, b) => (a.mzxid < b.mzxid ? -1 : a.mzxid > b.mzxid ? 1 : 0))
      const start = initial[key]
      let best: Observation = { key, version: start?.version ?? -1, value: start?.value ?? '', mzxid: -1n, op: undefined }
      this.sorted.set(key, ordered.map((o) => {
        if (o.version > best.version) best = o
        return { mzxid: o.mzxid, best }
      }))
    }
  }

  /** the newest observed state of `key` whose mzxid is <= zxid */
  at(key: string, zxid: bigint): Observation | undefined {
    const list = this.sorted.get(key)
    if (!list) return undefined
    let lo = 0
    let hi = list.length
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (list[mid]!.mzxid <= zxid) lo = mid + 1
      else hi = mid
    }
    return lo === 0 ? undefined : list[lo - 1]!.best
  }
}

/** Per process, in invocation order: reads never go back, never miss the process's own acknowledged writes, never fall below what it had seen. */
export function checkProcessOrder(ops: Op[], initial: Record<string, RegisterState>): string[] {
  const floors = new Floors(observations(ops), initial)
  const byProcess = new Map<number, Op[]>()
  for (const op of ops) {
    const list = byProcess.get(op.process)
    if (list) list.push(op)
    else byProcess.set(op.process, [op])
  }
  const violations: string[] = []
  for (const list of byProcess.values()) {
    list.sort((a, b) => a.invokeMs - b.invokeMs)
    // The newest state this process has been told about, per register, by its own completed ops.
    const known = new Map<string, Op>()
    for (const op of list) {
      if (op.kind === 'read' && op.outcome === 'ok' && op.version !== undefined) {
        const reason = staleReason(op, known.get(op.key), floors)
        if (reason) violations.push(reason)
      }
      if (op.kind !== 'create-seq' && op.outcome === 'ok' && op.version !== undefined) {
        const before = known.get(op.key)
        if (before === undefined || (before as ReadOp).version! < op.version) known.set(op.key, op)
      }
    }
  }
  return violations
}

function staleReason(read: ReadOp, known: Op | undefined, floors: Floors): string | undefined {
  const version = read.version!
  if (known !== undefined && 'version' in known && known.version !== undefined && version < known.version) {
    const what = known.kind === 'read' ? 'it had already read' : 'its own acknowledged write'
    return `${describeOp(read)}: older than ${what} (${describeOp(known)})`
  }
  if (read.zxidSeenBefore === undefined) return undefined
  const floor = floors.at(read.key, BigInt(read.zxidSeenBefore))
  if (floor !== undefined && version < floor.version) {
    return `${describeOp(read)}: the process had seen zxid ${read.zxidSeenBefore}, by which ${read.key} was at version ${floor.version} (${where(floor)})`
  }
  return undefined
}
