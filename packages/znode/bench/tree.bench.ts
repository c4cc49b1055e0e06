// Benchmark (not a test): txn apply rates and heap per znode.
//   npm run bench -w @zoo/znode          (runs node with --expose-gc)
// Apply rates are for txns already decoded; the heap figure builds 1,000,000 znodes with 100
// bytes of data each (under 1,000 parents) and measures the heap and array buffers they hold.
import { OpCode } from '@zoo/protocol'
import { DataTree, OPEN_ACL_UNSAFE, PrepareView, decodeTxn, encodeTxn, readSnapshot, snapshotBytes } from '../src/index.js'
import type { Txn } from '../src/index.js'

const SESSION = 0x100n
const acl = [...OPEN_ACL_UNSAFE]
const gc = (globalThis as { gc?: () => void }).gc
if (gc === undefined) throw new Error('run with node --expose-gc (npm run bench does)')

function freshTree(): { tree: DataTree; next: () => bigint } {
  const tree = new DataTree()
  let zxid = 0n
  const next = () => ++zxid
  tree.apply({ clientId: SESSION, cxid: 0, zxid: next(), time: 0n, body: { type: OpCode.createSession, timeOut: 30_000, passwd: Buffer.alloc(16) } })
  return { tree, next }
}

function createTxn(zxid: bigint, path: string, data: Buffer): Txn {
  return { clientId: SESSION, cxid: 1, zxid, time: zxid, body: { type: OpCode.create, path, data, acl, ephemeral: false, parentCVersion: -1 } }
}

/** CPU seconds of this process: on a shared machine, what one core spends (GC threads included). */
function cpuSeconds(): number {
  const { user, system } = process.cpuUsage()
  return (user + system) / 1e6
}

function rate(label: string, count: number, run: () => void): void {
  const started = process.hrtime.bigint()
  const cpuStarted = cpuSeconds()
  run()
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  const cpu = cpuSeconds() - cpuStarted
  const fmt = (n: number) => Math.round(n).toLocaleString('en-US').padStart(11)
  console.log(`${label.padEnd(40)} ${fmt(count / cpu)} txns per CPU-second  ${fmt(count / seconds)} txns/s wall  (${count.toLocaleString('en-US')} txns)`)
}

function applyRates(): void {
  const count = 200_000
  const payload = Buffer.alloc(100, 7)
  const { tree, next } = freshTree()
  for (let p = 0; p < 100; p++) tree.apply(createTxn(next(), `/p${p}`, payload))
  const creates = Array.from({ length: count }, (_, i) => createTxn(next(), `/p${i % 100}/n${i}`, payload))
  rate('apply create (100 B data)', count, () => {
    for (const txn of creates) tree.apply(txn)
  })
  const sets = Array.from({ length: count }, (_, i): Txn => {
    const zxid = next()
    return { clientId: SESSION, cxid: 1, zxid, time: zxid, body: { type: OpCode.setData, path: `/p${i % 100}/n${i}`, data: payload, version: 1 } }
  })
  rate('apply setData (100 B data)', count, () => {
    for (const txn of sets) tree.apply(txn)
  })
  const encoded = Array.from({ length: count }, (_, i) => encodeTxn(createTxn(next(), `/p${i % 100}/m${i}`, payload)))
  rate('decode + apply create', count, () => {
    for (const bytes of encoded) tree.apply(decodeTxn(bytes))
  })
  const view = new PrepareView(tree)
  let cxid = 0
  rate('prepare + apply setData (leader path)', count, () => {
    for (let i = 0; i < count; i++) {
      const zxid = next()
      const request = { type: OpCode.setData, path: `/p${i % 100}/n${i}`, data: payload, version: -1 } as const
      tree.apply(view.prepare(request, { sessionId: SESSION, cxid: cxid++, zxid, time: zxid, authInfo: [] }))
    }
  })
}

function heapPerZnode(): void {
  const count = 1_000_000
  gc?.()
  const before = process.memoryUsage()
  const { tree, next } = freshTree()
  const payload = Buffer.alloc(100)
  for (let p = 0; p < 1000; p++) tree.apply(createTxn(next(), `/p${p}`, payload))
  for (let i = 0; i < count; i++) {
    payload.writeUInt32BE(i, 0)
    tree.apply(createTxn(next(), `/p${i % 1000}/node-${String(i).padStart(10, '0')}`, payload))
  }
  gc?.()
  const after = process.memoryUsage()
  const heap = after.heapUsed - before.heapUsed
  const buffers = after.arrayBuffers - before.arrayBuffers
  const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`
  console.log(`${tree.nodeCount.toLocaleString('en-US')} znodes, 100 B data each, paths like /p123/node-0000123456`)
  console.log(`  heap:          ${mb(heap)}  (${Math.round(heap / count)} B per znode)`)
  console.log(`  array buffers: ${mb(buffers)}  (${Math.round(buffers / count)} B per znode: Stat columns, with growth room)`)
  console.log(`  total:         ${mb(heap + buffers)}  (${Math.round((heap + buffers) / count)} B per znode); rss ${mb(after.rss)}`)
  let cpu = cpuSeconds()
  const bytes = snapshotBytes(tree)
  const writeSeconds = cpuSeconds() - cpu
  cpu = cpuSeconds()
  const loaded = readSnapshot(bytes)
  const readSeconds = cpuSeconds() - cpu
  console.log(`  snapshot:      ${mb(bytes.length)}, written in ${writeSeconds.toFixed(2)} CPU-s, loaded in ${readSeconds.toFixed(2)} CPU-s (${loaded.nodeCount.toLocaleString('en-US')} znodes)`)
}

console.log(`node ${process.version}, ${process.arch}`)
applyRates()
gc()
heapPerZnode()
