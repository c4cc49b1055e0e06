// Speed of the pure core and of the simulator (no disk, no sockets):
//   npm run bench:sim -w @zoo/consensus
// 1. core pipeline: three Peers wired in memory (every message encoded and decoded), proposals
//    in batches of 100 x 100 bytes on the leader, until 50,000 are applied on every member.
// 2. simulator: seeds per second and events per second, 3 voters and 5 voters + 1 observer.
import { decodeMessage, encodeMessage } from '../src/core/messages.js'
import { Peer } from '../src/core/peer.js'
import { runSeeds } from '../src/sim/run.js'

function corePipeline(total: number, batch: number): { commitsPerSec: number; messages: number } {
  const ids = [1, 2, 3]
  const peers = new Map(ids.map((id) => [id, new Peer({ id, voters: ids, electionFinalizeTicks: 0, maxInflightProposals: 10_000 }, { acceptedEpoch: 0, currentEpoch: 0, log: [] }, { random: Math.random })]))
  const applied = new Map(ids.map((id) => [id, 0]))
  let queue: { from: number; to: number; bytes: Uint8Array }[] = []
  let messages = 0
  const drain = (id: number) => {
    const p = peers.get(id)!
    while (p.hasReady()) {
      const rd = p.ready()
      for (const o of rd.messages) queue.push({ from: id, to: o.to, bytes: encodeMessage(o.message) })
      applied.set(id, applied.get(id)! + rd.committed.length)
      p.advance(rd)
    }
  }
  const deliver = () => {
    while (queue.length > 0) {
      const q = queue
      queue = []
      for (const m of q) {
        messages++
        peers.get(m.to)!.step(m.from, decodeMessage(m.bytes))
        drain(m.to)
      }
    }
  }
  ids.forEach(drain)
  const allServing = () => [...peers.values()].every((p) => p.status().serving)
  for (let i = 0; i < 50 && !allServing(); i++) {
    deliver()
    for (const p of peers.values()) {
      p.tick()
      drain(p.config.id)
    }
    deliver()
  }
  const leader = [...peers.values()].find((p) => p.status().role === 'leading')
  if (leader === undefined || !allServing()) throw new Error('no leader')
  deliver()
  const payload = new Uint8Array(100)
  const started = performance.now()
  for (let sent = 0; sent < total; sent += batch) {
    for (let i = 0; i < batch; i++) if (!leader.propose(payload).ok) throw new Error('refused')
    drain(leader.config.id)
    deliver()
  }
  const seconds = (performance.now() - started) / 1000
  for (const id of ids) if (applied.get(id)! < total) throw new Error(`member ${id} applied ${applied.get(id)}`)
  return { commitsPerSec: total / seconds, messages }
}

const core = corePipeline(50_000, 100)
console.log(`core pipeline (3 peers in memory, batches of 100 x 100 B): ${Math.round(core.commitsPerSec).toLocaleString('en')} commits/s, ${core.messages} messages`)
for (const [voters, observers, count] of [
  [3, 0, 500],
  [5, 1, 200],
] as const) {
  const s = runSeeds({ start: 1, count, voters, observers })
  const sec = s.elapsedMs / 1000
  console.log(
    `simulator ${voters} voters + ${observers} observers: ${(count / sec).toFixed(0)} seeds/s, ${Math.round(s.totals.events / sec).toLocaleString('en')} events/s (${count} seeds, ${s.failure === undefined ? 'no' : 'A'} violation)`,
  )
}
