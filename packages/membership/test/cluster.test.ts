// On a 3-member ensemble: a watcher whose server is killed, and which misses changes while it is
// cut off, ends on the true state (resync: sync + full re-read); member processes killed with
// SIGKILL disappear from every watcher within their session timeout + 2 s (measured).
import t, { type Test } from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import * as z from 'zod'
import { CutProxy, selectedEnsemble } from '@zoo/recipe-core/testing'
import { Group, type GroupWatch } from '../src/index.js'
import { clientFor, pullUntil } from './support/helpers.js'

const ensemble = await selectedEnsemble()({ members: 3, tickTimeMs: 500 })
t.teardown(() => ensemble.stop())

const schema = z.object({ n: z.number() })

t.test('a watcher cut off while its server is killed re-reads on resync and misses nothing', async (t) => {
  const [victim, ...rest] = ensemble.ids as [number, ...number[]]
  const proxies = await Promise.all(ensemble.ids.map((id) => CutProxy.start({ port: ensemble.port(id) })))
  t.teardown(() => Promise.all(proxies.map((p) => p.close())))
  // The watcher reaches the ensemble only through the proxies, and starts on the victim.
  const watcherZk = await clientFor(t, proxies.map((p) => p.address).join(','), { shuffleHosts: false })
  t.equal(watcherZk.connectedHost, proxies[0]!.address)
  const writerZk = await clientFor(t, rest.map((id) => `127.0.0.1:${ensemble.port(id)}`).join(','))
  const writer = new Group(writerZk, '/c/resync', { schema })
  const a = await writer.join({ n: 1 }, { id: 'a' })
  const b = await writer.join({ n: 1 }, { id: 'b' })
  const watch = new Group(watcherZk, '/c/resync', { schema }).watch()
  t.teardown(() => void watch.return())
  await pullUntil(watch, (s) => s.size === 2)

  for (const proxy of proxies.slice(1)) proxy.block()
  await ensemble.kill(victim)
  proxies[0]!.block()
  // Changes the watcher cannot hear of: the server does not replay a persistent watch's events.
  await b.leave()
  const c = await writer.join({ n: 1 }, { id: 'c' })
  await a.update({ n: 2 })
  const passesBefore = watch.rereader.passes
  for (const proxy of proxies.slice(1)) proxy.heal()
  const updates = await pullUntil(watch, (s) => s.has('c') && !s.has('b') && s.get('a')?.data.n === 2, 30_000)
  const final = updates.at(-1)!.snapshot
  t.same(final.members, (await writer.members({ sync: true })).members, 'the watcher ends on the true state')
  t.same(updates.flatMap((u) => u.events.map((e) => `${e.type}:${e.member.id}`)).sort(), ['change:a', 'join:c', 'leave:b'])
  t.ok(watch.rereader.passes > passesBefore)
  await Promise.all([a.leave(), c.leave()])
  await ensemble.start(victim)
})

interface MemberProcess {
  id: string
  child: ChildProcess
  registered: Promise<{ negotiatedTimeoutMs: number }>
}

const MEMBER = fileURLToPath(new URL('./fixtures/member-process.ts', import.meta.url))
const SESSION_TIMEOUT_MS = 4_000

function startMember(t: Test, id: string, path: string): MemberProcess {
  const child = spawn(process.execPath, ['--import', 'tsx', '--conditions=zoo-source', MEMBER, ensemble.connectString, path, id, String(SESSION_TIMEOUT_MS)], { stdio: ['ignore', 'pipe', 'inherit'] })
  t.teardown(() => void child.kill('SIGKILL'))
  const lines = createInterface({ input: child.stdout! })
  const registered = new Promise<{ negotiatedTimeoutMs: number }>((resolve, reject) => {
    lines.on('line', (line) => {
      const message = JSON.parse(line) as { event: string; negotiatedTimeoutMs: number }
      if (message.event === 'registered') resolve(message)
    })
    child.once('exit', (code) => reject(new Error(`member ${id} exited (${code}) before registering`)))
  })
  return { id, child, registered }
}

t.test('SIGKILL: a member disappears from every watcher within its session timeout + 2 s', async (t) => {
  const path = '/c/killed'
  const WATCHERS = 6
  const watches: GroupWatch<{ n: number }>[] = []
  for (let i = 0; i < WATCHERS; i++) {
    // Spread the watchers over the members: each starts on a different one.
    const hosts = ensemble.ids.map((_, k) => `127.0.0.1:${ensemble.port(ensemble.ids[(i + k) % ensemble.ids.length]!)}`)
    const zk = await clientFor(t, hosts.join(','), { shuffleHosts: false })
    const watch = new Group(zk, path, { schema: z.object({ pid: z.number(), startedAtMs: z.number() }) }).watch() as unknown as GroupWatch<{ n: number }>
    t.teardown(() => void watch.return())
    watches.push(watch)
  }
  const members = ['k1', 'k2', 'k3'].map((id) => startMember(t, id, path))
  const negotiated = await Promise.all(members.map((m) => m.registered))
  await Promise.all(watches.map((w) => pullUntil(w, (s) => s.size === 3, 20_000)))
  const timeoutMs = negotiated[0]!.negotiatedTimeoutMs
  const figures: number[] = []
  for (const member of members) {
    const killedAtMs = Date.now()
    member.child.kill('SIGKILL')
    const seen = await Promise.all(watches.map((w) => pullUntil(w, (s) => !s.has(member.id), timeoutMs + 10_000).then(() => Date.now() - killedAtMs)))
    figures.push(...seen)
    for (const ms of seen) t.ok(ms <= timeoutMs + 2_000, `${member.id} gone from a watcher after ${ms} ms (limit ${timeoutMs + 2_000})`)
  }
  figures.sort((x, y) => x - y)
  t.comment(`SIGKILL -> gone from all ${WATCHERS} watchers (3 kills, session timeout ${timeoutMs} ms, tickTime 500 ms): min ${figures[0]} ms, median ${figures[Math.floor(figures.length / 2)]} ms, max ${figures.at(-1)} ms`)
})
