/**
 * A participant process for tests, the benchmark and the demo: it runs a LeaderLatch and, while
 * `hasLeadership()` says so, does "leader-only work": a write to the fenced resource stamped
 * with its id and epoch. SIGTERM closes it gracefully (leadership given up at once); kill -9
 * and SIGSTOP are what the callers do to it to see what a crash and a pause look like.
 */
import { connect, type Socket } from 'node:net'
import * as z from 'zod'
import { createClient } from '@zoo/client'
import { LeaderLatch } from '../latch.js'

export const candidateConfigSchema = z.strictObject({
  connectString: z.string(),
  path: z.string(),
  id: z.string().min(1),
  fencePort: z.number().int().min(1).max(65_535),
  sessionTimeoutMs: z.number().int().min(1).default(4_000),
  workIntervalMs: z.number().int().min(1).default(50),
  naming: z.enum(['zoo', 'curator', 'kazoo']).default('zoo'),
  /** the servers' tickTime, when known (see LeaderLatch's serverTickTimeMs) */
  serverTickTimeMs: z.number().int().min(1).optional(),
  /**
   * 'deadline' (right): ask `latch.term` before each write. 'events' (wrong, to prove the
   * checks have teeth): trust a flag set by isLeader/notLeader, as naive code does.
   */
  trust: z.enum(['deadline', 'events']).default('deadline'),
})

export type CandidateConfig = z.input<typeof candidateConfigSchema>

class FenceLink {
  private readonly socket: Socket

  constructor(port: number, private readonly id: string) {
    this.socket = connect({ port, host: '127.0.0.1' })
    this.socket.setNoDelay(true)
    this.socket.on('error', (error) => {
      console.error(`${id}: fence connection: ${error.message}`)
      process.exit(3)
    })
  }

  event(ev: string, epoch?: bigint, why?: string): void {
    this.send({ t: 'event', p: this.id, ev, e: epoch?.toString(), why })
  }

  write(epoch: bigint, seq: number): void {
    this.send({ t: 'write', p: this.id, e: epoch.toString(), s: seq })
  }

  onReply(listener: (reply: { s: number; ok: boolean }) => void): void {
    let pending = ''
    this.socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8')
      for (let i = pending.indexOf('\n'); i !== -1; i = pending.indexOf('\n')) {
        listener(JSON.parse(pending.slice(0, i)) as { s: number; ok: boolean })
        pending = pending.slice(i + 1)
      }
    })
  }

  private send(message: object): void {
    this.socket.write(`${JSON.stringify(message)}\n`)
  }

  end(): Promise<void> {
    return new Promise((resolve) => this.socket.end(() => resolve()))
  }
}

export async function runCandidate(input: CandidateConfig): Promise<void> {
  const config = candidateConfigSchema.parse(input)
  const fence = new FenceLink(config.fencePort, config.id)
  const client = await createClient(config.connectString, { sessionTimeoutMs: config.sessionTimeoutMs })
  client.on('state', (state) => fence.event(`client ${state}`))
  const latch = new LeaderLatch(client, config.path, { id: config.id, naming: config.naming, serverTickTimeMs: config.serverTickTimeMs })
  latch.on('isLeader', (term) => fence.event('isLeader', term.epoch))
  latch.on('notLeader', (why, epoch) => fence.event('notLeader', epoch, why))
  latch.on('error', (error) => console.error(`${config.id}: ${String(error)}`))
  fence.onReply((reply) => {
    if (!reply.ok) fence.event('refused', undefined, `write ${reply.s} refused: a newer epoch wrote first`)
  })
  let seq = 0
  let believed: bigint | undefined
  latch.on('isLeader', (term) => (believed = term.epoch))
  latch.on('notLeader', () => (believed = undefined))
  // The check and the write happen in one synchronous turn: a pause can only land before the
  // check (then the deadline says no on resume) or after the write left (then the fence decides).
  const work = setInterval(() => {
    const epoch = config.trust === 'deadline' ? latch.term?.epoch : believed
    if (epoch !== undefined) fence.write(epoch, ++seq)
  }, config.workIntervalMs)
  const shutdown = async () => {
    clearInterval(work)
    await latch.close()
    fence.event('closed')
    await client.close()
    await fence.end()
    process.exit(0)
  }
  process.once('SIGTERM', () => void shutdown())
  process.once('SIGINT', () => void shutdown())
  await latch.start()
  fence.event('joined', undefined, latch.ourPath)
}
