/**
 * Sequential creates under one parent (the queue), checked as errata says: acknowledged names are
 * unique, sequence numbers increase in zxid order and in real-time order, every acknowledged
 * create exists after healing, nothing exists that nobody created, nothing was applied twice.
 *
 * Gaps in the acknowledged sequence numbers are expected where a create's outcome is unknown.
 * In the final tree there can be none: the workload only ever creates under this parent and
 * never deletes, and each applied create takes the parent's next cversion, so the final names
 * must be 0..n-1 exactly.
 */
import { describeOp, sequenceOf, type CreateSeqOp, type History } from './history.js'

export interface QueueStats {
  acknowledged: number
  unknown: number
  final: number
}

export function checkQueue(history: Pick<History, 'ops' | 'finalQueue'>): { violations: string[]; stats: QueueStats } {
  const creates = history.ops.filter((op): op is CreateSeqOp => op.kind === 'create-seq')
  const acked = creates.filter((op) => op.outcome === 'ok')
  const violations = [...uniqueness(acked), ...zxidOrder(acked), ...realTimeOrder(acked), ...finalContents(creates, history.finalQueue)]
  return { violations, stats: { acknowledged: acked.length, unknown: creates.filter((op) => op.outcome === 'unknown').length, final: history.finalQueue.length } }
}

function uniqueness(acked: CreateSeqOp[]): string[] {
  const violations: string[] = []
  const bySeq = new Map<number, CreateSeqOp>()
  for (const op of acked) {
    if (op.seq === undefined) {
      violations.push(`${describeOp(op)}: acknowledged without a sequence number`)
      continue
    }
    const other = bySeq.get(op.seq)
    if (other) violations.push(`sequence ${op.seq} acknowledged twice: ${describeOp(other)} and ${describeOp(op)}`)
    else bySeq.set(op.seq, op)
  }
  return violations
}

function zxidOrder(acked: CreateSeqOp[]): string[] {
  const withZxid = acked.filter((op) => op.czxid !== undefined && op.seq !== undefined)
  withZxid.sort((a, b) => (BigInt(a.czxid!) < BigInt(b.czxid!) ? -1 : 1))
  const violations: string[] = []
  for (let i = 1; i < withZxid.length; i++) {
    const a = withZxid[i - 1]!
    const b = withZxid[i]!
    if (!(a.seq! < b.seq!)) violations.push(`sequence numbers out of zxid order: ${describeOp(a)} then ${describeOp(b)}`)
  }
  return violations
}

/** If A was acknowledged before B was invoked, A's number is smaller (creates are linearizable writes). */
function realTimeOrder(acked: CreateSeqOp[]): string[] {
  const byCompletion = acked.filter((op) => op.seq !== undefined).sort((a, b) => a.completeMs - b.completeMs)
  const byInvoke = [...byCompletion].sort((a, b) => a.invokeMs - b.invokeMs)
  const violations: string[] = []
  let done = 0
  let highest: CreateSeqOp | undefined
  for (const op of byInvoke) {
    while (done < byCompletion.length && byCompletion[done]!.completeMs < op.invokeMs) {
      const finished = byCompletion[done++]!
      if (highest === undefined || finished.seq! > highest.seq!) highest = finished
    }
    if (highest !== undefined && highest.seq! >= op.seq!) violations.push(`${describeOp(op)} was invoked after ${describeOp(highest)} was acknowledged, yet got a number not above it`)
  }
  return violations
}

function finalContents(creates: CreateSeqOp[], finalQueue: History['finalQueue']): string[] {
  const violations: string[] = []
  const byTag = new Map(creates.map((op) => [op.tag, op]))
  const present = new Map<string, string>()
  const seqs: number[] = []
  for (const child of finalQueue) {
    const seq = sequenceOf(child.name)
    if (seq === undefined) violations.push(`queue child ${child.name} has no sequence suffix`)
    else seqs.push(seq)
    const op = byTag.get(child.data)
    if (op === undefined) violations.push(`queue child ${child.name} holds ${JSON.stringify(child.data)}, which no create wrote`)
    else if (op.outcome === 'fail') violations.push(`queue child ${child.name} was created by a create that was refused: ${describeOp(op)}`)
    else if (op.outcome === 'ok' && seq !== undefined && op.seq !== seq) violations.push(`queue child ${child.name} was acknowledged as sequence ${op.seq}: ${describeOp(op)}`)
    const twin = present.get(child.data)
    if (twin !== undefined) violations.push(`create ${child.data} applied twice: ${twin} and ${child.name}`)
    present.set(child.data, child.name)
  }
  for (const op of creates) {
    if (op.outcome === 'ok' && !present.has(op.tag)) violations.push(`acknowledged create lost: ${describeOp(op)} is not in the final queue`)
  }
  seqs.sort((a, b) => a - b)
  const gap = seqs.findIndex((seq, i) => seq !== i)
  if (gap !== -1) violations.push(`final queue is not 0..${seqs.length - 1}: position ${gap} holds sequence ${seqs[gap]} (a create took a number and was then lost, or numbers were reused)`)
  return violations
}

