/**
 * Propagation latency: from the start of publishConfig to every one of 100 watchers holding
 * the new value (and per watcher). One update at a time, so each round measures a quiet
 * system. ZooKeeper: a local 3-member Apache 3.8 ensemble, watchers spread over the members,
 * persistent watches and one-shot watches. Redis: one local redis-server.
 *
 *   npm run bench -w @zoo/config-watcher [-- --rounds 200 --watchers 100]
 */
import { performance } from 'node:perf_hooks'
import * as z from 'zod'
import { createClient, type ZooKeeperClient } from '@zoo/client'
import { startApacheZooKeeper, startRedis } from '@zoo/testkit'
import { Redis } from 'ioredis'
import { publishConfig, watchConfig, type ConfigVersion, type ConfigWatcher, type WatchMode } from '../src/index.js'
import * as redisBackend from '../src/redis/index.js'

const Schema = z.object({ seq: z.number().int(), payload: z.string() })
type Config = z.output<typeof Schema>

function arg(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`)
  return i === -1 ? fallback : Number(process.argv[i + 1])
}
const ROUNDS = arg('rounds', 200)
const WARMUP = 20
const WATCHERS = arg('watchers', 100)
const PAYLOAD = 'x'.repeat(200)

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!
}

interface Result {
  name: string
  all: number[]
  each: number[]
}

/** Publishes `rounds` updates one by one; resolves with the latencies. */
async function measure(name: string, watchers: ConfigWatcher<Config>[], publish: (value: Config) => Promise<ConfigVersion>): Promise<Result> {
  let target = -1
  let started = 0
  let arrived = 0
  let done: () => void = () => {}
  const each: number[] = []
  for (const w of watchers) {
    w.on('change', (next) => {
      if (next.seq !== target) return
      each.push(performance.now() - started)
      if (++arrived === watchers.length) done()
    })
  }
  const all: number[] = []
  for (let round = 0; round < WARMUP + ROUNDS; round++) {
    target = round + 1
    arrived = 0
    each.length = round < WARMUP ? 0 : each.length
    const everyone = new Promise<void>((resolve) => (done = resolve))
    started = performance.now()
    await publish({ seq: target, payload: PAYLOAD })
    await everyone
    if (round >= WARMUP) all.push(performance.now() - started)
  }
  return { name, all, each }
}

function report(r: Result): void {
  const all = [...r.all].sort((a, b) => a - b)
  const each = [...r.each].sort((a, b) => a - b)
  const f = (n: number) => n.toFixed(2).padStart(7)
  console.log(`${r.name.padEnd(34)} all ${WATCHERS}: p50 ${f(percentile(all, 50))} ms  p99 ${f(percentile(all, 99))} ms  max ${f(all.at(-1)!)} ms | one watcher: p50 ${f(percentile(each, 50))} ms  p99 ${f(percentile(each, 99))} ms  (${ROUNDS} rounds)`)
}

async function zookeeper(mode: WatchMode, connectString: string): Promise<Result> {
  const clients: ZooKeeperClient[] = await Promise.all(Array.from({ length: WATCHERS }, () => createClient(connectString, { sessionTimeoutMs: 10_000 })))
  const publisher = await createClient(connectString, { sessionTimeoutMs: 10_000 })
  const path = `/bench/${mode}`
  await publishConfig(publisher, path, Schema, { seq: 0, payload: PAYLOAD })
  const watchers = await Promise.all(clients.map((zk) => watchConfig(zk, path, Schema, { watchMode: mode })))
  try {
    return await measure(`zookeeper 3x Apache 3.8, ${mode}`, watchers, (value) => publishConfig(publisher, path, Schema, value))
  } finally {
    await Promise.all(watchers.map((w) => w.close()))
    await Promise.all([...clients, publisher].map((zk) => zk.close()))
  }
}

async function redis(url: string): Promise<Result> {
  const main = new Redis(url)
  const key = 'bench:config'
  await redisBackend.publishConfig(main, key, Schema, { seq: 0, payload: PAYLOAD })
  const connections = Array.from({ length: WATCHERS }, () => new Redis(url))
  const watchers = await Promise.all(connections.map((c) => redisBackend.watchConfig(c, key, Schema)))
  try {
    return await measure('redis-server, pub/sub + read', watchers, (value) => redisBackend.publishConfig(main, key, Schema, value))
  } finally {
    await Promise.all(watchers.map((w) => w.close()))
    for (const c of [main, ...connections]) c.disconnect()
  }
}

const ensemble = await startApacheZooKeeper({ members: 3 })
try {
  console.log(`propagation latency, publish -> all ${WATCHERS} watchers have the value (node ${process.version})`)
  report(await zookeeper('persistent', ensemble.connectString))
  report(await zookeeper('oneShot', ensemble.connectString))
} finally {
  await ensemble.stop()
}
const server = await startRedis()
try {
  report(await redis(server.url))
} finally {
  await server.stop()
}
