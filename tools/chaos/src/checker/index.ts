/**
 * Every check over one recorded history, gathered into one verdict. A check that could not decide
 * (the linearizability search hit its bound) makes the verdict `unknown`, never `pass`.
 */
import { checkEphemerals } from './ephemerals.js'
import type { History, Op, RegisterOp, RegisterState } from './history.js'
import type { CheckOptions, LinearizabilityResult } from './linearizable.js'
import { checkQueue } from './queue.js'
import { checkRegister, isRegisterOp, registerModel, type RegisterModelOp } from './register.js'
import { checkObservations, checkProcessOrder, checkReadValues } from './sessions.js'
import { checkTrees } from './trees.js'

export type Verdict = 'pass' | 'fail' | 'unknown'

export interface Section {
  name: string
  verdict: Verdict
  violations: string[]
  /** a line of figures for the report */
  summary: string
}

export interface OperationCounts {
  total: number
  byKind: Record<string, { ok: number; fail: number; unknown: number }>
}

export interface CheckReport {
  verdict: Verdict
  sections: Section[]
  counts: OperationCounts
}

function section(name: string, violations: string[], summary: string): Section {
  return { name, verdict: violations.length === 0 ? 'pass' : 'fail', violations, summary }
}

export function countOperations(ops: Op[]): OperationCounts {
  const byKind: OperationCounts['byKind'] = {}
  for (const op of ops) {
    const entry = (byKind[op.kind] ??= { ok: 0, fail: 0, unknown: 0 })
    entry[op.outcome]++
  }
  return { total: ops.length, byKind }
}

/** A counterexample as lines a person can follow. */
export function renderCounterexample(key: string, result: LinearizabilityResult<RegisterState, RegisterModelOp>, tail = 8): string[] {
  if (result.verdict !== 'not-linearizable') return []
  const model = registerModel({ version: 0, value: '' })
  const { linearized, state, blocked, candidates } = result.counterexample
  const lines = [`${key}: not linearizable. The longest linearizable prefix has ${linearized.length} operations${linearized.length > tail ? `; its last ${tail}` : ''}:`]
  for (const op of linearized.slice(-tail)) lines.push(`    ${model.describeOp(op)}`)
  lines.push(`  leaving ${key} = ${model.describeState(state)}. Then this answered operation cannot be placed:`)
  lines.push(`    ${model.describeOp(blocked)}`)
  lines.push(`  and no pending operation can go first:`)
  for (const candidate of candidates.slice(0, tail)) lines.push(`    ${model.describeOp(candidate.op)}: ${candidate.reason}`)
  if (candidates.length > tail) lines.push(`    ... ${candidates.length - tail} more`)
  return lines
}

export function checkRegisters(history: Pick<History, 'ops' | 'initial' | 'finalRegisters'>, options?: CheckOptions): Section {
  const byKey = new Map<string, RegisterOp[]>()
  for (const key of Object.keys(history.initial)) byKey.set(key, [])
  for (const op of history.ops) {
    if (!isRegisterOp(op)) continue
    const list = byKey.get(op.key)
    if (list) list.push(op)
    else byKey.set(op.key, [op])
  }
  const violations: string[] = []
  const unknown: string[] = []
  const figures: string[] = []
  for (const [key, ops] of byKey) {
    const initial = history.initial[key]
    if (initial === undefined) {
      violations.push(`${key}: operations on a register with no recorded initial state`)
      continue
    }
    const result = checkRegister(key, initial, ops, history.finalRegisters[key], options)
    figures.push(`${key} ${ops.length} ops/${result.steps} steps`)
    if (result.verdict === 'not-linearizable') violations.push(renderCounterexample(key, result).join('\n'))
    if (result.verdict === 'unknown') unknown.push(`${key}: ${result.reason}`)
  }
  const summary = `writes and CAS per register: ${figures.join(', ')}`
  if (violations.length === 0 && unknown.length > 0) return { name: 'linearizability (writes, CAS)', verdict: 'unknown', violations: unknown, summary }
  return section('linearizability (writes, CAS)', violations, summary)
}

export function checkHistory(history: History, options?: CheckOptions): CheckReport {
  const queue = checkQueue(history)
  const sections: Section[] = [
    checkRegisters(history, options),
    section('register states (one state per version)', checkObservations(history.ops), 'every observed (version, value, mzxid) consistent'),
    section('read values (written, not from the future)', checkReadValues(history.ops, history.initial), `${history.ops.filter((op) => op.kind === 'read').length} reads`),
    section('per-process read order', checkProcessOrder(history.ops, history.initial), 'reads never older than own writes or what the process had seen (by zxid)'),
    section('sequential creates', queue.violations, `${queue.stats.acknowledged} acknowledged, ${queue.stats.unknown} unknown, ${queue.stats.final} in the final queue`),
    section('ephemerals of ended sessions', checkEphemerals(history), `${history.owners.length} owner sessions, ${history.finalEphemerals.length} ephemerals left`),
    section('member trees equal after healing', checkTrees(history.trees), `${history.trees.length} members, ${history.trees[0]?.nodes.length ?? 0} znodes each`),
  ]
  const verdict: Verdict = sections.some((s) => s.verdict === 'fail') ? 'fail' : sections.some((s) => s.verdict === 'unknown') ? 'unknown' : 'pass'
  return { verdict, sections, counts: countOperations(history.ops) }
}

export type { History } from './history.js'
