// The ZooKeeper source against an in-memory client: a server without addWatch, errors that are
// reported and retried, a client that closes or stays expired, and what close() leaves behind.
import t from 'tap'
import * as z from 'zod'
import { ErrorCode } from '@zoo/client'
import { watchConfig } from '../src/index.js'
import { FakeZk } from './support/fake-zk.js'

const Schema = z.object({ n: z.number() })

async function until(what: string, probe: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs
  while (!probe()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 2))
  }
}

t.test('a server without addWatch: auto mode falls back to re-armed one-shot watches', async (t) => {
  const zk = new FakeZk()
  zk.supportsAddWatch = false
  zk.write('/c', '{"n":0}')
  const w = await watchConfig(zk.asClient(), '/c', Schema)
  await until('one-shot watch armed', () => zk.oneShotWatchCount === 1)
  for (let n = 1; n <= 5; n++) {
    zk.write('/c', `{"n":${n}}`)
    await until(`n ${n}`, () => w.current.n === n)
  }
  t.equal(zk.oneShotWatchCount, 1, 'exactly one watch re-armed after each change')
  await w.close()
  t.equal(zk.oneShotWatchCount, 0, 'close drops the local watch')
})

t.test('persistent mode forced on such a server is a fatal error, reported', async (t) => {
  const zk = new FakeZk()
  zk.supportsAddWatch = false
  zk.write('/c', '{"n":0}')
  const w = await watchConfig(zk.asClient(), '/c', Schema, { watchMode: 'persistent' }).catch((e: unknown) => e)
  // Either the first read won (then the watcher closes on the error) or the error came first.
  if (w instanceof Error) t.match(w, { code: ErrorCode.UNIMPLEMENTED })
  else {
    await until('closed', () => (w as { closed: boolean }).closed)
    t.ok((w as { closed: boolean }).closed, 'the watcher closed on the error')
  }
})

t.test('a non-transient read error is reported once per streak and retried until it clears', async (t) => {
  const zk = new FakeZk()
  zk.write('/c', '{"n":0}')
  const w = await watchConfig(zk.asClient(), '/c', Schema, { watchMode: 'oneShot' })
  t.teardown(() => w.close())
  const errors: unknown[] = []
  w.on('error', (e) => errors.push(e))
  zk.failures.push(ErrorCode.NOAUTH, ErrorCode.NOAUTH, ErrorCode.NOAUTH)
  zk.write('/c', '{"n":1}')
  await until('n 1 after the errors cleared', () => w.current.n === 1)
  t.match(errors, [{ code: ErrorCode.NOAUTH }], 'one report for three failures in a row')
  zk.failures.push(ErrorCode.CONNECTIONLOSS)
  zk.write('/c', '{"n":2}')
  await until('n 2', () => w.current.n === 2)
  t.equal(errors.length, 1, 'connection loss is not reported: the client recovers from it')
})

t.test('a renewed session: one-shot watches re-armed on it, the value re-read', async (t) => {
  const zk = new FakeZk()
  zk.write('/c', '{"n":0}')
  const w = await watchConfig(zk.asClient(), '/c', Schema, { watchMode: 'oneShot' })
  t.teardown(() => w.close())
  zk.expire(true)
  await until('re-armed', () => zk.oneShotWatchCount === 1)
  zk.write('/c', '{"n":1}')
  await until('n 1', () => w.current.n === 1)
})

t.test('a client that stays expired, or closes: the watcher stops with an error', async (t) => {
  for (const end of ['expired', 'closed'] as const) {
    const zk = new FakeZk()
    zk.write('/c', '{"n":0}')
    const w = await watchConfig(zk.asClient(), '/c', Schema, { watchMode: 'oneShot' })
    const errors: unknown[] = []
    w.on('error', (e) => errors.push(e))
    if (end === 'expired') zk.expire(false)
    else {
      zk.state = 'closed'
      zk.write('/c', '{"n":1}')
    }
    await until(`the watcher to close (${end})`, () => w.closed)
    t.match(errors.at(-1), { code: ErrorCode.SESSIONEXPIRED }, end)
    const requests = zk.requests
    await new Promise((r) => setTimeout(r, 50))
    t.equal(zk.requests, requests, `no more reads after the fatal error (${end})`)
  }
})
