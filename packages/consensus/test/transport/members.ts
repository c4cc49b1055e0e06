// Real PeerTransports on loopback for the transport tests, closed at the test's teardown.
import { freePort, waitFor } from '@zoo/testkit'
import { PeerTransport, type PeerAddress, type PeerTransportOptions } from '../../src/transport/index.js'

export type Teardown = { teardown: (fn: () => unknown) => void }
export const HOST = '127.0.0.1'

export async function addresses(ids: number[]): Promise<Map<number, PeerAddress>> {
  const map = new Map<number, PeerAddress>()
  for (const id of ids) map.set(id, { host: HOST, port: await freePort() })
  return map
}

/** A started transport with what it received and warned about. */
export async function startMember(t: Teardown, id: number, peers: Map<number, PeerAddress>, extra: Partial<PeerTransportOptions> = {}) {
  const transport = new PeerTransport({ id, peers, listen: peers.get(id)!, reconnectInitialDelayMs: 20, reconnectMaxDelayMs: 200, ...extra })
  const inbox: { from: number; text: string }[] = []
  const warnings: string[] = []
  transport.on('message', (from, payload) => inbox.push({ from, text: payload.toString() }))
  transport.on('warning', (message) => warnings.push(message))
  await transport.start()
  t.teardown(() => transport.close())
  return { transport, inbox, warnings }
}

export const connected = (transport: PeerTransport, peer: number, timeoutMs = 5_000) => waitFor(async () => transport.isConnected(peer), timeoutMs, `link ${transport.id}-${peer}`)
