// Majority quorums over the voters only: observers never count.
import { invariant } from './errors.js'

export function quorumSize(voterCount: number): number {
  invariant(voterCount > 0, 'an ensemble needs at least one voter')
  return Math.floor(voterCount / 2) + 1
}

/** True when the members of `acks` that are voters form a strict majority of the voters. */
export function isQuorum(voters: readonly number[], acks: { has(id: number): boolean }): boolean {
  let n = 0
  for (const v of voters) if (acks.has(v)) n++
  return n >= quorumSize(voters.length)
}

/**
 * The highest zxid that a quorum of voters has acknowledged: sort the voters' cumulative acks
 * (unknown = 0) descending and take the quorum-th.
 */
export function quorumZxid(voters: readonly number[], ackedOf: (id: number) => bigint | undefined): bigint {
  const acked = voters.map((v) => ackedOf(v) ?? 0n).sort((a, b) => (a > b ? -1 : a < b ? 1 : 0))
  return acked[quorumSize(voters.length) - 1]!
}
