/**
 * No ephemeral outlives its session. The harness kills (SIGKILL) or closes every owner before the
 * end, heals, and waits longer than the session timeout; after that an ephemeral is a violation
 * when its owner session ended, and also when its owner is no session the harness ever opened
 * (a node nobody can account for).
 */
import type { History } from './history.js'

export function checkEphemerals(history: Pick<History, 'owners' | 'finalEphemerals'>): string[] {
  const owners = new Map(history.owners.map((owner) => [owner.sessionId, owner]))
  const violations: string[] = []
  for (const node of history.finalEphemerals) {
    const owner = owners.get(node.ephemeralOwner)
    if (owner === undefined) violations.push(`ephemeral ${node.path} is owned by session ${node.ephemeralOwner}, which no owner process opened`)
    else if (owner.how !== 'alive') violations.push(`ephemeral ${node.path} outlived its session ${owner.sessionId} (${owner.how} at ${owner.endedMs?.toFixed(0)} ms)`)
  }
  return violations
}
