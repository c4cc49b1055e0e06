// "Done when": 100 watchers and 1,000 rapid updates (some invalid) against a 3-member
// ensemble; every watcher ends on the last version, never holds an invalid value, never goes
// backwards; then the same while the member the watchers are on is killed, and across a
// session expiry of every watcher. The faults strike near the end of the burst, so the last
// writes land while the watchers reconnect: only a re-read after the reconnect sees them.
import t, { type Test } from 'tap'
import { publishConfig } from '../src/index.js'
import { BurstSchema, historyProblems, publishBurst, startWatchers, stopWatchers, type TrackedWatcher } from './support/burst.js'
import { clientFor, clusterFor, expireSession } from './support/target.js'

const WATCHERS = 100
const UPDATES = 1_000
const INVALID_EVERY = 40
const WINDOW = 25
/** Faults strike with this many writes left, so some writes land while the watchers are away. */
const FAULT_BEFORE_END = 2 * WINDOW

const cluster = await clusterFor(t, { members: 3 })

async function until(probe: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!probe()) {
    if (Date.now() > deadline) throw new Error('timed out')
    await new Promise((r) => setTimeout(r, 20))
  }
}

async function settle(t: Test, watchers: TrackedWatcher[], path: string, what: string) {
  const reader = await clientFor(t, cluster.connectString)
  await reader.sync(path)
  const { data, stat } = await reader.getData(path)
  const finalSeq = BurstSchema.parse(JSON.parse(data.toString())).seq
  const final = { version: stat.version, czxid: stat.czxid, mzxid: stat.mzxid }
  await until(() => watchers.every((w) => w.watcher.version?.version === final.version)).catch(() => {})
  const problems = watchers.flatMap((w, i) => historyProblems(w, final, finalSeq, INVALID_EVERY).map((p) => `watcher ${i}: ${p}`))
  t.same(problems.slice(0, 10), [], `${what}: every watcher on version ${final.version} (seq ${finalSeq}), none backwards, none invalid`)
  const changes = watchers.reduce((n, w) => n + w.history.length - 1, 0)
  t.comment(`${what}: ${changes} changes seen by ${watchers.length} watchers (${(changes / watchers.length).toFixed(1)} each; bursts conflate), ${watchers.reduce((n, w) => n + w.invalidReports, 0)} invalid reports`)
  return final
}

async function prepare(path: string) {
  const publisher = await clientFor(t, cluster.connectString)
  await publishConfig(publisher, path, BurstSchema, { seq: 0, flag: true })
  return publisher
}

t.test('100 watchers, 1,000 rapid updates', async (t) => {
  const path = '/burst/steady'
  const publisher = await prepare(path)
  const watchers = await startWatchers(WATCHERS, cluster.connectString, path)
  t.teardown(() => stopWatchers(watchers))
  await publishBurst(publisher, path, UPDATES, { window: WINDOW, invalidEvery: INVALID_EVERY })
  await settle(t, watchers, path, 'steady')
})

t.test('the same while the member every watcher is on is killed', async (t) => {
  const path = '/burst/reconnect'
  const [victim, ...others] = cluster.ids
  // Every watcher starts on the victim; the publisher on another member, so the burst goes on.
  const order = [victim!, ...others].map((id) => cluster.address(id)).join(',')
  const publisher = await clientFor(t, others.map((id) => cluster.address(id)).join(','))
  await publishConfig(publisher, path, BurstSchema, { seq: 0, flag: true })
  // A short session: the client gives a silent member 2/3 of it before moving on.
  const watchers = await startWatchers(WATCHERS, order, path, { shuffleHosts: false, sessionTimeoutMs: 4_000 })
  t.teardown(() => stopWatchers(watchers))
  t.ok(watchers.every((w) => cluster.memberAt(w.zk.connectedHost!) === victim), `all watchers on member ${victim}`)
  const states = new Map<string, number>()
  for (const w of watchers) w.zk.on('state', (s) => states.set(s, (states.get(s) ?? 0) + 1))
  // The victim freezes first (a hung JVM), so the last writes happen while the watchers still
  // wait on it and get no events; then it is killed. Only the re-read after the reconnect
  // (the persistent watch's resync) can show them those writes.
  let frozen = false
  await publishBurst(publisher, path, UPDATES, {
    window: WINDOW,
    invalidEvery: INVALID_EVERY,
    onWritten: async (written) => {
      if (frozen || written < UPDATES - FAULT_BEFORE_END) return
      frozen = true
      // Idle watchers (no read in flight that a retry would repeat): the resync must do it.
      await until(() => watchers.every((w) => w.watcher.current.seq === written))
      cluster.pause(victim!)
    },
  })
  await cluster.kill(victim!)
  await settle(t, watchers, path, 'reconnect')
  t.equal(states.get('suspended'), WATCHERS, 'every watcher lost its connection')
  t.equal(states.get('reconnected'), WATCHERS, 'and reconnected with its session')
  t.ok(watchers.every((w) => cluster.memberAt(w.zk.connectedHost!) !== victim), 'all watchers moved to a living member')
})

t.test('the same across a session expiry of every watcher', async (t) => {
  const path = '/burst/expiry'
  // The victim member is down now: connect to the living ones.
  const living = cluster.ids.slice(1).map((id) => cluster.address(id)).join(',')
  const publisher = await clientFor(t, living)
  await publishConfig(publisher, path, BurstSchema, { seq: 0, flag: true })
  const watchers = await startWatchers(WATCHERS, living, path)
  t.teardown(() => stopWatchers(watchers))
  const sessionsBefore = watchers.map((w) => w.zk.sessionId)
  let expired = false
  await publishBurst(publisher, path, UPDATES, {
    window: WINDOW,
    invalidEvery: INVALID_EVERY,
    onWritten: async (written) => {
      if (expired || written < UPDATES - FAULT_BEFORE_END) return
      expired = true
      await Promise.all(watchers.map((w) => expireSession(w.zk, living)))
    },
  })
  await settle(t, watchers, path, 'expiry')
  t.ok(watchers.every((w, i) => w.zk.sessionId !== sessionsBefore[i]), 'every watcher is on a new session')
})
