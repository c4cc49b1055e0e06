/**
 * The scenario: candidates elect a leader, which does leader-only work (writes to a fenced
 * resource stamped with its id and epoch). Then: kill -9 the leader; SIGSTOP the next one for
 * twice the session timeout and SIGCONT it; SIGTERM (graceful close) the one after. Every step
 * is printed as a timeline, with handover times, and checked at the fenced resource.
 */
import { setTimeout as sleep } from 'node:timers/promises'
import {
  FenceServer, Fleet, checkHistory, spawnCandidate, verdict, writesAfterStandDown,
  type ParticipantEvent, type WriteRecord,
} from '@zoo/leader-latch/testing'
import { startLocalCluster, type LocalTarget } from '@zoo/testkit'

export interface DemoOptions {
  candidates: number
  sessionTimeoutMs: number
  tickTimeMs: number
  /** how long the paused leader stays stopped */
  pauseMs: number
  print: (line: string) => void
  /** what serves the local cluster: zoo (default) or Apache ZooKeeper 3.8 */
  target?: LocalTarget
}

export interface DemoResult {
  handoverMs: { kill: number; pause: number; graceful: number }
  /** what the paused leader sent first after SIGCONT */
  pausedFirstAfterResume: string | undefined
  /** writes the paused leader sent with its old epoch after SIGCONT */
  pausedStaleWrites: number
  ok: boolean
  verdictText: string
}

const hex = (epoch: bigint | undefined) => (epoch === undefined ? '' : `0x${epoch.toString(16)}`)

export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const { print, sessionTimeoutMs } = options
  const t0 = performance.now()
  const stamp = (atMs: number) => `+${((atMs - t0) / 1_000).toFixed(2).padStart(6)}s`
  const line = (atMs: number, who: string, what: string) => print(`${stamp(atMs)}  ${who.padEnd(7)} ${what}`)
  const say = (what: string) => line(performance.now(), 'demo', what)

  say(`starting a local cluster ...`)
  const cluster = await startLocalCluster({ target: options.target, members: 3, tickTimeMs: options.tickTimeMs })
  const fence = await FenceServer.start()
  say(`${cluster.description} at ${cluster.connectString}; fenced resource on 127.0.0.1:${fence.port}`)
  const ids = Array.from({ length: options.candidates }, (_, i) => `cand-${i + 1}`)
  const fleet = new Fleet((id) =>
    spawnCandidate({ connectString: cluster.connectString, path: '/demo/leader', id, fencePort: fence.port, sessionTimeoutMs, workIntervalMs: 20, serverTickTimeMs: options.tickTimeMs }),
  )
  const seenTerms = new Set<bigint>()
  fence.on('event', (e: ParticipantEvent) => line(e.atMs, e.participant, describe(e)))
  fence.on('write', (r: WriteRecord) => {
    if (r.accepted && !seenTerms.has(r.epoch)) {
      seenTerms.add(r.epoch)
      line(r.atMs, r.participant, `acting as leader: first write stamped ${r.participant}@${hex(r.epoch)} accepted`)
    } else if (!r.accepted) line(r.atMs, r.participant, `write ${r.seq} stamped epoch ${hex(r.epoch)} REFUSED by the fence`)
  })
  try {
    say(`starting ${ids.length} candidate processes (session timeout ${sessionTimeoutMs} ms)`)
    for (const id of ids) fleet.launch(id)
    await fence.nextTerm(undefined, 30_000)
    await sleep(1_500)

    const kill = await handover(fence, fleet, 'SIGKILL', 'kill -9', say)
    await sleep(1_500)

    const paused = fence.actingLeader()!
    const pauseStart = performance.now()
    say(`SIGSTOP ${paused.participant} (the leader) for ${(options.pauseMs / 1_000).toFixed(1)} s, past its session timeout`)
    const replaced = fence.nextTerm(paused.epoch, options.pauseMs)
    await fleet.signal(paused.participant, 'SIGSTOP')
    const successor = await replaced
    const pauseHandoverMs = successor.atMs - pauseStart
    say(`handover while ${paused.participant} is frozen: ${ms(pauseHandoverMs)} (its session had to expire first)`)
    await sleep(Math.max(0, pauseStart + options.pauseMs - performance.now()))
    const resumedAt = performance.now()
    say(`SIGCONT ${paused.participant}: it still believes it leads until it looks at its clock`)
    await fleet.signal(paused.participant, 'SIGCONT')
    await sleep(1_500)
    const after = fence.log.filter((a) => (a.kind === 'write' ? a.record : a.event).participant === paused.participant && (a.kind === 'write' ? a.record.atMs : a.event.atMs) >= resumedAt)
    const first = after[0]
    const pausedFirstAfterResume = first === undefined ? undefined : first.kind === 'write' ? `a write with epoch ${hex(first.record.epoch)}` : describe(first.event)
    const pausedStaleWrites = after.filter((a) => a.kind === 'write' && a.record.epoch === paused.epoch).length
    say(`${paused.participant} after SIGCONT: first message "${pausedFirstAfterResume ?? 'none'}"; writes with its old epoch: ${pausedStaleWrites}`)

    const graceful = await handover(fence, fleet, 'SIGTERM', 'graceful close (SIGTERM -> latch.close())', say)
    await sleep(1_000)
    say('stopping every candidate')
    await fleet.stopAll()

    const report = checkHistory(fence.resource.history())
    const { ok, text } = verdict(report)
    const late = writesAfterStandDown(fence.log)
    print('')
    print('summary')
    print(`  handover after kill -9 of the leader:         ${ms(kill)}   (the session timeout, ${sessionTimeoutMs} ms, plus up to one tick for the server to expire it)`)
    print(`  handover after SIGSTOP of the leader:         ${ms(pauseHandoverMs)}`)
    print(`  handover after graceful close of the leader:  ${ms(graceful)}`)
    print(`  paused leader after SIGCONT: first "${pausedFirstAfterResume ?? 'none'}", ${pausedStaleWrites} writes with its old epoch`)
    print(`  terms: ${report.terms.map((term) => `${term.participant}@${hex(term.epoch)} x${term.writes}`).join(' -> ')}`)
    print(`  fenced resource: ${text}; ${late.length} writes after standing down`)
    print(`  ${ok && late.length === 0 ? 'OK: exactly one leader acted at any time' : 'VIOLATION: see above'}`)
    return { handoverMs: { kill, pause: pauseHandoverMs, graceful }, pausedFirstAfterResume, pausedStaleWrites, ok: ok && late.length === 0, verdictText: text }
  } finally {
    fleet.killAll()
    await fence.close()
    await cluster.stop()
  }
}

async function handover(fence: FenceServer, fleet: Fleet, signal: 'SIGKILL' | 'SIGTERM', what: string, say: (s: string) => void): Promise<number> {
  const leader = fence.actingLeader()!
  const startMs = performance.now()
  say(`${what} ${leader.participant} (the leader, pid ${fleet.get(leader.participant).pid})`)
  const next = fence.nextTerm(leader.epoch, 60_000)
  await fleet.signal(leader.participant, signal)
  const record = await next
  const tookMs = record.atMs - startMs
  say(`handover after ${what.split(' (')[0]}: ${ms(tookMs)} until ${record.participant} acted`)
  fleet.launch(leader.participant)
  return tookMs
}

function describe(e: ParticipantEvent): string {
  switch (e.event) {
    case 'isLeader':
      return `LEADER (epoch ${hex(e.epoch)})`
    case 'notLeader':
      return `stood down (${e.why}) from epoch ${hex(e.epoch)}`
    case 'joined':
      return `joined the election as ${e.why?.split('/').at(-1) ?? '?'}`
    default:
      return e.why ? `${e.event}: ${e.why}` : e.event
  }
}

function ms(value: number): string {
  return `${Math.round(value)} ms`
}
