/**
 * The checks of chaos.test.ts must fail for a wrong participant: one that trusts the
 * isLeader/notLeader events instead of asking hasLeadership() before it acts. Paused past the
 * session timeout, it resumes, its work timer runs before the events catch up, and it writes
 * with its old epoch after the successor has written: the fence refuses it, the count shows it.
 */
import t from 'tap'
import { setTimeout as sleep } from 'node:timers/promises'
import type { ChildProcess } from 'node:child_process'
import { FenceServer, checkHistory, spawnCandidate } from '../src/testing/index.js'
import { startTarget } from './support/target.js'

const SESSION_TIMEOUT_MS = 2_000

for (const trust of ['events', 'deadline'] as const) {
  t.test(`a leader paused past the session timeout, trusting ${trust}`, { timeout: 50_000 }, async (t) => {
    const target = await startTarget({ members: 1, tickTimeMs: 500 })
    const fence = await FenceServer.start()
    const processes: ChildProcess[] = []
    t.teardown(async () => {
      for (const child of processes) child.kill('SIGKILL')
      await fence.close()
      await target.stop()
    })
    const ids = ['a', 'b']
    for (const id of ids) processes.push(spawnCandidate({ connectString: target.connectString, path: '/teeth', id, fencePort: fence.port, sessionTimeoutMs: SESSION_TIMEOUT_MS, workIntervalMs: 10, trust, serverTickTimeMs: 500 }))
    const leaderNow = () => fence.resource.history().findLast((r) => r.accepted)?.participant
    while (!leaderNow()) await sleep(50)
    for (let round = 0; round < 2; round++) {
      const leader = processes[ids.indexOf(leaderNow()!)]!
      leader.kill('SIGSTOP')
      await sleep(SESSION_TIMEOUT_MS * 2)
      leader.kill('SIGCONT')
      await sleep(1_000)
    }
    const report = checkHistory(fence.resource.history())
    t.equal(report.staleAccepted.length, 0, 'the fence itself holds either way')
    if (trust === 'events') t.ok(report.rejected > 0, `the wrong participant acted on a stale epoch (${report.rejected} writes refused)`)
    else t.equal(report.rejected, 0, 'the right participant stood down before acting again')
  })
}
