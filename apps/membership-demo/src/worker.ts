/**
 * One worker: a process that joins the group and stays until told to go (SIGTERM: leave, then
 * exit). It reports what its membership sees, one JSON line per event, so the demo can show
 * the worker's side too (its registration lost while paused, its return on a new session).
 * usage: worker.ts CONNECT_STRING GROUP_PATH NAME SESSION_TIMEOUT_MS
 */
import { createClient } from '@zoo/client'
import { Group } from '@zoo/membership'
import { WorkerInfo } from './schema.js'

const [connectString, path, name, timeout] = process.argv.slice(2)
if (!connectString || !path || !name || !timeout) throw new Error('usage: worker.ts CONNECT_STRING GROUP_PATH NAME SESSION_TIMEOUT_MS')
const say = (event: string, fields: Record<string, unknown> = {}) => process.stdout.write(`${JSON.stringify({ event, worker: name, atMs: Date.now(), ...fields })}\n`)

const zk = await createClient(connectString, { sessionTimeoutMs: Number(timeout) })
const group = new Group(zk, path, { schema: WorkerInfo })
const membership = await group.join({ pid: process.pid, startedAtMs: Date.now(), slots: 4 }, { id: name })
say('registered', { session: `0x${zk.sessionId.toString(16)}`, negotiatedTimeoutMs: zk.negotiatedTimeoutMs })
membership.on('registered', (info) => say('registered', { session: `0x${info.sessionId?.toString(16)}`, reregistration: info.reregistration, replacedLingering: info.replacedLingering }))
membership.on('lost', (error) => say('lost', { reason: error.reason }))
membership.on('suspended', () => say('suspended'))
membership.on('confirmed', () => say('confirmed'))
membership.on('error', (error) => say('error', { message: String(error) }))
process.once('SIGTERM', () => {
  void membership.leave().then(async () => {
    say('left')
    await zk.close()
    process.exit(0)
  })
})
setInterval(() => {}, 1 << 30)
