// The backend-neutral watcher with a scripted source: readiness, events, conflating iteration,
// listener failures, errors.
import t from 'tap'
import * as z from 'zod'
import { ConfigCell, type Observation } from '../src/cell.js'
import { decoderFor } from '../src/options.js'
import { jsonParser } from '../src/parser.js'
import { startWatcher, type ConfigSink, type ConfigSource } from '../src/watcher.js'
import { ConfigUnavailableError } from '../src/errors.js'
import { ReadLoop } from '../src/read-loop.js'

const Schema = z.object({ n: z.number() })

class ScriptedSource implements ConfigSource {
  sink: ConfigSink | undefined
  closed = false
  start(sink: ConfigSink) {
    this.sink = sink
  }
  async close() {
    this.closed = true
  }
  push(version: number, body: string) {
    const o: Observation = { kind: 'value', raw: Buffer.from(body), key: [1n, BigInt(version)], version: { version, czxid: 1n, mzxid: BigInt(version + 1) } }
    this.sink!.observe(o)
  }
}

function setup(initial?: unknown, initialTimeoutMs?: number, signal?: AbortSignal) {
  const source = new ScriptedSource()
  const cell = new ConfigCell({ path: '/w', schema: Schema, decode: decoderFor(jsonParser, false), initial: initial === undefined ? undefined : { value: initial } })
  const ready = startWatcher('/w', cell, source, { initialTimeoutMs, signal })
  return { source, ready }
}

t.test('ready at the first valid read; events after that; close ends everything', async (t) => {
  const { source, ready } = setup()
  source.push(0, '{"n":"bad"}')
  source.push(1, '{"n":1}')
  const w = await ready
  t.same(w.current, { n: 1 })
  const seen: string[] = []
  w.on('change', (next, prev, v) => seen.push(`change ${prev.n}->${next.n} v${v.version}`))
  w.on('invalid', (e) => seen.push(`invalid ${e.reason}`))
  w.on('missing', () => seen.push('missing'))
  source.push(2, '{"n":2}')
  source.push(3, 'nope')
  source.sink!.observe({ kind: 'absent' })
  t.same(seen, ['change 1->2 v2', 'invalid parse', 'missing'])
  await w.close()
  t.ok(source.closed)
  source.push(9, '{"n":9}')
  t.same(w.current, { n: 2 }, 'nothing applied after close')
})

t.test('without a default: ConfigUnavailableError names the last problem; abort works', async (t) => {
  const a = setup(undefined, 50)
  a.source.push(0, '{"n":"bad"}')
  await t.rejects(a.ready, { name: 'ConfigUnavailableError', message: /rejected by the schema/ })
  t.ok(a.source.closed)
  const controller = new AbortController()
  const b = setup(undefined, 10_000, controller.signal)
  controller.abort(new Error('stop it'))
  await t.rejects(b.ready, /stop it/)
  const c = setup(undefined, 10_000)
  c.source.sink!.error(new Error('NOAUTH'), true)
  await t.rejects(c.ready, /NOAUTH/)
  t.type(new ConfigUnavailableError('/p', 'x'), Error)
})

t.test('a default makes it ready after the first read, whatever it found', async (t) => {
  const { source, ready } = setup({ n: 0 })
  source.sink!.observe({ kind: 'absent' })
  const w = await ready
  t.same(w.current, { n: 0 })
  t.equal(w.version, undefined)
  t.ok(w.missing)
  await w.close()
})

t.test('async iteration yields current, then the newest value (conflating), and ends on close', async (t) => {
  const { source, ready } = setup()
  source.push(0, '{"n":0}')
  const w = await ready
  const seen: number[] = []
  const loop = (async () => {
    for await (const v of w) {
      seen.push(v.n)
      await new Promise((r) => setTimeout(r, 20)) // a slow consumer
    }
  })()
  await new Promise((r) => setTimeout(r, 5))
  for (let i = 1; i <= 5; i++) source.push(i, `{"n":${i}}`)
  await new Promise((r) => setTimeout(r, 60))
  await w.close()
  await loop
  t.same(seen, [0, 5], 'intermediate values skipped, the newest delivered')
})

t.test('a throwing listener does not stop the others; errors go to error listeners', async (t) => {
  const { source, ready } = setup()
  source.push(0, '{"n":0}')
  const w = await ready
  const errors: unknown[] = []
  let second = 0
  w.on('change', () => {
    throw new Error('listener bug')
  })
  w.on('change', () => second++)
  w.on('error', (e) => errors.push(e))
  source.push(1, '{"n":1}')
  source.sink!.error(new Error('NOAUTH'), false)
  t.equal(second, 1)
  t.match(errors, [{ message: 'listener bug' }, { message: 'NOAUTH' }])
  t.notOk(w.closed)
  source.sink!.error(new Error('gone'), true)
  await new Promise((r) => setImmediate(r))
  t.ok(w.closed, 'a fatal error closes the watcher')
})

t.test('without error listeners, errors become process warnings, not crashes', async (t) => {
  const { source, ready } = setup()
  source.push(0, '{"n":0}')
  const w = await ready
  const warnings: Error[] = []
  const onWarning = (w: Error) => warnings.push(w)
  process.on('warning', onWarning)
  t.teardown(() => process.off('warning', onWarning))
  source.sink!.error(new Error('NOAUTH'), false)
  await new Promise((r) => setImmediate(r))
  t.match(warnings, [{ message: 'NOAUTH' }])
  await w.close()
})

t.test('ReadLoop: a burst of requests costs at most two passes; failures retry', async (t) => {
  let passes = 0
  let release: () => void = () => {}
  const loop = new ReadLoop(async () => {
    passes++
    await new Promise<void>((r) => (release = r))
  }, () => true)
  for (let i = 0; i < 100; i++) loop.request()
  t.equal(passes, 1)
  release()
  await new Promise((r) => setImmediate(r))
  t.equal(passes, 2, 'one more pass for everything requested during the first')
  release()
  await new Promise((r) => setImmediate(r))
  t.equal(passes, 2)

  let failures = 0
  const attempts: number[] = []
  const flaky = new ReadLoop(async () => {
    if (failures++ < 2) throw new Error('flaky')
  }, (_e, attempt) => (attempts.push(attempt), true))
  flaky.request()
  await new Promise((r) => setTimeout(r, 200))
  t.same(attempts, [0, 1])
  t.equal(failures, 3)
  let fatalPasses = 0
  const stopping = new ReadLoop(async () => {
    fatalPasses++
    throw new Error('fatal')
  }, () => false)
  stopping.request()
  await new Promise((r) => setTimeout(r, 50))
  stopping.request()
  await new Promise((r) => setTimeout(r, 50))
  t.equal(fatalPasses, 1, 'a loop told to stop does not run again')
})
