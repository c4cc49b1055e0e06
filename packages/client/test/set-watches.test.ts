import t from 'tap'
import fc from 'fast-check'
import { JuteWriter, OpCode, Xid, writeRequest } from '@zoo/protocol'
import { SET_WATCHES_MAX_FRAME_BYTES } from '../src/options.js'
import { splitSetWatches } from '../src/set-watches.js'
import type { WatchSnapshot } from '../src/watches.js'

const empty: WatchSnapshot = { data: [], exist: [], child: [], persistent: [], recursive: [] }

function frameBytes(record: ReturnType<typeof splitSetWatches>[number]): number {
  const w = new JuteWriter()
  writeRequest(w, Xid.SET_WATCHES, { type: OpCode.setWatches2, ...record })
  return w.length
}

t.test('nothing watched, nothing sent', async (t) => {
  t.same(splitSetWatches(empty, 5n, SET_WATCHES_MAX_FRAME_BYTES), [])
})

t.test('small sets fit one frame with the relative zxid', async (t) => {
  const frames = splitSetWatches({ ...empty, data: ['/a'], recursive: ['/r'] }, 0x1234n, SET_WATCHES_MAX_FRAME_BYTES)
  t.same(frames, [{ relativeZxid: 0x1234n, dataWatches: ['/a'], existWatches: [], childWatches: [], persistentWatches: [], persistentRecursiveWatches: ['/r'] }])
})

t.test('a large set is split in frames of at most 128 KiB, every path kept once, in order', async (t) => {
  const paths = Array.from({ length: 12_000 }, (_, i) => `/some/rather/long/prefix/for/a/watched/node-${i}`)
  const watches: WatchSnapshot = { data: paths.slice(0, 5_000), exist: paths.slice(5_000, 6_000), child: paths.slice(6_000, 9_000), persistent: paths.slice(9_000, 11_000), recursive: paths.slice(11_000) }
  const frames = splitSetWatches(watches, 9n, SET_WATCHES_MAX_FRAME_BYTES)
  t.ok(frames.length >= 5, `${frames.length} frames`)
  for (const frame of frames) t.ok(frameBytes(frame) <= SET_WATCHES_MAX_FRAME_BYTES, `frame of ${frameBytes(frame)} bytes`)
  t.same(frames.flatMap((f) => f.dataWatches), watches.data)
  t.same(frames.flatMap((f) => f.existWatches), watches.exist)
  t.same(frames.flatMap((f) => f.childWatches), watches.child)
  t.same(frames.flatMap((f) => f.persistentWatches), watches.persistent)
  t.same(frames.flatMap((f) => f.persistentRecursiveWatches), watches.recursive)
})

t.test('property: any paths, any bound: frames within the bound (or one path alone), nothing lost', async (t) => {
  const path = fc.string({ minLength: 1, maxLength: 300, unit: 'grapheme' }).map((s) => `/${s.replaceAll('/', '_')}`)
  const list = fc.array(path, { maxLength: 60 })
  fc.assert(
    fc.property(list, list, list, list, list, fc.integer({ min: 41, max: 4_000 }), (data, exist, child, persistent, recursive, bound) => {
      const frames = splitSetWatches({ data, exist, child, persistent, recursive }, 1n, bound)
      for (const frame of frames) {
        const count = frame.dataWatches.length + frame.existWatches.length + frame.childWatches.length + frame.persistentWatches.length + frame.persistentRecursiveWatches.length
        if (count === 0) return false
        if (frameBytes(frame) > bound && count !== 1) return false
      }
      const joined = (key: 'dataWatches' | 'existWatches' | 'childWatches' | 'persistentWatches' | 'persistentRecursiveWatches') => frames.flatMap((f) => f[key])
      return (
        JSON.stringify([joined('dataWatches'), joined('existWatches'), joined('childWatches'), joined('persistentWatches'), joined('persistentRecursiveWatches')]) ===
        JSON.stringify([data, exist, child, persistent, recursive])
      )
    }),
    { numRuns: 300 },
  )
  t.pass('300 random cases')
})
