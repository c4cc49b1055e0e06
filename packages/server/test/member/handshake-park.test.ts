// A client handshake that reaches a member during an election waits for the outcome (bounded)
// instead of being refused at once, so a client that lost its leader is answered the moment
// the new quorum serves rather than after walking a ring of refusals and backing off.
import t from 'tap'
import { waitFor } from '@zoo/testkit'
import { decodeConnectResponse, encodeConnectRequest } from '@zoo/protocol'
import { RawClient } from '../support/raw-client.js'
import { startEnsemble } from '../support/servers.js'

const PARK_MS = 15_000
const ensemble = await startEnsemble(t, 3, { maxSessionTimeout: '200000' }, { maxHandshakeParkMs: PARK_MS })
const clients: RawClient[] = []
t.teardown(() => {
  for (const c of clients) c.destroy()
})

const clientPort = (id: number) => Number(ensemble.connectString.split(',')[id - 1]!.split(':')[1])
const serving = (id: number) => ensemble.servers[id - 1]?.status().serving === true

async function handshake(id: number, timeOut: number): Promise<RawClient> {
  const client = await RawClient.connect(clientPort(id))
  clients.push(client)
  client.send(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOut, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false }))
  return client
}

/** Leaves `keep` alone: its quorum is gone and it looks for a new one. */
async function isolate(keep: number): Promise<number[]> {
  for (const id of [1, 2, 3]) if (ensemble.servers[id - 1] === undefined) await ensemble.start(id)
  await waitFor(async () => [1, 2, 3].every(serving), 30_000, 'all three serving')
  const others = [1, 2, 3].filter((id) => id !== keep)
  for (const id of others) await ensemble.kill(id)
  await waitFor(async () => !serving(keep), 10_000, `member ${keep} to stop serving`)
  return others
}

t.test('a handshake during an election is answered once the member serves again', async (t) => {
  const [down] = await isolate(1)
  const client = await handshake(1, 150_000)
  t.ok(await client.quiet(200), 'neither answered nor refused while no quorum exists')
  await ensemble.start(down!)
  await waitFor(async () => serving(1), 30_000, 'member 1 serving again')
  const response = decodeConnectResponse(await client.frame(10_000))
  t.not(response.sessionId, 0n, 'a session, on the connection opened during the election')
  t.equal(response.timeOut, 150_000)
  t.notOk(client.closed)
})

t.test('a parked handshake is refused when its wait (a tenth of the session timeout) runs out', async (t) => {
  await isolate(2)
  const client = await handshake(2, 4_000)
  const sentAt = performance.now()
  await client.waitClosed(10_000)
  t.ok(performance.now() - sentAt >= 390, 'held for about 400 ms first')
  t.equal(client.raw.length, 0, 'closed without an answer, as Apache refuses a member without a quorum')
})

t.test('a member without a quorum for longer than an election refuses at once', async (t) => {
  // Still isolated from the test before; an election that has not ended after 2 s is no reason to wait.
  await new Promise((resolve) => setTimeout(resolve, 2_100))
  const client = await handshake(2, 150_000)
  await client.waitClosed(5_000)
  t.equal(client.raw.length, 0, `refused (a parked handshake would have been held up to ${PARK_MS} ms)`)
})
