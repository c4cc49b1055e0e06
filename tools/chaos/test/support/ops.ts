// Terse builders for hand-written histories: times in ms, ids assigned in order.
import type { CasOp, CreateSeqOp, Op, ReadOp, WriteOp } from '../../src/checker/history.js'

let nextId = 0
const id = () => nextId++

type Answer = { ok: number; mzxid?: number } | 'fail' | 'unknown'

function outcome(answer: Answer): Pick<Op, 'outcome' | 'error'> & { version?: number; mzxid?: string } {
  if (answer === 'unknown') return { outcome: 'unknown', error: 'CONNECTIONLOSS' }
  if (answer === 'fail') return { outcome: 'fail', error: 'BADVERSION' }
  return { outcome: 'ok', version: answer.ok, mzxid: String(answer.mzxid ?? 100 + answer.ok) }
}

export function write(process: number, key: string, value: string, invokeMs: number, completeMs: number, answer: Answer): WriteOp {
  return { id: id(), process, kind: 'write', key, value, invokeMs, completeMs, ...outcome(answer) }
}

export function cas(process: number, key: string, expectedVersion: number, value: string, invokeMs: number, completeMs: number, answer: Answer): CasOp {
  return { id: id(), process, kind: 'cas', key, expectedVersion, value, invokeMs, completeMs, ...outcome(answer) }
}

export function read(process: number, key: string, invokeMs: number, completeMs: number, value: string, version: number, mzxid: number, zxidSeenBefore?: number): ReadOp {
  return { id: id(), process, kind: 'read', key, invokeMs, completeMs, outcome: 'ok', value, version, mzxid: String(mzxid), zxidSeenBefore: zxidSeenBefore === undefined ? undefined : String(zxidSeenBefore) }
}

export function createSeq(process: number, tag: string, invokeMs: number, completeMs: number, answer: { seq: number; czxid: number } | 'unknown' | 'fail'): CreateSeqOp {
  const base = { id: id(), process, kind: 'create-seq' as const, tag, invokeMs, completeMs }
  if (answer === 'unknown') return { ...base, outcome: 'unknown', error: 'CONNECTIONLOSS' }
  if (answer === 'fail') return { ...base, outcome: 'fail', error: 'NONODE' }
  return { ...base, outcome: 'ok', seq: answer.seq, czxid: String(answer.czxid) }
}

export function seqName(seq: number): string {
  return `item-${String(seq).padStart(10, '0')}`
}
