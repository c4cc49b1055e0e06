/**
 * The benchmark's members, in their own process so that the watchers' process measures watching
 * only: COUNT sessions, one member each, driven by commands on stdin.
 * usage: member-farm.ts HOSTS PATH COUNT
 * stdout: `ready` once the sessions are open; `start <ns>` / `joined <ns>` around the join burst
 *         (`join`); `leaving <id> <ns>` just before leave() (`leave <id>`), `left <id> <ns>` after.
 */
import { createInterface } from 'node:readline'
import * as z from 'zod'
import { createClient, type ZooKeeperClient } from '@zoo/client'
import { Group, type Membership } from '../src/index.js'

const [hosts, path, countText] = process.argv.slice(2)
if (!hosts || !path || !countText) throw new Error('usage: member-farm.ts HOSTS PATH COUNT')
const count = Number(countText)
const schema = z.object({ i: z.number().int(), host: z.string(), port: z.number().int() })
const say = (line: string) => process.stdout.write(`${line}\n`)

const clients: ZooKeeperClient[] = []
for (let i = 0; i < count; i += 50) clients.push(...(await Promise.all(Array.from({ length: Math.min(50, count - i) }, () => createClient(hosts, { sessionTimeoutMs: 30_000 })))))
const members = new Map<string, Membership<z.input<typeof schema>>>()
say('ready')
for await (const line of createInterface({ input: process.stdin })) {
  const [command, id] = line.split(' ')
  if (command === 'join') {
    say(`start ${process.hrtime.bigint()}`)
    const joined = await Promise.all(clients.map((zk, i) => new Group(zk, path, { schema }).join({ i, host: `10.0.${i >> 8}.${i & 255}`, port: 8080 }, { id: `m${String(i).padStart(4, '0')}` })))
    say(`joined ${process.hrtime.bigint()}`)
    for (const m of joined) members.set(m.id, m)
  } else if (command === 'leave') {
    say(`leaving ${id} ${process.hrtime.bigint()}`)
    await members.get(id!)!.leave()
    say(`left ${id} ${process.hrtime.bigint()}`)
  } else break
}
await Promise.all(clients.map((zk) => zk.close()))
process.exit(0)
