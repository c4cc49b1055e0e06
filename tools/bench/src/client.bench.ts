/**
 * @zoo/client against node-zookeeper-client 1.1.3 on the same Apache ZooKeeper (standalone, the
 * testkit's defaults: tickTime 2000, fsync on): pipelined getData and setData of a 100-byte node
 * from one process, with 1, 8 and 64 callers each awaiting its previous call. Rounds alternate
 * between the clients so neither gets a warmer server or a quieter machine; each row reports
 * the median round, with the client's own CPU per operation. `npm run bench:client -w @zoo/bench`
 */
import { startApacheZooKeeper } from '@zoo/testkit'
import { createClient, type ZooKeeperClient } from '@zoo/client'
import zookeeper from 'node-zookeeper-client'

const WARMUP_MS = Number(process.env.BENCH_WARMUP_MS ?? 500)
const MEASURE_MS = Number(process.env.BENCH_MEASURE_MS ?? 2_000)
/** rounds per row, alternating the clients; the median round is reported (the machine is shared) */
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 3)
const CALLERS = [1, 8, 64]
const PATH = '/bench'
const PAYLOAD = Buffer.alloc(100, 0x61)

interface Ops {
  getData(): Promise<unknown>
  setData(): Promise<unknown>
  close(): Promise<void>
}

async function zooOps(connectString: string): Promise<Ops> {
  const zk: ZooKeeperClient = await createClient(connectString, { sessionTimeoutMs: 30_000 })
  return { getData: () => zk.getData(PATH), setData: () => zk.setData(PATH, PAYLOAD), close: () => zk.close() }
}

async function nodeZookeeperClientOps(connectString: string): Promise<Ops> {
  const client = zookeeper.createClient(connectString, { sessionTimeout: 30_000 })
  await new Promise<void>((resolve) => {
    client.once('connected', resolve)
    client.connect()
  })
  const call = <T>(start: (callback: (error: Error | null, result: T) => void) => void) =>
    new Promise<T>((resolve, reject) => start((error, result) => (error ? reject(error) : resolve(result))))
  return {
    getData: () => call((cb) => client.getData(PATH, (error, data) => cb(error, data))),
    setData: () => call((cb) => client.setData(PATH, PAYLOAD, -1, cb)),
    close: async () => client.close(),
  }
}

/** `callers` loops, each awaiting its own call; counts completions in the measured window. */
interface Result {
  opsPerSec: number
  p50Ms: number
  p99Ms: number
  cpuUsPerOp: number
}

async function run(op: () => Promise<unknown>, callers: number): Promise<Result> {
  let measuring = false
  let stop = false
  const latencies: number[] = []
  const loops = Array.from({ length: callers }, async () => {
    while (!stop) {
      const start = performance.now()
      await op()
      if (measuring) latencies.push(performance.now() - start)
    }
  })
  await new Promise((resolve) => setTimeout(resolve, WARMUP_MS))
  measuring = true
  const began = performance.now()
  const cpuBefore = process.cpuUsage()
  await new Promise((resolve) => setTimeout(resolve, MEASURE_MS))
  measuring = false
  const cpu = process.cpuUsage(cpuBefore)
  const elapsedMs = performance.now() - began
  stop = true
  await Promise.all(loops)
  latencies.sort((a, b) => a - b)
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? NaN
  return { opsPerSec: (latencies.length / elapsedMs) * 1_000, p50Ms: at(0.5), p99Ms: at(0.99), cpuUsPerOp: (cpu.user + cpu.system) / latencies.length }
}

function median(results: Result[]): Result {
  return [...results].sort((a, b) => a.opsPerSec - b.opsPerSec)[Math.floor(results.length / 2)]!
}

const apache = await startApacheZooKeeper({ members: 1 })
try {
  const setup = await createClient(apache.connectString)
  await setup.create(PATH, PAYLOAD)
  await setup.close()
  const clients = { '@zoo/client': await zooOps(apache.connectString), 'node-zookeeper-client': await nodeZookeeperClientOps(apache.connectString) }
  console.log(`Apache ZooKeeper 3.8 standalone on 127.0.0.1, ${PAYLOAD.length}-byte node; per row the median of ${ROUNDS} alternating rounds of ${MEASURE_MS} ms (after ${WARMUP_MS} ms warmup); Node ${process.version}`)
  console.log('| op | callers | @zoo/client ops/s (p50/p99 ms, client CPU µs/op) | node-zookeeper-client ops/s (p50/p99 ms, client CPU µs/op) | ratio |')
  console.log('| --- | --- | --- | --- | --- |')
  for (const op of ['getData', 'setData'] as const) {
    for (const callers of CALLERS) {
      const rounds: Record<string, Result[]> = { '@zoo/client': [], 'node-zookeeper-client': [] }
      for (let round = 0; round < ROUNDS; round++) {
        for (const [name, ops] of Object.entries(clients)) rounds[name]!.push(await run(ops[op], callers))
      }
      const zoo = median(rounds['@zoo/client']!)
      const nzk = median(rounds['node-zookeeper-client']!)
      const cell = (r: Result) => `${Math.round(r.opsPerSec).toLocaleString('en')} (${r.p50Ms.toFixed(2)}/${r.p99Ms.toFixed(2)}, ${r.cpuUsPerOp.toFixed(1)})`
      console.log(`| ${op} | ${callers} | ${cell(zoo)} | ${cell(nzk)} | ${(zoo.opsPerSec / nzk.opsPerSec).toFixed(2)}x |`)
    }
  }
  for (const ops of Object.values(clients)) await ops.close()
} finally {
  await apache.stop()
}
