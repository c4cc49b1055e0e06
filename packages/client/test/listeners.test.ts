/**
 * Listener hygiene: one AbortSignal shared by many concurrent calls, and many recipes listening
 * to one client's 'state', are normal use and must neither leak listeners nor print
 * MaxListenersExceededWarning.
 */
import { getEventListeners } from 'node:events'
import t from 'tap'
import type { Test } from 'tap'
import { OpCode } from '@zoo/protocol'
import { createClient } from '../src/client.js'
import { onAbort } from '../src/abort.js'
import { FakeServer, until } from './support/fake-server.js'

/** Warnings the process emits while `t` runs (emitted on a later tick: await a turn before reading). */
function captureWarnings(t: Test): Error[] {
  const warnings: Error[] = []
  const onWarning = (warning: Error) => warnings.push(warning)
  process.on('warning', onWarning)
  t.teardown(() => void process.off('warning', onWarning))
  return warnings
}

const turn = () => new Promise((resolve) => setImmediate(resolve))
const abortListeners = (signal: AbortSignal) => getEventListeners(signal, 'abort').length

t.test('onAbort: one listener per signal, gone with the last registration', async (t) => {
  const controller = new AbortController()
  const runs: number[] = []
  const offs = Array.from({ length: 30 }, (_, i) => onAbort(controller.signal, () => runs.push(i)))
  t.equal(abortListeners(controller.signal), 1)
  for (const off of offs.slice(0, 29)) off()
  offs[0]!() // twice is harmless
  t.equal(abortListeners(controller.signal), 1, 'one registration left')
  offs[29]!()
  t.equal(abortListeners(controller.signal), 0, 'the signal keeps no listener once nothing waits on it')
  const again = [onAbort(controller.signal, () => runs.push(100)), onAbort(controller.signal, () => runs.push(101))]
  controller.abort()
  t.same(runs, [100, 101], 'only live registrations run, once each')
  t.equal(abortListeners(controller.signal), 0)
  for (const off of again) off()
})

t.test('one signal on many concurrent calls: one listener, removed when they settle, no warning', async (t) => {
  const warnings = captureWarnings(t)
  let hold = true
  const server = await FakeServer.start({ onRequest: (f) => (hold && f.request.type === OpCode.sync ? 'hold' : undefined) })
  t.teardown(() => server.close())
  const zk = await createClient(server.address, { sessionTimeoutMs: 10_000 })
  t.teardown(() => zk.close())
  const controller = new AbortController()
  const calls = Array.from({ length: 50 }, (_, i) => zk.sync(`/s${i}`, { signal: controller.signal }))
  await until(() => server.last.frames.filter((f) => f.request.type === OpCode.sync).length === 50, 2_000, 'all 50 syncs reached the server')
  t.equal(abortListeners(controller.signal), 1, 'one abort listener for 50 pending calls')
  hold = false
  server.last.release()
  await Promise.all(calls)
  t.equal(abortListeners(controller.signal), 0, 'settled calls leave no listener on the signal')

  hold = true
  const aborted = Array.from({ length: 20 }, (_, i) => zk.sync(`/a${i}`, { signal: controller.signal }).catch((e: unknown) => e))
  controller.abort(new Error('caller gave up'))
  for (const result of await Promise.all(aborted)) t.match(result, { message: 'caller gave up' })
  t.equal(abortListeners(controller.signal), 0)
  hold = false
  server.last.release()
  await zk.sync('/after')
  await turn()
  t.same(warnings.map((w) => w.name), [], 'no MaxListenersExceededWarning')
})

t.test('a watch stream lets go of its signal when it ends', async (t) => {
  const server = await FakeServer.start()
  t.teardown(() => server.close())
  const zk = await createClient(server.address, { sessionTimeoutMs: 10_000 })
  t.teardown(() => zk.close())
  const controller = new AbortController()
  const streams = Array.from({ length: 15 }, (_, i) => zk.watch(`/w${i}`, { signal: controller.signal }))
  t.equal(abortListeners(controller.signal), 1)
  for (const stream of streams) await stream.return!()
  t.equal(abortListeners(controller.signal), 0, 'ended streams leave no listener')
  const live = zk.watch('/live', { signal: controller.signal })
  controller.abort()
  t.same(await live.next(), { value: undefined, done: true }, 'abort ends a live stream')
})

t.test("many recipes on one client's 'state': no MaxListenersExceededWarning", async (t) => {
  const warnings = captureWarnings(t)
  const server = await FakeServer.start()
  t.teardown(() => server.close())
  const zk = await createClient(server.address, { sessionTimeoutMs: 10_000 })
  t.teardown(() => zk.close())
  const seen: string[] = []
  const listeners = Array.from({ length: 50 }, () => (state: string) => seen.push(state))
  for (const listener of listeners) zk.on('state', listener)
  await turn()
  t.same(warnings.map((w) => w.name), [], 'no MaxListenersExceededWarning')
  for (const listener of listeners) zk.off('state', listener)
})
