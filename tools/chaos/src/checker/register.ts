/**
 * The register model for one znode's data: the state is (version, value), as ZooKeeper's Stat
 * version counts every successful setData. Only writes and compare-and-set are checked for
 * linearizability (errata: ZooKeeper reads are not linearizable, not even after sync); a failed
 * CAS (BADVERSION) is kept, because the leader orders it like any write: at its point the version
 * was not the expected one. The final state read after healing is one more operation, placed after
 * everything, so an acknowledged write that vanished shows up even when nothing read after it.
 */
import { describeOp, type Op, type RegisterOp, type RegisterState } from './history.js'
import { checkLinearizable, type CheckOptions, type LinearizabilityResult, type Model, type TimedOperation } from './linearizable.js'

/** The state read on every member after healing, as an operation that must come last. */
export interface FinalRead {
  kind: 'final'
  key: string
  state: RegisterState
}

export type RegisterModelOp = RegisterOp | FinalRead

function describeModelOp(op: RegisterModelOp): string {
  return op.kind === 'final' ? `final read ${op.key} after healing = ${op.state.value}@${op.state.version}` : describeOp(op)
}

export function registerModel(initial: RegisterState): Model<RegisterState, RegisterModelOp> {
  return {
    initial,
    key: (s) => `${s.version}\u0000${s.value}`,
    describeState: (s) => `${s.value}@${s.version}`,
    describeOp: describeModelOp,
    rank: (s) => s.version,
    requiredRank(op) {
      if (op.kind === 'final') return op.state.version
      if (op.outcome !== 'ok') return undefined
      return op.kind === 'cas' ? op.expectedVersion : op.version === undefined ? undefined : op.version - 1
    },
    step(state, op) {
      if (op.kind === 'final') return state.version === op.state.version && state.value === op.state.value ? state : undefined
      const applies = op.kind === 'write' || state.version === op.expectedVersion
      if (op.outcome === 'fail') return applies ? undefined : state
      if (!applies) return undefined
      const next = { version: state.version + 1, value: op.value }
      // An acknowledged write must have produced exactly the version the server reported.
      if (op.outcome === 'ok' && op.version !== undefined && op.version !== next.version) return undefined
      return next
    },
  }
}

export function isRegisterOp(op: Op): op is RegisterOp {
  return op.kind === 'write' || op.kind === 'cas'
}

/**
 * Checks one register. `ops` are that key's writes and CAS operations; `final` (if known) is
 * placed after the last of them.
 */
export function checkRegister(key: string, initial: RegisterState, ops: RegisterOp[], final: RegisterState | undefined, options?: CheckOptions): LinearizabilityResult<RegisterState, RegisterModelOp> {
  const timed: TimedOperation<RegisterModelOp>[] = ops.map((op) => ({
    op,
    invokeMs: op.invokeMs,
    completeMs: op.outcome === 'unknown' ? Infinity : op.completeMs,
  }))
  if (ops.some((op) => op.key !== key)) throw new RangeError(`checkRegister(${key}) was given another key's operations`)
  if (final !== undefined) {
    const after = ops.reduce((latest, op) => Math.max(latest, op.invokeMs, op.completeMs), 0) + 1
    timed.push({ op: { kind: 'final', key, state: final }, invokeMs: after, completeMs: after })
  }
  return checkLinearizable(registerModel(initial), timed, options)
}
