/**
 * An ephemeral owner: a separate process (so the harness can kill -9 it) that opens one session,
 * creates a few ephemeral nodes and then just keeps its session alive. It reports on stdout, one
 * JSON object a line: {"session"}, {"created"} or {"failed"} per node, {"state"} changes, and
 * {"closed"} after a SIGTERM made it close its session.
 *
 * usage: owner-process <connect string> <parent path> <name prefix> <count> <sessionTimeoutMs>
 */
import { createClient } from '@zoo/client'

const [connect, parent, prefix, countText, timeoutText] = process.argv.slice(2)
if (connect === undefined || parent === undefined || prefix === undefined || countText === undefined || timeoutText === undefined) {
  process.stderr.write('usage: owner-process <connect string> <parent path> <name prefix> <count> <sessionTimeoutMs>\n')
  process.exit(2)
}
const say = (fields: Record<string, unknown>) => process.stdout.write(`${JSON.stringify(fields)}\n`)

// Members may be down or stopped while an owner starts: a few attempts, then give up quietly
// (an owner without a session owns nothing, which the harness records as such).
async function open() {
  for (let attempt = 1; ; attempt++) {
    try {
      return await createClient(connect!, { sessionTimeoutMs: Number(timeoutText), renewSessionOnExpiry: false })
    } catch (error) {
      if (attempt === 3) {
        say({ noSession: String(error) })
        process.exit(0)
      }
    }
  }
}
const zk = await open()
say({ session: zk.sessionId.toString() })
zk.on('state', (state) => say({ state }))
zk.on('error', (error) => say({ error: String(error) }))
for (let i = 0; i < Number(countText); i++) {
  const path = `${parent}/${prefix}-${i}`
  try {
    say({ created: await zk.create(path, prefix, { mode: 'ephemeral', timeoutMs: Number(timeoutText) }) })
  } catch (error) {
    say({ failed: path, error: String(error) })
  }
}
say({ ready: true })
process.once('SIGTERM', () => {
  zk.close().then(
    () => {
      say({ closed: true })
      process.exit(0)
    },
    (error: unknown) => {
      say({ closeFailed: String(error) })
      process.exit(1)
    },
  )
})
// Keep the event loop alive: the session lives as long as this process does.
setInterval(() => undefined, 1 << 30)
