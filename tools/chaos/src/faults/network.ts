/**
 * The member-to-member network: one proxy per (dialing member, target member, channel). Member i
 * reaches member j only through proxy (i, j), so every link and direction can be faulted alone.
 * Traffic from a to b travels "up" on a's connections to b and "down" on b's connections to a.
 */
import { LinkProxy, type FirstMessageRewriter, type InterceptorFactory } from './proxy.js'

export type Channel = 'quorum' | 'election'
const CHANNELS: readonly Channel[] = ['quorum', 'election']

export interface PeerPorts {
  id: number
  quorumPort: number
  electionPort: number
}

export type PartitionMode = 'drop' | 'cut'

/**
 * For servers whose election hello names the address to call the dialer back on (Apache's
 * QuorumCnxManager connects back to a lower-id dialer at the address in its InitialMessage):
 * a rewriter that puts the given proxy port there, so the call back goes through the
 * proxy of the reverse link instead of straight to the dialer's real port.
 */
export type ElectionHelloRewriter = (dialer: number, target: number, callBackPort: number) => FirstMessageRewriter

export interface NetworkOptions {
  rewriteElectionHello?: ElectionHelloRewriter
}

export class Network {
  private constructor(
    readonly members: readonly PeerPorts[],
    private readonly proxies: Map<string, LinkProxy>,
  ) {}

  /** `reserved`: ports the members will bind later, which no proxy may take meanwhile */
  static async start(members: readonly PeerPorts[], options: NetworkOptions = {}, reserved: ReadonlySet<number> = new Set()): Promise<Network> {
    const proxies = new Map<string, LinkProxy>()
    try {
      for (const from of members) {
        for (const to of members) {
          if (from.id === to.id) continue
          for (const channel of CHANNELS) proxies.set(key(from.id, to.id, channel), await startAvoiding(channel === 'quorum' ? to.quorumPort : to.electionPort, reserved))
        }
      }
    } catch (error) {
      await Promise.all([...proxies.values()].map((p) => p.close()))
      throw error
    }
    const network = new Network(members, proxies)
    const rewrite = options.rewriteElectionHello
    if (rewrite !== undefined) {
      for (const from of members) {
        for (const to of members) {
          if (from.id === to.id) continue
          const back = network.proxy(to.id, from.id, 'election').port
          network.proxy(from.id, to.id, 'election').rewriteFirstMessage = () => rewrite(from.id, to.id, back)
        }
      }
    }
    return network
  }

  /** The ports member `from` must dial to reach member `to`. */
  peerAddress(from: number, to: number): { quorumPort: number; electionPort: number } {
    return { quorumPort: this.proxy(from, to, 'quorum').port, electionPort: this.proxy(from, to, 'election').port }
  }

  /** Black-holes traffic from `from` to `to` (one direction, both channels). */
  drop(from: number, to: number): void {
    for (const channel of CHANNELS) {
      this.proxy(from, to, channel).setFault('up', { drop: true })
      this.proxy(to, from, channel).setFault('down', { drop: true })
    }
  }

  /** Delays traffic from `from` to `to` by delayMs. */
  delay(from: number, to: number, delayMs: number): void {
    for (const channel of CHANNELS) {
      this.proxy(from, to, channel).setFault('up', { delayMs })
      this.proxy(to, from, channel).setFault('down', { delayMs })
    }
  }

  /** Resets every connection between a and b, and every new one until healed. */
  cut(a: number, b: number): void {
    for (const channel of CHANNELS) {
      this.proxy(a, b, channel).reset(true)
      this.proxy(b, a, channel).reset(true)
    }
  }

  /** No traffic between members of different groups (members in no group are cut from all). */
  partition(groups: readonly (readonly number[])[], mode: PartitionMode): void {
    const groupOf = new Map<number, number>()
    groups.forEach((group, g) => group.forEach((id) => groupOf.set(id, g)))
    for (const a of this.members) {
      for (const b of this.members) {
        if (a.id >= b.id || (groupOf.has(a.id) && groupOf.get(a.id) === groupOf.get(b.id))) continue
        this.separate(a.id, b.id, mode)
      }
    }
  }

  /** Cuts the given pairs apart (both directions); used for bridges, where links do not form groups. */
  separate(a: number, b: number, mode: PartitionMode): void {
    if (mode === 'cut') this.cut(a, b)
    this.drop(a, b)
    this.drop(b, a)
  }

  /**
   * A protocol-aware fault on the connections `from` makes to `to` on `channel` from now on
   * (undefined removes it); with `resetExisting`, the current ones are reset so they reconnect under it.
   */
  intercept(from: number, to: number, channel: Channel, factory: InterceptorFactory | undefined, resetExisting: boolean): void {
    const proxy = this.proxy(from, to, channel)
    proxy.intercept = factory
    if (resetExisting) proxy.reset(false)
  }

  heal(): void {
    for (const proxy of this.proxies.values()) proxy.heal()
  }

  /** Links with a fault now, as "a->b" (dialer to target), for the report. */
  faultyLinks(): string[] {
    return [...this.proxies.entries()].filter(([, p]) => p.faulty).map(([k]) => k)
  }

  async close(): Promise<void> {
    await Promise.all([...this.proxies.values()].map((p) => p.close()))
  }

  private proxy(from: number, to: number, channel: Channel): LinkProxy {
    const proxy = this.proxies.get(key(from, to, channel))
    if (proxy === undefined) throw new RangeError(`no link ${from}->${to} (${channel})`)
    return proxy
  }
}

/** A proxy on an OS-picked port that is not one of the members' own (not yet bound) ports. */
async function startAvoiding(targetPort: number, reserved: ReadonlySet<number>): Promise<LinkProxy> {
  const unlucky: LinkProxy[] = []
  try {
    for (let attempt = 0; attempt < 100; attempt++) {
      const proxy = await LinkProxy.start(targetPort)
      if (!reserved.has(proxy.port)) return proxy
      unlucky.push(proxy) // keep it open so the OS picks another port next time
    }
    throw new Error('no proxy port outside the reserved ones after 100 attempts')
  } finally {
    await Promise.all(unlucky.map((p) => p.close()))
  }
}

function key(from: number, to: number, channel: Channel): string {
  return `${from}->${to}/${channel}`
}
