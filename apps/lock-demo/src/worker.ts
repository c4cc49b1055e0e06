/**
 * One worker process: take the lock, read the counter, work a little, write counter + 1 through
 * the fenced resource, release; again until SIGTERM. Prints one JSON event per line.
 * usage: worker.ts BACKEND CONNECT FILE NAME   (BACKEND: zookeeper | redis)
 */
import { createClient } from '@zoo/client'
import { Mutex, type Lease } from '@zoo/lock'
import { RedisMutex } from '@zoo/lock/redis'
import { Redis } from 'ioredis'
import { fencedWrite, readLedger } from './resource.js'

const [backend, connect, file, name] = process.argv.slice(2) as [string, string, string, string]
const WORK_MS = 120
const LOCK_PATH = '/demo/lock'

function emit(event: string, fields: Record<string, unknown> = {}): void {
  process.stdout.write(`${JSON.stringify({ ns: String(process.hrtime.bigint()), worker: name, event, ...fields })}\n`)
}

let stopping = false
process.on('SIGTERM', () => (stopping = true))

async function lockFactory(): Promise<{ acquire: () => Promise<Lease>; close: () => Promise<void> }> {
  if (backend === 'redis') {
    const redis = new Redis(connect, { maxRetriesPerRequest: 1 })
    const mutex = new RedisMutex(redis, 'demo:lock', { ttlMs: 3_000, retryDelayMs: 25 })
    return { acquire: () => mutex.acquire({ timeoutMs: 60_000 }), close: async () => void redis.disconnect() }
  }
  const zk = await createClient(connect, { sessionTimeoutMs: 4_000 })
  const mutex = new Mutex(zk, LOCK_PATH, { id: name })
  return { acquire: () => mutex.acquire({ timeoutMs: 60_000 }), close: () => zk.close() }
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

async function main(): Promise<void> {
  const lock = await lockFactory()
  emit('ready', { pid: process.pid })
  while (!stopping) {
    emit('waiting')
    const waitStart = performance.now()
    let lease: Lease
    try {
      lease = await lock.acquire()
    } catch (error) {
      emit('error', { message: (error as Error).message })
      await sleep(200)
      continue
    }
    const startNs = process.hrtime.bigint()
    emit('acquired', { token: String(lease.token), waitedMs: Math.round(performance.now() - waitStart) })
    try {
      // read-modify-write with work in the middle: without the lock, increments would be lost
      const seen = readLedger(file).counter
      await sleep(WORK_MS)
      if (lease.signal.aborted) throw lease.signal.reason
      fencedWrite(file, lease.token, (ledger) => {
        ledger.counter = seen + 1
        ledger.sections.push({ worker: name, token: String(lease.token), startNs: String(startNs), endNs: String(process.hrtime.bigint()) })
      })
      emit('released', { token: String(lease.token), counter: seen + 1 })
    } catch (error) {
      emit('lost', { token: String(lease.token), reason: String((error as Error).message ?? error) })
    } finally {
      await lease.release().catch(() => {})
    }
    await sleep(Math.random() * 50)
  }
  await lock.close()
  emit('exit')
}

main().catch((error: unknown) => {
  emit('error', { message: String(error) })
  process.exit(1)
})
