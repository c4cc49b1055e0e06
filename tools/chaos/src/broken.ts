/**
 * Test-only: make the ensemble acknowledge writes before a quorum has them, so a run can show
 * that the checker catches a broken build (errata: not "reads from a partitioned ex-leader",
 * which is legal ZooKeeper behaviour until syncLimit).
 *
 * Against Apache ZooKeeper this is built in the harness, outside the server: on the quorum links
 * of quorum-1 followers the proxy lies (lyingFollower: proposals withheld, ACKs forged in the
 * follower's name) while the leader is cut off from the other followers. The leader then commits
 * and answers writes that only it holds. Killing it and healing lets the others elect a leader
 * without them: acknowledged writes are lost, which the linearizability and register-state
 * checks must report.
 *
 * Against our own server the same switch is the test-only config key ZOO_ACK_BEFORE_QUORUM_KEY
 * (@zoo/server: the leader acknowledges a write once its own log has it); the scenario then only
 * isolates the leader, which acknowledges alone until it notices it lost its quorum (syncLimit).
 */
import { currentLeader, type FaultRecord, type NemesisContext } from './faults/nemesis.js'
import { sleep } from './sleep.js'
import { lyingFollower, type LiarState } from './faults/zab.js'

export const BROKEN_MODES = ['ack-before-quorum'] as const
export type BrokenMode = (typeof BROKEN_MODES)[number]

/** The zoo.cfg key that makes our server acknowledge writes before a quorum has them (test builds only). */
export const ZOO_ACK_BEFORE_QUORUM_KEY = 'zoo.test.ackBeforeQuorum'

const WARMUP_MS = 5_000
const LIE_MS = 6_000
const LEADER_DOWN_MS = 8_000

export async function breakEnsemble(mode: BrokenMode, context: NemesisContext, records: FaultRecord[], signal: AbortSignal): Promise<void> {
  if (mode !== 'ack-before-quorum') throw new RangeError(`unknown broken mode ${String(mode)}`)
  await sleep(WARMUP_MS, signal)
  if (signal.aborted) return
  const { target, network, now, log } = context
  const leader = await currentLeader(target)
  if (leader === undefined) throw new Error('no leader to break')
  const ids = target.members.map((m) => m.id)
  const followers = ids.filter((id) => id !== leader)
  const quorum = Math.floor(ids.length / 2) + 1
  const record: FaultRecord = { kind: 'broken', description: 'acknowledge before a quorum has the write', startMs: now(), endMs: 0, members: [leader], notes: [] }
  records.push(record)
  const liars = target.name === 'apache' ? followers.slice(0, quorum - 1) : []
  const states = new Map<number, LiarState>()
  try {
    for (const liar of liars) states.set(liar, await installLiar(context, liar, leader))
    for (const other of followers.filter((f) => !liars.includes(f))) network.separate(leader, other, 'drop')
    for (const state of states.values()) state.lying = true
    log(`broken: leader ${leader} cut off from ${followers.filter((f) => !liars.includes(f)).join(',') || 'nobody'}; ${liars.length ? `followers ${liars.join(',')} acknowledge what they never get` : 'it acknowledges alone'}`)
    await sleep(LIE_MS, signal)
    await target.kill(leader)
    record.notes.push(...[...states].map(([liar, s]) => `follower ${liar}: ${s.forgedAcks} forged ACKs, ${s.withheld} proposals withheld`))
    if (liars.length === 0) record.notes.push(`leader ${leader} cut off from every follower for ${LIE_MS} ms, then killed`)
    log(`broken: killed leader ${leader}; ${record.notes.join('; ')}`)
  } finally {
    for (const state of states.values()) state.lying = false
    for (const liar of liars) network.intercept(liar, leader, 'quorum', undefined, false)
    network.heal()
  }
  await sleep(LEADER_DOWN_MS, signal)
  await target.restart(leader)
  record.endMs = now()
}

/** Puts a lying interceptor on the liar's quorum link and waits until a fresh, readable connection is synced under it. */
async function installLiar(context: NemesisContext, liar: number, leader: number): Promise<LiarState> {
  for (let attempt = 1; attempt <= 5; attempt++) {
    const state: LiarState = { lying: false, synced: false, opaque: false, forgedAcks: 0, withheld: 0 }
    context.network.intercept(liar, leader, 'quorum', lyingFollower(state), true)
    const deadline = context.now() + 30_000
    while (context.now() < deadline && !state.synced && !state.opaque) await sleep(100)
    if (state.synced && !state.opaque) return state
    context.log(`broken: follower ${liar} resynced by ${state.opaque ? 'snapshot (unreadable)' : 'nothing in time'}; again`)
  }
  throw new Error(`could not get a readable quorum connection from ${liar} to ${leader}`)
}
