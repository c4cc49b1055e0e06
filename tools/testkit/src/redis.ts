import { existsSync } from 'node:fs'
import { freePort, waitFor } from './ports.js'
import { spawnTracked, tempDir } from './processes.js'
import { connect } from 'node:net'

export const REDIS_SERVER = '/usr/bin/redis-server'

export function redisInstalled(): boolean {
  return existsSync(REDIS_SERVER)
}

export interface RedisServer {
  port: number
  url: string
  stop: () => Promise<void>
}

async function ping(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const socket = connect({ port, host: '127.0.0.1' }, () => socket.write('PING\r\n'))
    socket.setTimeout(1_000, () => socket.destroy())
    socket.once('data', (chunk) => {
      resolve(chunk.toString().startsWith('+PONG'))
      socket.destroy()
    })
    socket.once('error', () => resolve(false))
    socket.once('close', () => resolve(false))
  })
}

/** A real redis-server on a free 127.0.0.1 port, without persistence, removed by `stop()`. */
export async function startRedis(): Promise<RedisServer> {
  if (!redisInstalled()) throw new Error(`redis-server is not installed (${REDIS_SERVER}); .ci/run installs the Debian package 'redis-server'`)
  const port = await freePort()
  const dir = tempDir('redis')
  const server = spawnTracked(REDIS_SERVER, ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir.path, '--notify-keyspace-events', 'KEA'])
  try {
    await waitFor(() => ping(port), 15_000, 'redis-server to answer PING')
  } catch (error) {
    await server.stop()
    dir.remove()
    throw new Error(`${(error as Error).message}\n${server.output()}`)
  }
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    stop: async () => {
      await server.stop()
      dir.remove()
    },
  }
}
