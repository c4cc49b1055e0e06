/**
 * The fenced resource on a 127.0.0.1 TCP port, one JSON object per line, so that participants
 * in other processes and languages (Node, Java/Curator, Python/kazoo) write to one place:
 *
 *   -> {"t":"write","p":"<id>","e":"<epoch>","s":<seq>}     <- {"s":<seq>,"ok":true|false}
 *   -> {"t":"event","p":"<id>","ev":"isLeader","e":"<epoch>","why":"..."}   (no answer)
 *
 * Events only feed the timeline; the verdict comes from the writes alone.
 */
import { EventEmitter } from 'node:events'
import { createServer, type Server, type Socket } from 'node:net'
import * as z from 'zod'
import { FencedResource, type WriteRecord } from './fence.js'

const MAX_LINE_BYTES = 4_096

const messageSchema = z.discriminatedUnion('t', [
  z.object({ t: z.literal('write'), p: z.string().min(1), e: z.string().regex(/^\d+$/), s: z.number().int() }),
  z.object({ t: z.literal('event'), p: z.string().min(1), ev: z.string().min(1), e: z.string().regex(/^\d+$/).optional(), why: z.string().optional() }),
])

export interface ParticipantEvent {
  atMs: number
  participant: string
  event: string
  epoch: bigint | undefined
  why: string | undefined
}

/** Writes and events in the order they arrived (per participant, the order it sent them). */
export type Arrival = { kind: 'write'; record: WriteRecord } | { kind: 'event'; event: ParticipantEvent }

/**
 * Writes a participant sent with an epoch after it had reported losing that epoch (and before
 * it reported leading with it again): a participant that did leader work after standing down.
 */
export function writesAfterStandDown(log: readonly Arrival[]): WriteRecord[] {
  const stoodDown = new Map<string, Set<bigint>>()
  const found: WriteRecord[] = []
  for (const entry of log) {
    if (entry.kind === 'event') {
      const { participant, event, epoch } = entry.event
      if (epoch === undefined) continue
      let set = stoodDown.get(participant)
      if (!set) stoodDown.set(participant, (set = new Set()))
      if (event === 'notLeader') set.add(epoch)
      else if (event === 'isLeader') set.delete(epoch)
    } else if (stoodDown.get(entry.record.participant)?.has(entry.record.epoch)) {
      found.push(entry.record)
    }
  }
  return found
}

export interface FenceServerEvents {
  write: [record: WriteRecord]
  event: [event: ParticipantEvent]
  error: [error: Error]
}

export class FenceServer extends EventEmitter<FenceServerEvents> {
  readonly resource = new FencedResource()
  readonly events: ParticipantEvent[] = []
  readonly log: Arrival[] = []
  private readonly sockets = new Set<Socket>()

  private constructor(private readonly server: Server, readonly port: number) {
    super()
  }

  static async start(): Promise<FenceServer> {
    const server = createServer()
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject)
      server.listen(0, '127.0.0.1', () => resolve())
    })
    const address = server.address()
    if (address === null || typeof address === 'string') throw new Error('fence server: no port')
    const fence = new FenceServer(server, address.port)
    server.on('connection', (socket) => fence.accept(socket))
    return fence
  }

  private accept(socket: Socket): void {
    this.sockets.add(socket)
    socket.once('close', () => this.sockets.delete(socket))
    socket.on('error', () => socket.destroy())
    let pending = ''
    socket.on('data', (chunk: Buffer) => {
      pending += chunk.toString('utf8')
      for (let newline = pending.indexOf('\n'); newline !== -1; newline = pending.indexOf('\n')) {
        this.handle(socket, pending.slice(0, newline))
        pending = pending.slice(newline + 1)
      }
      if (pending.length > MAX_LINE_BYTES) socket.destroy(new Error(`fence server: line over ${MAX_LINE_BYTES} bytes`))
    })
  }

  private handle(socket: Socket, line: string): void {
    if (line.trim() === '') return
    let message: z.infer<typeof messageSchema>
    try {
      message = messageSchema.parse(JSON.parse(line))
    } catch (error) {
      if (this.listenerCount('error') > 0) this.emit('error', new Error(`fence server: bad line ${JSON.stringify(line.slice(0, 200))}`, { cause: error }))
      return
    }
    if (message.t === 'write') {
      const ok = this.resource.write({ participant: message.p, epoch: BigInt(message.e), seq: message.s })
      socket.write(`${JSON.stringify({ s: message.s, ok })}\n`)
      const record = this.resource.history().at(-1)!
      this.log.push({ kind: 'write', record })
      this.emit('write', record)
      return
    }
    const event: ParticipantEvent = { atMs: performance.now(), participant: message.p, event: message.ev, epoch: message.e === undefined ? undefined : BigInt(message.e), why: message.why }
    this.events.push(event)
    this.log.push({ kind: 'event', event })
    this.emit('event', event)
  }

  /** The participant and epoch of the latest accepted write: who acts as leader now. */
  actingLeader(): { participant: string; epoch: bigint } | undefined {
    const last = this.resource.history().findLast((r) => r.accepted)
    return last && { participant: last.participant, epoch: last.epoch }
  }

  /** The first accepted write with an epoch above `epoch` (a new leader acting), or a timeout. */
  nextTerm(epoch: bigint | undefined, timeoutMs: number): Promise<WriteRecord> {
    const done = this.resource.history().find((r) => r.accepted && (epoch === undefined || r.epoch > epoch))
    if (done) return Promise.resolve(done)
    return new Promise((resolve, reject) => {
      const onWrite = (record: WriteRecord) => {
        if (!record.accepted || (epoch !== undefined && record.epoch <= epoch)) return
        clearTimeout(timer)
        this.off('write', onWrite)
        resolve(record)
      }
      const timer = setTimeout(() => {
        this.off('write', onWrite)
        reject(new Error(`no new leader acted within ${timeoutMs} ms`))
      }, timeoutMs)
      this.on('write', onWrite)
    })
  }

  async close(): Promise<void> {
    for (const socket of this.sockets) socket.destroy()
    await new Promise<void>((resolve) => this.server.close(() => resolve()))
  }
}
