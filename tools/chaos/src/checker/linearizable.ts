/**
 * A linearizability checker in the style of Porcupine (Wing & Gong's search with Lowe's
 * memoization): depth-first over the history's call/return events, linearizing any operation
 * whose call comes before the earliest pending return, backtracking on a return that arrives
 * before its operation was placed, and remembering every (set of linearized operations, state)
 * pair already explored so the same configuration is never searched twice.
 *
 * Operations without an answer (`unknown`) have their return at +infinity and are optional: the
 * history is linearizable when every operation WITH an answer has been placed; an unanswered one
 * that never took effect is simply never placed, one that did is placed wherever it fits after its
 * invocation. So "possibly applied" needs no extra no-op transition in the model.
 *
 * Pure: no I/O, no clock. The search is bounded by `maxSteps`; past it the answer is `unknown`,
 * never a guess.
 */

export interface Model<S, O> {
  readonly initial: S
  /** the state after `op` takes effect in `state`, or undefined if its recorded output rules that out */
  step(state: S, op: O): S | undefined
  /** equal states must give equal keys */
  key(state: S): string
  describeState(state: S): string
  describeOp(op: O): string
  /**
   * Optional pruning for models with a counter that never decreases along any linearization (a
   * znode's version): `rank` of a state, and for an answered operation the exact rank the state
   * must have when it is placed. A prefix whose rank has passed what some waiting answered
   * operation needs can never be completed, so the search drops it at once instead of trying
   * every subset of unanswered operations on top of it.
   */
  rank?(state: S): number
  requiredRank?(op: O): number | undefined
}

export interface TimedOperation<O> {
  op: O
  invokeMs: number
  /** Infinity for an operation whose outcome is unknown */
  completeMs: number
}

export interface Counterexample<S, O> {
  /** the longest prefix of a linearization the search found, in order */
  linearized: O[]
  /** the state after that prefix */
  state: S
  /** the answered operation whose return came before it could be placed */
  blocked: O
  /** operations that were pending (invoked, not placed) at that point, each with why it cannot go next */
  candidates: { op: O; reason: string }[]
}

export type LinearizabilityResult<S, O> =
  | { verdict: 'linearizable'; steps: number; order: O[] }
  | { verdict: 'not-linearizable'; steps: number; counterexample: Counterexample<S, O> }
  | { verdict: 'unknown'; steps: number; reason: string }

export interface CheckOptions {
  /** search steps before giving up with `unknown` (default 20,000,000) */
  maxSteps?: number
}

interface Entry {
  call: boolean
  op: number
  time: number
  /** call -> its return, return -> its call */
  match: Entry | undefined
  prev: Entry | undefined
  next: Entry | undefined
}

function buildList<O>(ops: TimedOperation<O>[]): Entry {
  const events: Entry[] = []
  ops.forEach((o, index) => {
    if (!(o.completeMs >= o.invokeMs)) throw new RangeError(`operation ${index} completes (${o.completeMs}) before it is invoked (${o.invokeMs})`)
    const call: Entry = { call: true, op: index, time: o.invokeMs, match: undefined, prev: undefined, next: undefined }
    const ret: Entry = { call: false, op: index, time: o.completeMs, match: call, prev: undefined, next: undefined }
    call.match = ret
    events.push(call, ret)
  })
  // Calls before returns at equal times: operations that merely touch are treated as concurrent,
  // which can only make the checker more lenient, never report a false violation.
  events.sort((a, b) => a.time - b.time || (a.call === b.call ? a.op - b.op : a.call ? -1 : 1))
  const head: Entry = { call: false, op: -1, time: -Infinity, match: undefined, prev: undefined, next: undefined }
  let last = head
  for (const event of events) {
    last.next = event
    event.prev = last
    last = event
  }
  return head
}

function lift(call: Entry): void {
  call.prev!.next = call.next
  call.next!.prev = call.prev
  const ret = call.match!
  ret.prev!.next = ret.next
  if (ret.next) ret.next.prev = ret.prev
}

function unlift(call: Entry): void {
  const ret = call.match!
  ret.prev!.next = ret
  if (ret.next) ret.next.prev = ret
  call.prev!.next = call
  call.next!.prev = call
}

/** Zobrist-style 2x32-bit hash of the linearized set, kept incrementally; buckets compare exactly. */
class LinearizedSet {
  readonly bits: Uint32Array
  h1 = 0
  h2 = 0
  private readonly z1: Uint32Array
  private readonly z2: Uint32Array

  constructor(size: number) {
    this.bits = new Uint32Array(Math.ceil(size / 32) || 1)
    this.z1 = new Uint32Array(size)
    this.z2 = new Uint32Array(size)
    // A fixed-seed generator: the hash only spreads buckets, equality is always checked in full.
    let s = 0x9e3779b9
    const next = () => {
      s = (s + 0x6d2b79f5) | 0
      let t = Math.imul(s ^ (s >>> 15), 1 | s)
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
      return (t ^ (t >>> 14)) >>> 0
    }
    for (let i = 0; i < size; i++) {
      this.z1[i] = next()
      this.z2[i] = next()
    }
  }

  toggle(i: number): void {
    this.bits[i >>> 5]! ^= 1 << (i & 31)
    this.h1 = (this.h1 ^ this.z1[i]!) >>> 0
    this.h2 = (this.h2 ^ this.z2[i]!) >>> 0
  }

  /** the hash the set would have with `i` toggled */
  keyWith(i: number, stateKey: string): string {
    return `${(this.h1 ^ this.z1[i]!) >>> 0}:${(this.h2 ^ this.z2[i]!) >>> 0}:${stateKey}`
  }

  equalsWith(other: Uint32Array, i: number): boolean {
    const word = i >>> 5
    for (let w = 0; w < this.bits.length; w++) {
      const mine = w === word ? this.bits[w]! ^ (1 << (i & 31)) : this.bits[w]!
      if (mine !== other[w]) return false
    }
    return true
  }

  copyWith(i: number): Uint32Array {
    const copy = this.bits.slice()
    copy[i >>> 5]! ^= 1 << (i & 31)
    return copy
  }
}

class Explored {
  private readonly buckets = new Map<string, Uint32Array[]>()

  /** true if (set + i, state) was new and is now recorded */
  add(set: LinearizedSet, i: number, stateKey: string): boolean {
    const key = set.keyWith(i, stateKey)
    const bucket = this.buckets.get(key)
    if (bucket?.some((bits) => set.equalsWith(bits, i))) return false
    if (bucket) bucket.push(set.copyWith(i))
    else this.buckets.set(key, [set.copyWith(i)])
    return true
  }
}

/** The smallest required rank among answered operations not yet placed. */
class Requirements {
  private readonly order: number[]
  private readonly positionOf: Map<number, number>
  private readonly placed: Uint8Array
  private first = 0

  constructor(required: (number | undefined)[]) {
    this.order = required.flatMap((rank, op) => (rank === undefined ? [] : [op])).sort((a, b) => required[a]! - required[b]!)
    this.positionOf = new Map(this.order.map((op, position) => [op, position]))
    this.placed = new Uint8Array(required.length)
    this.required = required
  }

  private readonly required: (number | undefined)[]

  /** the waiting answered operation that needs the lowest rank, if `op` were placed too */
  lowestWithout(op: number): { rank: number; op: number } | undefined {
    let i = this.first
    while (i < this.order.length && (this.placed[this.order[i]!] === 1 || this.order[i] === op)) i++
    return i < this.order.length ? { rank: this.required[this.order[i]!]!, op: this.order[i]! } : undefined
  }

  place(op: number): void {
    this.placed[op] = 1
    while (this.first < this.order.length && this.placed[this.order[this.first]!] === 1) this.first++
  }

  unplace(op: number): void {
    this.placed[op] = 0
    const position = this.positionOf.get(op)
    if (position !== undefined && position < this.first) this.first = position
  }
}

interface Frame<S> {
  entry: Entry
  before: S
}

export function checkLinearizable<S, O>(model: Model<S, O>, ops: TimedOperation<O>[], options: CheckOptions = {}): LinearizabilityResult<S, O> {
  const maxSteps = options.maxSteps ?? 20_000_000
  const head = buildList(ops)
  const set = new LinearizedSet(ops.length)
  const explored = new Explored()
  const stack: Frame<S>[] = []
  const rank = model.rank?.bind(model)
  const requirements = rank && model.requiredRank ? new Requirements(ops.map((o) => (Number.isFinite(o.completeMs) ? model.requiredRank!(o.op) : undefined))) : undefined
  const overtakes = (next: S, op: number) => requirements !== undefined && rank!(next) > (requirements.lowestWithout(op)?.rank ?? Infinity)
  let answeredLeft = ops.filter((o) => Number.isFinite(o.completeMs)).length
  let state = model.initial
  let entry = head.next
  let steps = 0
  // The deepest prefix seen, for the counterexample. Kept incrementally: `lowWater` is the
  // shortest the stack has been since the last copy, so only the changed tail is copied again.
  const deepest: { order: number[]; state: S; blocked: number } = { order: [], state, blocked: -1 }
  let lowWater = 0
  while (answeredLeft > 0) {
    if (++steps > maxSteps) return { verdict: 'unknown', steps, reason: `gave up after ${maxSteps} search steps (${stack.length} of ${ops.length} operations placed)` }
    // A call can always find its return after it, and answered returns precede unanswered ones,
    // so while answered operations remain the scan meets a return before the end of the list.
    if (entry === undefined) throw new Error('linearizability search ran off the event list')
    if (entry.call) {
      const next = model.step(state, ops[entry.op]!.op)
      if (next !== undefined && !overtakes(next, entry.op) && explored.add(set, entry.op, model.key(next))) {
        stack.push({ entry, before: state })
        state = next
        set.toggle(entry.op)
        requirements?.place(entry.op)
        lift(entry)
        if (Number.isFinite(ops[entry.op]!.completeMs)) answeredLeft--
        entry = head.next
      } else {
        entry = entry.next
      }
      continue
    }
    // A return whose operation is not placed yet: the current prefix cannot be extended.
    if (deepest.blocked === -1 || stack.length > deepest.order.length) {
      deepest.order.length = Math.min(lowWater, deepest.order.length)
      for (let i = deepest.order.length; i < stack.length; i++) deepest.order.push(stack[i]!.entry.op)
      deepest.state = state
      deepest.blocked = entry.op
      lowWater = stack.length
    }
    const frame = stack.pop()
    if (frame === undefined) return { verdict: 'not-linearizable', steps, counterexample: explain(model, ops, deepest, requirements) }
    lowWater = Math.min(lowWater, stack.length)
    state = frame.before
    set.toggle(frame.entry.op)
    requirements?.unplace(frame.entry.op)
    unlift(frame.entry)
    if (Number.isFinite(ops[frame.entry.op]!.completeMs)) answeredLeft++
    entry = frame.entry.next
  }
  return { verdict: 'linearizable', steps, order: stack.map((f) => ops[f.entry.op]!.op) }
}

function explain<S, O>(model: Model<S, O>, ops: TimedOperation<O>[], deepest: { order: number[]; state: S; blocked: number }, requirements: Requirements | undefined): Counterexample<S, O> {
  // Pending at the deepest prefix: invoked before the blocked return, not placed.
  for (const op of deepest.order) requirements?.place(op)
  const placed = new Set(deepest.order)
  const blockedAt = ops[deepest.blocked]!.completeMs
  const reason = (index: number): string => {
    const next = model.step(deepest.state, ops[index]!.op)
    if (next === undefined) return `cannot take effect in state ${model.describeState(deepest.state)}`
    const lowest = requirements?.lowestWithout(index)
    if (lowest !== undefined && model.rank!(next) > lowest.rank) return `would leave ${model.describeState(next)}, past what ${model.describeOp(ops[lowest.op]!.op)} must find`
    return 'could take effect, but every continuation from there fails'
  }
  const candidates = ops
    .map((o, index) => ({ o, index }))
    .filter(({ o, index }) => !placed.has(index) && o.invokeMs <= blockedAt)
    .map(({ o, index }) => ({ op: o.op, reason: reason(index) }))
  return { linearized: deepest.order.map((i) => ops[i]!.op), state: deepest.state, blocked: ops[deepest.blocked]!.op, candidates }
}
