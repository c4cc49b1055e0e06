// One ensemble member as its own OS process, for the real-process test and the benchmark (so
// they can kill -9 it). Usage: member-process.ts <config.json>. It is driven over a loopback
// control port speaking JSON lines: {"id", "op", ...} in, {"id", ...} out.
import { readFileSync } from 'node:fs'
import { createServer, type Socket } from 'node:net'
import { createInterface } from 'node:readline'
import { z } from 'zod'
import { Member, MemberError, type StateMachine } from '../src/member.js'
import type { Entry, Snapshot } from '../src/core/types.js'
import { formatZxid } from '../src/core/zxid.js'

const address = z.object({ host: z.string(), port: z.number().int().min(1).max(65_535) })
export const memberProcessConfigSchema = z.object({
  id: z.number().int().min(1),
  voters: z.array(z.number().int().min(1)).min(1),
  addresses: z.record(z.string(), address),
  dataDir: z.string(),
  controlPort: z.number().int().min(1).max(65_535),
  tickMs: z.number().int().min(1),
  snapshotEveryEntries: z.number().int().min(1),
  consensus: z.record(z.string(), z.unknown()).default({}),
  /** TLS between members: this member's PEM key and certificate, and the CA certificate(s) it trusts. */
  tls: z.object({ key: z.string(), cert: z.string(), ca: z.array(z.string()) }).optional(),
})
export type MemberProcessConfig = z.input<typeof memberProcessConfigSchema>

const text = new TextDecoder()
/** A payload's tag is its text up to the first '.', the padding. */
const tagOf = (payload: Uint8Array) => text.decode(payload).split('.', 1)[0]!

/** The replicated application: the applied entries in order, snapshot = length-prefixed list. */
class AppliedLog implements StateMachine {
  entries: Entry[] = []
  apply(entry: Entry): void {
    this.entries.push(entry)
  }
  restore(snapshot: Snapshot | undefined): void {
    this.entries = []
    if (snapshot === undefined) return
    const data = Buffer.from(snapshot.data.buffer, snapshot.data.byteOffset, snapshot.data.byteLength)
    for (let at = 0; at < data.length; ) {
      const length = data.readUInt32BE(at + 8)
      this.entries.push({ zxid: data.readBigUInt64BE(at), payload: new Uint8Array(data.subarray(at + 12, at + 12 + length)) })
      at += 12 + length
    }
  }
  snapshot(): Uint8Array {
    const parts: Buffer[] = []
    for (const entry of this.entries) {
      const header = Buffer.alloc(12)
      header.writeBigUInt64BE(entry.zxid, 0)
      header.writeUInt32BE(entry.payload.length, 8)
      parts.push(header, Buffer.from(entry.payload))
    }
    return Buffer.concat(parts)
  }
}

type Reply = (message: Record<string, unknown>) => void

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!
}

async function main(): Promise<void> {
  const config = memberProcessConfigSchema.parse(JSON.parse(readFileSync(process.argv[2]!, 'utf8')))
  const app = new AppliedLog()
  const member = await Member.start({
    id: config.id,
    voters: config.voters,
    addresses: new Map(Object.entries(config.addresses).map(([id, a]) => [Number(id), a])),
    dataDir: config.dataDir,
    stateMachine: app,
    tickMs: config.tickMs,
    snapshotEveryEntries: config.snapshotEveryEntries,
    consensus: config.consensus,
    ...(config.tls === undefined ? {} : { tls: { material: () => config.tls! } }),
    trace: (event) => process.stdout.write(`[${config.id}] ${event}\n`),
  })
  member.on('status', (s) => process.stdout.write(`[${config.id}] status ${s.role} leader=${s.leader} epoch=${s.epoch} serving=${s.serving}\n`))
  member.on('error', () => process.exit(1))
  const handlers: Record<string, (request: Record<string, unknown>, reply: Reply) => Promise<void>> = {
    status: async (_request, reply) => reply({ done: true, ...statusOf(member, app) }),
    dump: async (_request, reply) => reply({ done: true, entries: app.entries.map((e) => [formatZxid(e.zxid), tagOf(e.payload)]) }),
    propose: (request, reply) => proposeMany(member, request, reply),
    commitWhenLeader: (request, reply) => commitWhenLeader(member, request, reply),
  }
  const server = createServer((socket) => serveControl(socket, handlers))
  server.listen(config.controlPort, '127.0.0.1', () => process.stdout.write(`[${config.id}] control listening on ${config.controlPort}\n`))
}

function statusOf(member: Member, app: AppliedLog): Record<string, unknown> {
  const s = member.status()
  return {
    pid: process.pid,
    id: s.id,
    role: s.role,
    leader: s.leader,
    epoch: s.epoch,
    serving: s.serving,
    lastLoggedZxid: formatZxid(s.lastLoggedZxid),
    committedZxid: formatZxid(s.committedZxid),
    applied: app.entries.length,
    // The control port speaks JSON: the last snapshot's zxid (a bigint) as hex text.
    stats: { ...member.stats, lastSnapshot: member.stats.lastSnapshot === undefined ? null : { ...member.stats.lastSnapshot, zxid: formatZxid(member.stats.lastSnapshot.zxid) } },
    truncatedTail: member.truncatedTail === undefined ? null : { ...member.truncatedTail, lastGoodZxid: formatZxid(member.truncatedTail.lastGoodZxid) },
  }
}

function serveControl(socket: Socket, handlers: Record<string, (request: Record<string, unknown>, reply: Reply) => Promise<void>>): void {
  socket.on('error', () => undefined)
  const lines = createInterface({ input: socket })
  lines.on('line', (line) => {
    const request = JSON.parse(line) as Record<string, unknown>
    const reply: Reply = (message) => {
      if (!socket.destroyed) socket.write(`${JSON.stringify({ id: request.id, ...message })}\n`)
    }
    const handler = handlers[String(request.op)]
    if (handler === undefined) return reply({ done: true, error: `unknown op ${String(request.op)}` })
    handler(request, reply).catch((error: unknown) => reply({ done: true, error: String(error) }))
  })
}

/**
 * Proposes `count` payloads of `bytes` bytes with at most `concurrency` in flight, streaming
 * acknowledgements as they come (so a client that sees the process die knows what was acked).
 */
async function proposeMany(member: Member, request: Record<string, unknown>, reply: Reply): Promise<void> {
  const count = Number(request.count)
  const size = Number(request.bytes ?? 100)
  const prefix = String(request.prefix ?? 'p')
  const concurrency = Number(request.concurrency ?? 100)
  const latenciesMs: number[] = []
  const failed: [string, string][] = []
  let pendingAcks: [string, string][] = []
  const flushAcks = () => {
    if (pendingAcks.length > 0) reply({ acks: pendingAcks })
    pendingAcks = []
  }
  const before = { ...member.stats }
  const started = performance.now()
  let next = 0
  const worker = async () => {
    while (next < count) {
      const tag = `${prefix}${next++}`
      const payload = Buffer.alloc(Math.max(size, tag.length), '.')
      payload.write(tag)
      const sentAt = performance.now()
      try {
        const zxid = await member.propose(payload)
        latenciesMs.push(performance.now() - sentAt)
        if (pendingAcks.length === 0) setImmediate(flushAcks)
        pendingAcks.push([tag, formatZxid(zxid)])
      } catch (error) {
        failed.push([tag, error instanceof MemberError ? error.code : String(error)])
        if (error instanceof MemberError && error.code !== 'busy') break
      }
    }
  }
  await Promise.all(Array.from({ length: concurrency }, worker))
  flushAcks()
  const elapsedMs = performance.now() - started
  latenciesMs.sort((a, b) => a - b)
  reply({
    done: true,
    committed: latenciesMs.length,
    failed,
    elapsedMs,
    p50Ms: percentile(latenciesMs, 50),
    p99Ms: percentile(latenciesMs, 99),
    maxMs: latenciesMs.at(-1) ?? NaN,
    logFsyncs: member.stats.logFsyncs - before.logFsyncs,
    loggedRecords: member.stats.loggedRecords - before.loggedRecords,
    readies: member.stats.readies - before.readies,
  })
}

/** Waits until this member leads an established epoch, commits one entry, reports when. */
async function commitWhenLeader(member: Member, request: Record<string, unknown>, reply: Reply): Promise<void> {
  const deadline = Date.now() + Number(request.timeoutMs ?? 10_000)
  while (Date.now() < deadline) {
    const s = member.status()
    if (s.role === 'leading' && s.serving) {
      try {
        const zxid = await member.propose(Buffer.from(String(request.tag ?? 'first')))
        return reply({ done: true, committedAtMs: Date.now(), zxid: formatZxid(zxid) })
      } catch {
        // Lost the leadership again before committing: keep waiting.
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 1))
  }
  reply({ done: true, timeout: true })
}

main().catch((error: unknown) => {
  process.stderr.write(`member process failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
  process.exit(1)
})
