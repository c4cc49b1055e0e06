import { createServer as createHttpServer, type Server as HttpServer } from 'node:http'
import { createServer, type Server, type Socket } from 'node:net'
import t, { type Test } from 'tap'
import { freePort } from '@zoo/testkit'
import { adminCommand } from '../src/ensemble/admin.js'
import { fourLetterWord } from '../src/ensemble/four-letter.js'
import { decideMember } from '../src/ensemble/member.js'
import { probeMember } from '../src/ensemble/probe.js'
import { fixture } from './support/fixtures.js'

/** A fake member's client port: answers each word with `answer(word)`, or never, when it returns undefined. */
async function fakeMember(t: Test, answer: (word: string) => string | undefined): Promise<number> {
  const sockets = new Set<Socket>()
  const server: Server = createServer((socket) => {
    sockets.add(socket)
    socket.once('close', () => sockets.delete(socket))
    socket.once('data', (chunk) => {
      const reply = answer(chunk.toString('utf8', 0, 4))
      if (reply !== undefined) socket.end(reply)
    })
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    for (const socket of sockets) socket.destroy()
    server.close()
  })
  return (server.address() as { port: number }).port
}

/** A fake AdminServer: `/commands/<name>` -> [status, body], or no answer at all for undefined. */
async function fakeAdmin(t: Test, answer: (command: string) => [number, string] | undefined): Promise<string> {
  const server: HttpServer = createHttpServer((request, response) => {
    const reply = answer((request.url ?? '').replace('/commands/', ''))
    if (reply === undefined) return
    response.writeHead(reply[0], { 'content-type': 'application/json' })
    response.end(reply[1])
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  t.teardown(() => {
    server.closeAllConnections()
    server.close()
  })
  return `http://127.0.0.1:${(server.address() as { port: number }).port}`
}

const disabled = (word: string) => `${word} is not executed because it is not in the whitelist.\n`
const local = (port: number) => ({ host: '127.0.0.1', port })

t.test('four-letter words: refused, silent (bounded by the deadline), disabled, answered', async (t) => {
  t.match(await fourLetterWord(local(await freePort()), 'srvr', { timeoutMs: 500 }), { kind: 'refused', reason: 'connection refused' })
  const silentPort = await fakeMember(t, () => undefined)
  const started = Date.now()
  t.same(await fourLetterWord(local(silentPort), 'mntr', { timeoutMs: 200 }), { kind: 'silent' })
  t.ok(Date.now() - started < 1_000, 'ends at its deadline')
  const port = await fakeMember(t, (word) => (word === 'srvr' ? fixture('srvr-follower.txt') : disabled(word)))
  t.same(await fourLetterWord(local(port), 'mntr', { timeoutMs: 500 }), { kind: 'disabled' })
  t.match(await fourLetterWord(local(port), 'srvr', { timeoutMs: 500 }), { kind: 'text', text: /Mode: follower/ })
  t.throws(() => fourLetterWord(local(port), 'rm -rf', { timeoutMs: 100 }), RangeError)
})

t.test('a huge answer is cut at maxBytes', async (t) => {
  const port = await fakeMember(t, () => 'x'.repeat(100_000))
  const answer = await fourLetterWord(local(port), 'dump', { timeoutMs: 1_000, maxBytes: 1_000 })
  t.equal(answer.kind, 'text')
  t.ok(answer.kind === 'text' && answer.text.length < 100_000)
})

t.test('AdminServer commands: JSON, an error field, HTTP errors, silence, refusal', async (t) => {
  const base = await fakeAdmin(t, (command) => {
    if (command === 'monitor') return [200, fixture('admin-monitor-leader.json')]
    if (command === 'leader') return [200, '{"error": "server is not initialized", "command": "leader"}']
    if (command === 'slow') return undefined
    return [404, 'no such command']
  })
  t.match(await adminCommand(base, 'monitor', { timeoutMs: 1_000 }), { kind: 'json', body: { server_state: 'leader' } })
  t.same(await adminCommand(base, 'leader', { timeoutMs: 1_000 }), { kind: 'error', message: 'server is not initialized' })
  t.same(await adminCommand(base, 'nothing', { timeoutMs: 1_000 }), { kind: 'error', message: 'HTTP 404' })
  t.same(await adminCommand(base, 'slow', { timeoutMs: 200 }), { kind: 'silent' })
  t.match(await adminCommand(`http://127.0.0.1:${await freePort()}`, 'monitor', { timeoutMs: 500 }), { kind: 'refused' })
})

t.test('probeMember: words off, the AdminServer answers: its role and figures', async (t) => {
  const port = await fakeMember(t, disabled)
  const adminUrl = await fakeAdmin(t, (command) => [200, fixture(`admin-${command}-follower.json`)])
  const observations = await probeMember({ client: local(port), adminUrl }, { timeoutMs: 500, askIdentity: true })
  const status = decideMember(observations)
  t.equal(status.role, 'follower')
  t.same(status.sources, ['admin'])
  t.ok(status.serverId !== undefined, 'the id from /commands/configuration')
})

t.test('probeMember: mntr answers, so the AdminServer is not asked', async (t) => {
  const port = await fakeMember(t, (word) => (word === 'mntr' ? fixture('mntr-leader.txt') : word === 'srvr' ? fixture('srvr-leader.txt') : disabled(word)))
  let asked = 0
  const adminUrl = await fakeAdmin(t, () => (asked++, [200, '{}']))
  const status = decideMember(await probeMember({ client: local(port), adminUrl }, { timeoutMs: 500, askIdentity: false }))
  t.equal(status.role, 'leader')
  t.equal(asked, 0)
})

t.test('a member that accepts and never answers, with a silent AdminServer: up, role unknown, within two deadlines', async (t) => {
  const port = await fakeMember(t, () => undefined)
  const adminUrl = await fakeAdmin(t, () => undefined)
  const started = Date.now()
  const status = decideMember(await probeMember({ client: local(port), adminUrl }, { timeoutMs: 250, askIdentity: true }))
  t.ok(Date.now() - started < 1_500, `bounded (${Date.now() - started} ms)`)
  t.equal(status.role, 'unknown')
  t.match(status.detail, /accepts connections but answers nothing/)
})

t.test('nothing listening anywhere: down', async (t) => {
  const status = decideMember(await probeMember({ client: local(await freePort()), adminUrl: `http://127.0.0.1:${await freePort()}` }, { timeoutMs: 500, askIdentity: false }))
  t.equal(status.role, 'down')
})
