/**
 * Runs a suite against ioredis-mock and a real redis-server, each with fresh connections per
 * participant. TODO(recipe-core): replace with recipe-core's shared helper once it exports one.
 */
import { Redis } from 'ioredis'
import RedisMock from 'ioredis-mock'
import { startRedis, redisInstalled } from '@zoo/testkit'
import type { RedisLike } from '../../src/redis/index.js'

export interface RedisBackend {
  name: string
  /** a new connection to the same server */
  connect(): RedisLike & { quit(): Promise<unknown>; pttl(key: string): Promise<number>; set(key: string, value: string): Promise<unknown>; script(...args: string[]): Promise<unknown> }
  stop(): Promise<void>
}

let mockPort = 40_000

export async function mockBackend(): Promise<RedisBackend> {
  // ioredis-mock shares data between instances with the same host and port.
  const port = mockPort++
  const made: { quit(): Promise<unknown> }[] = []
  return {
    name: 'ioredis-mock',
    connect: () => {
      const client = new RedisMock({ host: '127.0.0.1', port }) as unknown as ReturnType<RedisBackend['connect']>
      made.push(client)
      return client
    },
    stop: async () => {
      await Promise.all(made.map((c) => c.quit().catch(() => undefined)))
    },
  }
}

export async function realBackend(): Promise<RedisBackend> {
  if (!redisInstalled()) throw new Error('redis-server is not installed')
  const server = await startRedis()
  const made: Redis[] = []
  return {
    name: 'redis-server',
    connect: () => {
      const client = new Redis(server.port, '127.0.0.1', { lazyConnect: false, maxRetriesPerRequest: 1 })
      made.push(client)
      return client as unknown as ReturnType<RedisBackend['connect']>
    },
    stop: async () => {
      await Promise.all(made.map((c) => c.quit().catch(() => undefined)))
      await server.stop()
    },
  }
}
