// readonlymode.enabled: a member cut off from the quorum serves reads to clients that asked for
// read-only, answers writes with NOTREADONLY, says `ro` to isro, and goes back to normal (closing
// those connections) when the quorum returns.
import t from 'tap'
import { fourLetterWord, waitFor } from '@zoo/testkit'
import { createClient } from '@zoo/client'
import { decodeConnectResponse, decodeReply, encodeConnectRequest, encodeRequest, ErrorCode, OpCode } from '@zoo/protocol'
import { RawClient } from '../support/raw-client.js'
import { startEnsemble } from '../support/servers.js'

const ensemble = await startEnsemble(t, 3, { 'readonlymode.enabled': 'true' })
await waitFor(async () => ensemble.servers.every((s) => s?.status().serving), 20_000, 'all three serving')
const port = Number(ensemble.connectString.split(',')[0]?.split(':')[1])

t.test('a member without quorum serves read-only clients only', async (t) => {
  const zk = await createClient(ensemble.connectString.split(',')[0] as string, { sessionTimeoutMs: 4000 })
  await zk.create('/ro', 'before')
  await zk.close()
  await ensemble.kill(2)
  await ensemble.kill(3)
  await waitFor(async () => (await fourLetterWord(port, 'isro')) === 'ro', 15_000, 'member 1 to go read-only')
  t.match(await fourLetterWord(port, 'srvr'), /^Mode: read-only$/m)

  const rw = await RawClient.connect(port)
  rw.send(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOut: 4000, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: false }))
  await rw.waitClosed()
  t.pass('a client that did not ask for read-only is refused')

  const ro = await RawClient.connect(port)
  t.teardown(() => ro.destroy())
  ro.send(encodeConnectRequest({ protocolVersion: 0, lastZxidSeen: 0n, timeOut: 4000, sessionId: 0n, passwd: Buffer.alloc(16), readOnly: true }))
  const response = decodeConnectResponse(await ro.frame())
  t.equal(response.readOnly, true)
  t.not(response.sessionId, 0n)
  ro.send(encodeRequest(1, { type: OpCode.getData, path: '/ro', watch: false }))
  const read = decodeReply(await ro.frame(), OpCode.getData)
  t.equal((read.response as { data: Buffer }).data.toString(), 'before')
  ro.send(encodeRequest(2, { type: OpCode.setData, path: '/ro', data: Buffer.from('x'), version: -1 }))
  t.equal(decodeReply(await ro.frame(), OpCode.setData).header.err, ErrorCode.NOTREADONLY)
  ro.send(encodeRequest(3, { type: OpCode.sync, path: '/' }))
  t.equal(decodeReply(await ro.frame(), OpCode.sync).header.err, ErrorCode.NOTREADONLY)

  await ensemble.start(2)
  await ro.waitClosed(20_000)
  t.pass('read-only connections close when the quorum returns')
  await waitFor(async () => (await fourLetterWord(port, 'isro')) === 'rw', 20_000, 'member 1 back to read-write')
  const again = await createClient(ensemble.connectString.split(',')[0] as string, { sessionTimeoutMs: 4000 })
  await again.setData('/ro', 'after')
  await again.close()
})
