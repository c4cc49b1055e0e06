/**
 * Round-trip trace of one uncontended acquire+release, ours against kazoo's Lock, on one Apache
 * ZooKeeper 3.8 server: both talk through a frame-logging proxy on 127.0.0.1 that stamps every
 * request and reply. Prints, per cycle, the requests in order with the server's time to answer
 * each (proxy: request in -> reply out) and the client's time before its next request (reply
 * out -> next request in). Env: TRACE_CYCLES (default 200; the proxy keeps 10,000 frames,
 * about 1,000 cycles),
 * TRACE_ROUNDS (default 3; alternating ours and kazoo's, since the server's JIT warms up).
 * The proxy (recipe-core's CutProxy) runs in this process: it shares our client's event loop
 * and CPU, not kazoo's, so it handicaps ours a little.
 */
import { spawn } from 'node:child_process'
import { createClient } from '@zoo/client'
import { CutProxy, type ProxiedFrame } from '@zoo/recipe-core/testing'
import { startApacheZooKeeper } from '@zoo/testkit'
import { Mutex } from '../src/index.js'

const CYCLES = Number(process.env.TRACE_CYCLES ?? 200)
const ROUNDS = Number(process.env.TRACE_ROUNDS ?? 3)
const OPS: Record<number, string> = { 1: 'create', 2: 'delete', 3: 'exists', 4: 'getData', 5: 'setData', 8: 'getChildren', 12: 'getChildren2', 14: 'multi', 15: 'create2', 18: 'removeWatches', 19: 'createContainer' }

interface Entry {
  op: string
  sentNs: bigint
  repliedNs?: bigint
}

/** Requests of a recording (one connection) with the time their reply passed the proxy. */
function entries(frames: readonly ProxiedFrame[]): Entry[] {
  const pending = new Map<number, Entry>()
  const out: Entry[] = []
  for (const frame of frames) {
    if (frame.xid <= 0) continue // pings, notifications, auth, SetWatches2
    if (frame.dir === 'request') {
      const entry: Entry = { op: OPS[frame.opcode] ?? String(frame.opcode), sentNs: frame.atNs }
      pending.set(frame.xid, entry)
      out.push(entry)
    } else {
      const entry = pending.get(frame.xid)
      if (entry) entry.repliedNs = frame.atNs
      pending.delete(frame.xid)
    }
  }
  return out
}

const ms = (ns: bigint) => Number(ns) / 1e6
const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? NaN

/** Splits the log into cycles (each starts with a create) and summarizes the median cycle shape. */
function summarize(name: string, frames: readonly ProxiedFrame[], cycleMs: number[]) {
  const log = entries(frames)
  const cycles: Entry[][] = []
  for (const entry of log) {
    if (entry.op.startsWith('create') || cycles.length === 0) cycles.push([])
    cycles.at(-1)!.push(entry)
  }
  const body = cycles.slice(2, -1) // skip warm-up (parent creation) and a cut-off tail
  const shapes = new Map<string, number>()
  for (const cycle of body) {
    const shape = cycle.map((e) => e.op).join(' ')
    shapes.set(shape, (shapes.get(shape) ?? 0) + 1)
  }
  console.log(`\n## ${name}: ${body.length} cycles, median cycle ${median(cycleMs).toFixed(2)} ms (client view)`)
  for (const [shape, count] of shapes) console.log(`  ${count} x  ${shape}`)
  const common = [...shapes.entries()].sort((a, b) => b[1] - a[1])[0]![0]
  const sample = body.filter((c) => c.map((e) => e.op).join(' ') === common)
  const width = sample[0]!.length
  console.log('  per request (median over cycles): server ms = request in -> reply out at the proxy; gap ms = previous reply out -> this request in')
  for (let i = 0; i < width; i++) {
    const server = median(sample.map((c) => ms((c[i]!.repliedNs ?? c[i]!.sentNs) - c[i]!.sentNs)))
    const gap = i === 0 ? NaN : median(sample.map((c) => ms(c[i]!.sentNs - (c[i - 1]!.repliedNs ?? c[i - 1]!.sentNs))))
    console.log(`    ${sample[0]![i]!.op.padEnd(14)} server ${server.toFixed(3).padStart(8)}  gap ${Number.isNaN(gap) ? '       -' : gap.toFixed(3).padStart(8)}`)
  }
  const between = median(sample.slice(1).map((c, i) => ms(c[0]!.sentNs - (sample[i]!.at(-1)!.repliedNs ?? sample[i]!.at(-1)!.sentNs))))
  console.log(`    (last reply of a cycle -> next create: ${between.toFixed(3)} ms, includes the loop's own overhead)`)
}

async function ours(port: number, round: number): Promise<number[]> {
  const zk = await createClient(`127.0.0.1:${port}`, { sessionTimeoutMs: 10_000 })
  await zk.mkdirp('/trace')
  const mutex = new Mutex(zk, `/trace/zoo-${round}`, { id: 'u' })
  const cycleMs: number[] = []
  for (let i = 0; i < CYCLES; i++) {
    const start = performance.now()
    const lease = await mutex.acquire()
    await lease.release()
    cycleMs.push(performance.now() - start)
  }
  await zk.close()
  return cycleMs
}

const KAZOO = `
import json, sys, time
from kazoo.client import KazooClient
zk = KazooClient(hosts=sys.argv[1], timeout=10.0); zk.start(timeout=15)
lock = zk.Lock(sys.argv[3], identifier='u')
out = []
for _ in range(int(sys.argv[2])):
    t = time.monotonic(); lock.acquire(); lock.release(); out.append((time.monotonic() - t) * 1000)
print(json.dumps(out)); zk.stop(); zk.close()
`

function kazoo(port: number, round: number): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn('/usr/bin/python3', ['-c', KAZOO, `127.0.0.1:${port}`, String(CYCLES), `/trace/kazoo-${round}`], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.on('data', (chunk) => (out += chunk))
    child.on('exit', (code) => (code === 0 ? resolve(JSON.parse(out.trim().split('\n').at(-1)!)) : reject(new Error(`kazoo exited ${code}`))))
  })
}

const server = await startApacheZooKeeper({ members: 1 })
try {
  const port = server.members[0]!.clientPort
  // Alternating rounds: the server's JIT warms up during the first ones, whoever runs them.
  for (let round = 1; round <= ROUNDS; round++) {
    for (const [name, side] of [['@zoo/lock Mutex', ours], ['kazoo Lock', kazoo]] as const) {
      const proxy = await CutProxy.start({ port })
      const frames = proxy.startRecording()
      const cycleMs = await side(proxy.port, round)
      summarize(`round ${round}: ${name}`, frames, cycleMs)
      await proxy.close()
    }
  }
} finally {
  await server.stop()
}
