import type { ZooKeeperClient } from '@zoo/client'

/** Creates sequential children of `parent` one after another until stopped; keeps what was acknowledged. */
export function startWriter(zk: ZooKeeperClient, parent: string): { acked: string[]; stop: () => Promise<void> } {
  const acked: string[] = []
  let writing = true
  const loop = (async () => {
    while (writing) {
      try {
        acked.push(await zk.create(`${parent}/w-`, '', { mode: 'persistent-sequential' }))
      } catch {
        // Connection loss during a failover: the outcome is unknown, so it is not counted as acked.
        await new Promise((r) => setTimeout(r, 20))
      }
    }
  })()
  return {
    acked,
    stop: async () => {
      writing = false
      await loop
    },
  }
}
