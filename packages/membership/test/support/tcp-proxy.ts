/**
 * A plain TCP proxy on 127.0.0.1 that a test can cut: block() resets every connection and
 * refuses new ones until heal(). For Redis, whose RESP stream recipe-core's frame-aware CutProxy
 * does not parse.
 */
// TODO(recipe-core): a protocol-blind mode of CutProxy would serve here.
import { connect, createServer, type Server, type Socket } from 'node:net'

export class TcpProxy {
  private readonly links = new Set<[Socket, Socket]>()
  private blocked = false

  private constructor(
    private readonly server: Server,
    readonly port: number,
  ) {}

  static async start(targetPort: number): Promise<TcpProxy> {
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('proxy: no port')
    const proxy = new TcpProxy(server, address.port)
    server.on('connection', (client) => {
      if (proxy.blocked) return void client.resetAndDestroy()
      const upstream = connect(targetPort, '127.0.0.1')
      const link: [Socket, Socket] = [client, upstream]
      proxy.links.add(link)
      const close = () => {
        proxy.links.delete(link)
        client.destroy()
        upstream.destroy()
      }
      client.on('error', close).on('close', close).pipe(upstream)
      upstream.on('error', close).on('close', close).pipe(client)
    })
    return proxy
  }

  block(): void {
    this.blocked = true
    for (const [client, upstream] of this.links) {
      client.resetAndDestroy()
      upstream.destroy()
    }
    this.links.clear()
  }

  heal(): void {
    this.blocked = false
  }

  async close(): Promise<void> {
    this.block()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
