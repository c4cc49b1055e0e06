/**
 * Exactly one leader under random participant crashes (kill -9), pauses (SIGSTOP past the
 * session timeout, then SIGCONT), graceful closes and cluster-member kills, checked from the
 * history recorded at a fenced resource: no stale epoch accepted, no epoch shared, no write sent
 * by a participant after it stood down. LATCH_CHAOS_SEED replays a schedule.
 */
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import { FenceServer, Fleet, checkHistory, spawnCandidate, verdict, writesAfterStandDown } from '../src/testing/index.js'
import { startTarget, type LatchTarget } from './support/target.js'
import { mulberry32 } from './support/random.js'

const SESSION_TIMEOUT_MS = 2_000
const CANDIDATES = ['c1', 'c2', 'c3', 'c4']

type Action = 'crash-leader' | 'crash-any' | 'pause-leader' | 'pause-any' | 'close-leader' | 'kill-member'
/** Every kind of fault at least once; the seed decides the order, the victims and the durations. */
const ACTIONS: Action[] = ['crash-leader', 'crash-any', 'pause-leader', 'pause-leader', 'pause-any', 'close-leader', 'kill-member', 'kill-member']

t.test('exactly one leader under crashes, pauses, closes and member kills', { timeout: 90_000 }, async (t) => {
  const seed = Number(process.env.LATCH_CHAOS_SEED ?? Math.floor(Math.random() * 2 ** 31))
  t.comment(`seed ${seed} (LATCH_CHAOS_SEED=${seed} replays the schedule)`)
  const random = mulberry32(seed)
  const target: LatchTarget = await startTarget({ members: 3, tickTimeMs: 500 })
  const fence = await FenceServer.start()
  const fleet = new Fleet((id) => spawnCandidate({ connectString: target.connectString, path: '/chaos/latch', id, fencePort: fence.port, sessionTimeoutMs: SESSION_TIMEOUT_MS, workIntervalMs: 25, serverTickTimeMs: 500 }))
  t.teardown(async () => {
    fleet.killAll()
    await fence.close()
    await target.stop()
  })
  const leaderNow = () => fence.actingLeader()?.participant
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)]!

  for (const id of CANDIDATES) fleet.launch(id)
  while (!leaderNow()) await sleep(100)

  const done: string[] = []
  const schedule = [...ACTIONS].map((action) => ({ action, key: random() })).sort((a, b) => a.key - b.key)
  for (const { action } of schedule) {
    const victim = action.endsWith('-leader') ? leaderNow()! : pick(CANDIDATES)
    switch (action) {
      case 'crash-leader':
      case 'crash-any':
        await fleet.signal(victim, 'SIGKILL')
        fleet.launch(victim)
        break
      case 'close-leader':
        await fleet.signal(victim, 'SIGTERM')
        fleet.launch(victim)
        break
      case 'pause-leader':
      case 'pause-any': {
        // The leader past its session timeout (it must stand down); anyone, sometimes not as long.
        const pauseMs = Math.round(SESSION_TIMEOUT_MS * (action === 'pause-leader' ? 1.1 + random() : 0.5 + 1.5 * random()))
        await fleet.signal(victim, 'SIGSTOP')
        await sleep(pauseMs)
        await fleet.signal(victim, 'SIGCONT')
        done.push(`${action} ${victim} ${pauseMs} ms`)
        break
      }
      case 'kill-member': {
        const id = pick(target.ids)
        await target.kill(id)
        await sleep(1_000)
        await target.start(id)
        done.push(`kill-member ${id}`)
        break
      }
    }
    if (!action.startsWith('pause') && action !== 'kill-member') done.push(`${action} ${victim}`)
    await sleep(1_000 + random() * 1_500)
  }
  await fleet.stopAll()
  t.comment(done.join('; '))

  const report = checkHistory(fence.resource.history())
  const { ok, text } = verdict(report)
  t.comment(text)
  t.ok(ok, `exactly one leader: ${text}`)
  t.same(report.staleAccepted, [], 'no stale-epoch write accepted')
  t.same(report.sharedEpochs, [], 'no epoch written by two participants')
  t.same(writesAfterStandDown(fence.log), [], 'no participant wrote after it stood down')
  t.equal(report.rejected, 0, 'no deposed leader even tried: each stood down before acting again')
  t.ok(report.terms.length >= 3, `leadership moved (${report.terms.length} terms)`)
  const paused = fence.events.filter((e) => e.event === 'notLeader' && (e.why === 'deadline' || e.why === 'suspended' || e.why === 'expired'))
  t.ok(paused.length > 0 || !done.some((d) => d.startsWith('pause-leader')), 'a paused leader reported standing down')
})
