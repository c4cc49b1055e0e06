// Benchmark (not a test): how long a snapshot of 1,000,000 znodes holds the event loop.
//   npm run bench -w @zoo/znode
// Before: writeSnapshot/snapshotBytes, one synchronous call. After: snapshotStream, one chunk per
// event-loop turn (as @zoo/consensus's Member writes it) while a timer keeps applying setData
// txns to the same tree, as a member does under load. The event loop's largest delay is read
// with monitorEventLoopDelay; the streamed bytes are checked against the synchronous snapshot.
import { PerformanceObserver, monitorEventLoopDelay } from 'node:perf_hooks'
import { setImmediate as turn, setTimeout as sleep } from 'node:timers/promises'
import { crc32 } from 'node:zlib'
import { OpCode } from '@zoo/protocol'
import { DataTree, OPEN_ACL_UNSAFE, snapshotBytes, snapshotStream } from '../src/index.js'
import type { Txn } from '../src/index.js'

const NODES = Number(process.env.ZNODE_SNAPSHOT_BENCH_NODES ?? 1_000_000)
const PARENTS = 1000
/** snapshotStream's chunk size (its default is 1 MiB). */
const CHUNK_KIB = Number(process.env.ZNODE_SNAPSHOT_BENCH_CHUNK_KIB ?? 1024)
const SESSION = 0x100n
const acl = [...OPEN_ACL_UNSAFE]

function build(): { tree: DataTree; next: () => bigint } {
  const tree = new DataTree()
  let zxid = 0n
  const next = () => ++zxid
  tree.apply({ clientId: SESSION, cxid: 0, zxid: next(), time: 0n, body: { type: OpCode.createSession, timeOut: 30_000, passwd: Buffer.alloc(16) } })
  const payload = Buffer.alloc(100)
  const create = (path: string): Txn => {
    const zxid = next()
    return { clientId: SESSION, cxid: 1, zxid, time: zxid, body: { type: OpCode.create, path, data: payload, acl, ephemeral: false, parentCVersion: -1 } }
  }
  for (let p = 0; p < PARENTS; p++) tree.apply(create(`/p${p}`))
  for (let i = 0; i < NODES; i++) {
    payload.writeUInt32BE(i, 0)
    tree.apply(create(`/p${i % PARENTS}/node-${String(i).padStart(10, '0')}`))
  }
  return { tree, next }
}

/** CPU milliseconds of this process (all its threads): robust against a loaded machine. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1000
}

/** The longest garbage-collection pause seen since `gcPauses.max` was reset. */
const gcPauses = { max: 0 }
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) gcPauses.max = Math.max(gcPauses.max, entry.duration)
}).observe({ entryTypes: ['gc'] })

function ms(ns: number): string {
  return `${(ns / 1e6).toFixed(1)} ms`
}

async function main(): Promise<void> {
  console.log(`node ${process.version}, ${process.arch}; ${NODES.toLocaleString('en-US')} znodes of 100 B under ${PARENTS} parents`)
  const { tree, next } = build()
  const delay = monitorEventLoopDelay({ resolution: 5 })

  await sleep(50)
  delay.enable()
  await sleep(50)
  let started = performance.now()
  let cpuStarted = cpuMs()
  const expected = snapshotBytes(tree)
  const syncMs = performance.now() - started
  const syncCpuMs = cpuMs() - cpuStarted
  // The monitor's timer notices the blocked loop once it runs again.
  await sleep(50)
  delay.disable()
  console.log(
    `before (snapshotBytes, synchronous): ${(expected.length / 1e6).toFixed(0)} MB in ${syncMs.toFixed(0)} ms (${syncCpuMs.toFixed(0)} CPU-ms); ` +
      `event loop max delay ${ms(delay.max)}`,
  )

  delay.reset()
  gcPauses.max = 0
  await sleep(50)
  delay.enable()
  // Under load: 50 setData txns every 5 ms (10,000/s) on random nodes while the snapshot is written.
  let applied = 0
  const payload = Buffer.alloc(100, 1)
  const load = setInterval(() => {
    for (let k = 0; k < 50; k++) {
      const i = Math.floor(Math.random() * NODES)
      const zxid = next()
      tree.apply({ clientId: SESSION, cxid: 1, zxid, time: zxid, body: { type: OpCode.setData, path: `/p${i % PARENTS}/node-${String(i).padStart(10, '0')}`, data: payload, version: 1 } })
      applied++
    }
  }, 5)
  started = performance.now()
  cpuStarted = cpuMs()
  const stream = snapshotStream(tree, { chunkBytes: CHUNK_KIB * 1024 })
  const beginMs = performance.now() - started
  // Chunks are checked as they pass (CRC and length) and dropped, as a member writing them does.
  let chunks = 0
  let crc = 0
  let length = 0
  let slowestStepMs = 0
  let slowestStepCpuMs = 0
  let kept = 0
  for (;;) {
    const stepStarted = performance.now()
    const stepCpu = cpuMs()
    const step = stream.next()
    slowestStepMs = Math.max(slowestStepMs, performance.now() - stepStarted)
    slowestStepCpuMs = Math.max(slowestStepCpuMs, cpuMs() - stepCpu)
    if (step.done === true) break
    chunks++
    crc = crc32(step.value, crc)
    length += step.value.length
    kept = Math.max(kept, stream.preservedNodes)
    await turn()
  }
  const streamMs = performance.now() - started
  const streamCpuMs = cpuMs() - cpuStarted
  clearInterval(load)
  delay.disable()
  const same = length === expected.length && crc === crc32(expected)
  console.log(
    `after (snapshotStream, a ${CHUNK_KIB} KiB chunk per turn, ${applied.toLocaleString('en-US')} setData txns applied meanwhile): ${chunks} chunks in ${streamMs.toFixed(0)} ms (${streamCpuMs.toFixed(0)} CPU-ms, load included); ` +
      `start ${beginMs.toFixed(1)} ms; slowest step ${slowestStepMs.toFixed(1)} ms (${slowestStepCpuMs.toFixed(1)} CPU-ms); ` +
      `event loop max delay ${ms(delay.max)}, p99 ${ms(delay.percentile(99))}; longest GC pause ${gcPauses.max.toFixed(1)} ms; ` +
      `${kept.toLocaleString('en-US')} nodes kept copy-on-write; bytes ${same ? 'identical to' : 'DIFFERENT FROM'} the synchronous snapshot`,
  )
  if (!same) process.exitCode = 1
}

await main()
