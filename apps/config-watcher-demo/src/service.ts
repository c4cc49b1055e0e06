/**
 * A small HTTP service on 127.0.0.1 whose behaviour comes from live config: a feature flag
 * (which checkout it serves) and a rate limit (requests per second, token bucket). It never
 * restarts for a change and never runs on an invalid config.
 */
import { createServer, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'
import * as z from 'zod'
import { createClient, type ZooKeeperClient } from '@zoo/client'
import { watchConfig, type ConfigVersion, type ConfigWatcher } from '@zoo/config-watcher'

export const CONFIG_PATH = '/demo/checkout'

export const CheckoutConfig = z.strictObject({
  newCheckout: z.boolean(),
  rateLimitPerSec: z.number().int().min(1).max(10_000),
})
export type CheckoutConfig = z.output<typeof CheckoutConfig>

export const FALLBACK: CheckoutConfig = { newCheckout: false, rateLimitPerSec: 1 }

export interface ServiceEvent {
  service: string
  kind: 'change' | 'invalid' | 'state'
  atMs: number
  version?: ConfigVersion
  detail: string
}

export interface Service {
  name: string
  url: string
  zk: ZooKeeperClient
  config: ConfigWatcher<CheckoutConfig>
  stop(): Promise<void>
}

/** A token bucket holding one second of requests; a new rate applies at once (full bucket). */
class TokenBucket {
  private tokens: number
  private rate: number
  private lastMs = performance.now()
  constructor(private ratePerSec: () => number) {
    this.rate = ratePerSec()
    this.tokens = this.rate
  }
  take(): boolean {
    const now = performance.now()
    const rate = this.ratePerSec()
    if (rate !== this.rate) {
      this.rate = rate
      this.tokens = rate
    }
    this.tokens = Math.min(rate, this.tokens + ((now - this.lastMs) / 1000) * rate)
    this.lastMs = now
    if (this.tokens < 1) return false
    this.tokens -= 1
    return true
  }
}

export async function startService(name: string, connectString: string, onEvent: (event: ServiceEvent) => void): Promise<Service> {
  const zk = await createClient(connectString, { sessionTimeoutMs: 6_000 })
  zk.on('state', (state) => onEvent({ service: name, kind: 'state', atMs: performance.now(), detail: `${state}${zk.connectedHost ? ` (${zk.connectedHost})` : ''}` }))
  const config = await watchConfig(zk, CONFIG_PATH, CheckoutConfig, { default: FALLBACK })
  config.on('change', (next, _prev, version) => onEvent({ service: name, kind: 'change', atMs: performance.now(), version, detail: JSON.stringify(next) }))
  config.on('invalid', (error, _raw, version) => onEvent({ service: name, kind: 'invalid', atMs: performance.now(), version, detail: error.message.split('\n')[0]! }))
  const bucket = new TokenBucket(() => config.current.rateLimitPerSec)
  const server: Server = createServer((req, res) => {
    if (req.url === '/config') {
      res.writeHead(200, { 'content-type': 'application/json' })
      return res.end(JSON.stringify({ config: config.current, version: config.version?.version ?? null }))
    }
    if (!bucket.take()) {
      res.writeHead(429)
      return res.end('slow down\n')
    }
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end(config.current.newCheckout ? 'new checkout\n' : 'classic checkout\n')
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return {
    name,
    url: `http://127.0.0.1:${port}`,
    zk,
    config,
    stop: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()))
      await config.close()
      await zk.close()
    },
  }
}
