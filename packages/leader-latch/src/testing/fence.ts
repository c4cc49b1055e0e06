/**
 * A fenced resource and the checker of its history: how "exactly one leader" is verified.
 *
 * Participants record nothing themselves (a SIGSTOPped process cannot say it still believes it
 * leads); the resource records every write it is asked to make, stamped by the writer with its
 * id and leadership epoch, and accepts a write only when its epoch is at least the highest it
 * has accepted. `checkHistory` then reads the record independently of the resource's own
 * decisions: no stale-epoch write accepted, no epoch written by two participants, the accepted
 * terms in epoch order without overlap, and the handover gaps between them.
 */

export interface WriteAttempt {
  participant: string
  epoch: bigint
  /** the writer's own counter, to show which of its writes were refused */
  seq: number
}

export interface WriteRecord extends WriteAttempt {
  /** the resource's monotonic time when the write arrived */
  atMs: number
  accepted: boolean
}

export class FencedResource {
  private highest: bigint | undefined
  private readonly records: WriteRecord[] = []

  constructor(
    private readonly now: () => number = () => performance.now(),
    /** the history kept; a run that writes more fails loudly instead of forgetting */
    private readonly maxRecords = 1_000_000,
  ) {}

  /** Accepts when `epoch` is no lower than any epoch accepted before. */
  write(attempt: WriteAttempt): boolean {
    if (this.records.length >= this.maxRecords) throw new RangeError(`fenced resource history is full (${this.maxRecords} writes)`)
    const accepted = this.highest === undefined || attempt.epoch >= this.highest
    if (accepted) this.highest = attempt.epoch
    this.records.push({ ...attempt, atMs: this.now(), accepted })
    return accepted
  }

  get highestEpoch(): bigint | undefined {
    return this.highest
  }

  history(): readonly WriteRecord[] {
    return this.records
  }
}

/** The accepted writes of one epoch. */
export interface Term {
  epoch: bigint
  participant: string
  firstMs: number
  lastMs: number
  writes: number
}

export interface HistoryReport {
  accepted: number
  /** refused by the fence: writes of a deposed leader that got through to the resource */
  rejected: number
  /** accepted although a higher epoch had been accepted before: must be 0 */
  staleAccepted: WriteRecord[]
  /** epochs written by more than one participant: must be empty */
  sharedEpochs: { epoch: bigint; participants: string[] }[]
  /** accepted terms in the order they began */
  terms: Term[]
  /** consecutive terms whose accepted writes interleave in time: must be empty */
  overlaps: [Term, Term][]
  /** time from the last accepted write of one term to the first of the next */
  handoverGapsMs: number[]
}

export function checkHistory(records: readonly WriteRecord[]): HistoryReport {
  let highest: bigint | undefined
  const staleAccepted: WriteRecord[] = []
  const owners = new Map<bigint, Set<string>>()
  const terms: Term[] = []
  const byEpoch = new Map<bigint, Term>()
  let rejected = 0
  for (const record of records) {
    let owner = owners.get(record.epoch)
    if (!owner) owners.set(record.epoch, (owner = new Set()))
    owner.add(record.participant)
    if (!record.accepted) {
      rejected++
      continue
    }
    if (highest !== undefined && record.epoch < highest) staleAccepted.push(record)
    if (highest === undefined || record.epoch > highest) highest = record.epoch
    const term = byEpoch.get(record.epoch)
    if (term) {
      term.lastMs = record.atMs
      term.writes++
    } else {
      const fresh = { epoch: record.epoch, participant: record.participant, firstMs: record.atMs, lastMs: record.atMs, writes: 1 }
      byEpoch.set(record.epoch, fresh)
      terms.push(fresh)
    }
  }
  const overlaps: [Term, Term][] = []
  const handoverGapsMs: number[] = []
  for (let i = 1; i < terms.length; i++) {
    const before = terms[i - 1]!
    const after = terms[i]!
    if (after.firstMs < before.lastMs) overlaps.push([before, after])
    handoverGapsMs.push(after.firstMs - before.lastMs)
  }
  const sharedEpochs = [...owners.entries()].filter(([, set]) => set.size > 1).map(([epoch, set]) => ({ epoch, participants: [...set].sort() }))
  return { accepted: records.length - rejected, rejected, staleAccepted, sharedEpochs, terms, overlaps, handoverGapsMs }
}

/** The one-line verdict tests and the demo print; `ok` is what "exactly one leader" means here. */
export function verdict(report: HistoryReport): { ok: boolean; text: string } {
  const ok = report.staleAccepted.length === 0 && report.sharedEpochs.length === 0 && report.overlaps.length === 0
  const text =
    `${report.terms.length} terms, ${report.accepted} writes accepted, ${report.rejected} stale writes refused, ` +
    `${report.staleAccepted.length} stale writes accepted, ${report.sharedEpochs.length} shared epochs, ${report.overlaps.length} overlapping terms`
  return { ok, text }
}
