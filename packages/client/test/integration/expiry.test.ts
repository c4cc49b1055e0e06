// Session expiry against a real ensemble: reported by the server on reconnect, and reported by
// the client's own deadline when no member can be reached, never later than the server's.
import t from 'tap'
import { ErrorCode } from '@zoo/protocol'
import { createClient, type ZooKeeperClient } from '../../src/client.js'
import type { ClientState } from '../../src/state.js'
import type { WatchEvent } from '../../src/watches.js'
import { until } from '../support/fake-server.js'
import { clientFor, ensembleFor } from '../support/target.js'

t.setTimeout(180_000)
const ensemble = await ensembleFor(t, { members: 3, tickTimeMs: 1_000 })
const modes = await Promise.all(ensemble.ids.map((id) => ensemble.mode(id)))
const follower = ensemble.ids[modes.indexOf('follower')]!
const others = ensemble.ids.filter((id) => id !== follower)
const elsewhere = others.map((id) => ensemble.address(id)).join(',')

function recordStates(zk: ZooKeeperClient): [ClientState, number][] {
  const states: [ClientState, number][] = []
  zk.on('state', (s) => states.push([s, performance.now()]))
  return states
}

/** Ends a session from another connection, as a second process holding its credentials could. */
async function closeFromElsewhere(zk: ZooKeeperClient): Promise<void> {
  const thief = await createClient(elsewhere, { session: { id: zk.sessionId, password: zk.sessionPassword }, sessionTimeoutMs: 6_000 })
  await thief.close()
}

t.test('expired by the server: reported once, ephemerals gone, calls fail with SESSIONEXPIRED', async (t) => {
  const renewing = await clientFor(t, ensemble.address(follower), { sessionTimeoutMs: 6_000 })
  const final = await clientFor(t, ensemble.address(follower), { sessionTimeoutMs: 6_000, renewSessionOnExpiry: false })
  const renewingStates = recordStates(renewing)
  const finalStates = recordStates(final)
  await renewing.create('/r-eph', 'x', { mode: 'ephemeral' })
  await final.create('/f-eph', 'x', { mode: 'ephemeral' })
  const onEphemeral: WatchEvent[] = []
  const onStable: WatchEvent[] = []
  await renewing.create('/stable')
  await final.getData('/f-eph', { watch: (e) => onEphemeral.push(e) })
  await final.getData('/stable', { watch: (e) => onStable.push(e) })
  const oldSession = renewing.sessionId
  const zxidBefore = renewing.lastZxidSeen

  // Freeze their member, end both sessions through another one, then let the member go on.
  ensemble.pause(follower)
  try {
    await closeFromElsewhere(renewing)
    await closeFromElsewhere(final)
  } finally {
    ensemble.resume(follower)
  }
  await until(() => finalStates.some(([s]) => s === 'expired') && renewingStates.some(([s]) => s === 'connected'), 30_000, 'expiry and renewal')

  t.same(finalStates.map(([s]) => s), ['suspended', 'expired'], 'reported once')
  t.equal(final.state, 'expired')
  await t.rejects(final.getData('/'), { code: ErrorCode.SESSIONEXPIRED }, 'calls fail with SESSIONEXPIRED')
  // The server deleted the ephemeral on the session's way out and told the connection if it was
  // still open; if the pause outlasted the read timeout (a loaded machine), the client learned
  // the expiry on reconnecting, and the watch hears that instead. Either way: once.
  t.equal(onEphemeral.length, 1, 'a one-shot watch fires once')
  t.ok(
    onEphemeral.some((e) => e.path === '/f-eph' && (e.type === 'deleted' || e.type === 'sessionExpired')),
    `deleted, or sessionExpired after a dropped connection: ${JSON.stringify(onEphemeral)}`,
  )
  t.same(onStable, [{ type: 'sessionExpired', path: '/stable' }], 'a watch that can no longer fire hears sessionExpired')
  t.ok(final.sessionSignal().aborted)

  t.same(renewingStates.map(([s]) => s), ['suspended', 'expired', 'connected'], 'expired once, then a new session')
  t.not(renewing.sessionId, oldSession)
  t.ok(renewing.lastZxidSeen >= zxidBefore, 'lastZxidSeen never goes back')
  const observer = await clientFor(t, elsewhere)
  await observer.sync('/')
  t.equal(await observer.exists('/r-eph'), null, 'the ephemerals of the expired sessions are gone')
  t.equal(await observer.exists('/f-eph'), null)
  await renewing.create('/r-eph', 'again', { mode: 'ephemeral' })
  // Another client on another member sees a write only after a sync: ZooKeeper promises no more.
  await observer.sync('/')
  t.equal((await observer.exists('/r-eph'))?.ephemeralOwner, renewing.sessionId, 'the renewed session works')
})

t.test('no member reachable: suspended at once, expired by the local deadline before the server expires it', async (t) => {
  const zk = await clientFor(t, ensemble.address(follower), { sessionTimeoutMs: 4_000 })
  t.equal(zk.negotiatedTimeoutMs, 4_000)
  const states = recordStates(zk)
  await zk.create('/local-eph', 'x', { mode: 'ephemeral' })
  const observer = await clientFor(t, elsewhere)
  let deletedAt: number | undefined
  await observer.exists('/local-eph', { watch: (e) => e.type === 'deleted' && (deletedAt = performance.now()) })
  const signal = zk.connectionSignal()
  const pausedAt = performance.now()
  ensemble.pause(follower)
  try {
    await until(() => states.some(([s]) => s === 'expired') && deletedAt !== undefined, 30_000, 'local expiry and server expiry')
  } finally {
    ensemble.resume(follower)
  }
  const [suspended, expired] = states
  t.equal(suspended?.[0], 'suspended')
  t.ok(signal.aborted, 'the connection signal fired')
  const suspendedAfter = suspended![1] - pausedAt
  t.ok(suspendedAfter < 4_000, `suspended ${Math.round(suspendedAfter)} ms after the member froze (read timeout 2/3 of 4000)`)
  t.equal(expired?.[0], 'expired')
  t.ok(expired![1] <= deletedAt!, `local expiry ${Math.round(expired![1] - pausedAt)} ms, the server deleted the ephemeral at ${Math.round(deletedAt! - pausedAt)} ms`)
  await until(() => states.some(([s]) => s === 'connected'), 60_000, 'a new session once the member is back')
  t.same(states.map(([s]) => s), ['suspended', 'expired', 'connected'])
})
