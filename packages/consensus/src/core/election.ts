// Fast Leader Election as ZooKeeper runs it: a looking voter proposes itself, adopts any better
// vote (peerEpoch, then zxid, then server id), re-broadcasts, and once a quorum of voters holds
// its proposal waits `electionFinalizeTicks` for a better one before concluding. Reports from
// members that already follow or lead let a newcomer (or an observer) join an existing leader.
// Safety never rests on this module: discovery (a quorum acknowledging a new epoch) and the
// leader's refusal of followers ahead of it do. Election only has to pick a good candidate.
import type { PeerConfig } from './config.js'
import type { Notification } from './messages.js'
import type { Role } from './types.js'
import { isQuorum } from './quorum.js'

export interface Vote {
  readonly leader: number
  readonly zxid: bigint
  readonly peerEpoch: number
}

/** a is strictly better than b: higher peerEpoch, then higher zxid, then higher server id. */
export function betterVote(a: Vote, b: Vote): boolean {
  if (a.peerEpoch !== b.peerEpoch) return a.peerEpoch > b.peerEpoch
  if (a.zxid !== b.zxid) return a.zxid > b.zxid
  return a.leader > b.leader
}

export function sameVote(a: Vote, b: Vote): boolean {
  return a.leader === b.leader && a.zxid === b.zxid && a.peerEpoch === b.peerEpoch
}

export interface ElectionHost {
  readonly config: PeerConfig
  now(): number
  acceptedEpoch(): number
  /** The connection to this voter broke and nothing arrived from it since (linkDown). */
  unreachable(id: number): boolean
  /** To every voter but this peer. */
  broadcast(n: Notification): void
  send(to: number, n: Notification): void
}

export interface Elected {
  readonly vote: Vote
  readonly round: number
}

interface Report {
  readonly vote: Vote
  readonly round: number
  readonly state: Role
}

export class Election {
  private proposal: Vote | undefined
  /** Votes of this round, by voter (this peer's own included). */
  private readonly votes = new Map<number, Report>()
  /** Latest report of each voter that already follows or leads, whatever its round. */
  private readonly settled = new Map<number, Report>()
  private finalizeAtTick: number | undefined
  private finalizing: Vote | undefined
  private nextResendTick = 0

  /** `selfVote` is undefined for an observer, which never proposes anyone. */
  constructor(
    private readonly host: ElectionHost,
    private roundNumber: number,
    private readonly selfVote: Vote | undefined,
  ) {
    this.proposal = selfVote
    this.highestRound = roundNumber
  }

  /**
   * The highest round this election took part in. Joining a leader out of election takes that
   * leader's (older) round, and the next election must still start above this one: our
   * notifications of this round, delayed in the network, would otherwise pass for votes of the next.
   */
  highestRound: number

  get round(): number {
    return this.roundNumber
  }

  /** Our current proposal names `id` as leader. */
  proposes(id: number): boolean {
    return this.proposal?.leader === id
  }

  start(): Elected | undefined {
    this.recordOwn()
    this.announce()
    return this.evaluate()
  }

  notification(): Notification {
    const p = this.proposal
    return { type: 'notification', state: 'looking', leader: p?.leader ?? 0, zxid: p?.zxid ?? 0n, round: this.roundNumber, peerEpoch: p?.peerEpoch ?? 0, acceptedEpoch: this.host.acceptedEpoch() }
  }

  onTick(): Elected | undefined {
    const now = this.host.now()
    if (now >= this.nextResendTick) this.announce()
    if (this.finalizeAtTick !== undefined && now >= this.finalizeAtTick) return this.evaluate(true)
    return undefined
  }

  onNotification(from: number, n: Notification): Elected | undefined {
    const voters = this.host.config.voters
    if (!voters.includes(from)) {
      // An observer asking who leads: answer, never count it.
      this.host.send(from, this.notification())
      return undefined
    }
    const vote: Vote = { leader: n.leader, zxid: n.zxid, peerEpoch: n.peerEpoch }
    const valid = voters.includes(n.leader)
    // An observer learns only from members that settled; answering looking voters would echo forever.
    if (n.state === 'looking') return valid && this.selfVote !== undefined ? this.onLooking(from, n, vote) : undefined
    if (!valid) return undefined
    return this.onSettled(from, { vote, round: n.round, state: n.state })
  }

  private onLooking(from: number, n: Notification, vote: Vote): Elected | undefined {
    // It is looking again: whatever it reported while following no longer holds.
    this.settled.delete(from)
    if (n.round > this.roundNumber) {
      this.roundNumber = n.round
      this.highestRound = Math.max(this.highestRound, n.round)
      this.votes.clear()
      this.proposal = this.selfVote !== undefined && !betterVote(vote, this.selfVote) ? this.selfVote : vote
      this.recordOwn()
      this.announce()
    } else if (n.round < this.roundNumber) {
      // Help a peer of an older round catch up.
      this.host.send(from, this.notification())
      return undefined
    } else if (this.proposal !== undefined && betterVote(vote, this.proposal)) {
      this.proposal = vote
      this.recordOwn()
      this.announce()
    } else if (this.proposal !== undefined && betterVote(this.proposal, vote)) {
      // It has not heard our better vote (it was following when we announced it, say, and
      // answered with whom it followed): tell it now rather than at our next resend. It adopts
      // our vote, so this is answered once per worse vote, never back and forth.
      this.host.send(from, this.notification())
    }
    this.votes.set(from, { vote, round: n.round, state: 'looking' })
    return this.evaluate()
  }

  private onSettled(from: number, report: Report): Elected | undefined {
    if (report.round === this.roundNumber) {
      this.votes.set(from, report)
      if (this.agreeing(this.votes, report.vote, undefined) && this.leaderConfirmed(this.votes, report)) {
        return { vote: report.vote, round: this.roundNumber }
      }
    }
    this.settled.set(from, report)
    // Members that settled at different times hold different votes for the same leader (zxid,
    // peerEpoch and round of the election they concluded): only the leader's id is compared,
    // as Apache does for votes out of election. Unlike Apache we count ourselves: we join a
    // leader that, with us, has a quorum, instead of waiting out its initLimit. That leader may
    // be behind us; its refusal of followers ahead of it (leader.ts) keeps that safe, and the
    // simulator shows that without the refusal committed txns are lost.
    const leader = report.vote.leader
    const holders = new Set<number>([this.host.config.id])
    for (const [id, r] of this.settled) if (r.vote.leader === leader) holders.add(id)
    const leaderReport = this.settled.get(leader)
    if (leaderReport?.state === 'leading' && leader !== this.host.config.id && isQuorum(this.host.config.voters, holders)) {
      this.roundNumber = leaderReport.round
      return { vote: leaderReport.vote, round: leaderReport.round }
    }
    return undefined
  }

  /** A leader other than us must itself report LEADING; a vote for us must be of our round. */
  private leaderConfirmed(reports: ReadonlyMap<number, Report>, report: Report): boolean {
    if (report.vote.leader === this.host.config.id) return report.round === this.roundNumber
    return reports.get(report.vote.leader)?.state === 'leading'
  }

  private agreeing(reports: ReadonlyMap<number, Report>, vote: Vote, round: number | undefined): boolean {
    const holders = new Set<number>()
    for (const [id, r] of reports) if (sameVote(r.vote, vote) && (round === undefined || r.round === round)) holders.add(id)
    return isQuorum(this.host.config.voters, holders)
  }

  private recordOwn(): void {
    if (this.proposal !== undefined) this.votes.set(this.host.config.id, { vote: this.proposal, round: this.roundNumber, state: 'looking' })
  }

  private announce(): void {
    this.host.broadcast(this.notification())
    this.nextResendTick = this.host.now() + this.host.config.electionResendTicks
  }

  /**
   * Concludes once a quorum holds our proposal and no better vote arrived during the finalize
   * wait, or at once when every voter but those known unreachable voted for it in this round:
   * the wait is for a better vote, and no voter is left that could send one (Apache waits its
   * 200 ms finalizeWait unless it heard from all voters; a dead leader's connections are closed,
   * so after a failover the survivors know it cannot vote). `deadline` is true when called
   * because the wait elapsed.
   */
  private evaluate(deadline = false): Elected | undefined {
    const p = this.proposal
    if (p === undefined || !this.agreeing(this.votes, p, this.roundNumber)) {
      this.finalizeAtTick = undefined
      this.finalizing = undefined
      return undefined
    }
    if (this.finalizing === undefined || !sameVote(this.finalizing, p)) {
      // A new proposal restarts the wait for a better vote.
      this.finalizing = p
      this.finalizeAtTick = this.host.now() + this.host.config.electionFinalizeTicks
      deadline = false
    }
    if (deadline || this.host.config.electionFinalizeTicks === 0 || this.heardAllReachable(p)) return { vote: p, round: this.roundNumber }
    return undefined
  }

  private heardAllReachable(p: Vote): boolean {
    for (const v of this.host.config.voters) {
      const r = this.votes.get(v)
      const agrees = r !== undefined && r.round === this.roundNumber && sameVote(r.vote, p)
      if (!agrees && !this.host.unreachable(v)) return false
    }
    return true
  }
}
