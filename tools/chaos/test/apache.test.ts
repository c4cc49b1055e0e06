import t from 'tap'
import { rewriteApacheElectionHello } from '../src/targets/apache.js'
import { MemberProcesses } from '../src/targets/ensemble.js'

function hello(version: bigint, sid: bigint, address: string): Buffer {
  const head = Buffer.alloc(20)
  head.writeBigInt64BE(version, 0)
  head.writeBigInt64BE(sid, 8)
  head.writeInt32BE(Buffer.byteLength(address), 16)
  return Buffer.concat([head, Buffer.from(address)])
}

t.test('the election hello names the reverse proxy instead of the real port', async (t) => {
  const rewrite = rewriteApacheElectionHello(1, 3, 40123)
  const original = hello(-65536n, 1n, '127.0.0.1:35001')
  t.equal(rewrite(original.subarray(0, 19)), undefined, 'waits for the header')
  t.equal(rewrite(original.subarray(0, 25)), undefined, 'and for the address')
  const result = rewrite(Buffer.concat([original, Buffer.from('next message')]))!
  t.same(result.output, hello(-65536n, 1n, '127.0.0.1:40123'))
  t.equal(result.consumed, original.length)
  t.same(rewrite(hello(-65535n, 1n, '127.0.0.1:1|[::1]:2'))!.output, hello(-65535n, 1n, '127.0.0.1:40123'), 'protocol v2, several addresses')
  const old = Buffer.alloc(8)
  old.writeBigInt64BE(1n)
  t.same(rewrite(old), { output: Buffer.alloc(0), consumed: 0 }, 'an old-style hello (bare sid) names no address')
  t.throws(() => rewrite(hello(-65536n, 2n, 'x:1')), /carries sid 2/, 'a hello from someone else on this link is refused')
  t.throws(() => rewrite(hello(-7n, 1n, 'x:1')), /unknown election protocol version/)
})

t.test('each member\'s zoo.cfg lists its own real ports and the proxies to its peers', async (t) => {
  const members = [1, 2, 3].map((id) => ({ id, clientPort: 2180 + id, quorumPort: 3000 + id, electionPort: 4000 + id }))
  const processes = new MemberProcesses({ members, dir: '/tmp/x', tickTimeMs: 500, peerAddress: (from, to) => ({ quorumPort: 10_000 + from * 10 + to, electionPort: 20_000 + from * 10 + to }) }, { command: 'true', args: () => [] })
  const config = processes.config(members[1]!)
  t.match(config, /^tickTime=500$/m)
  t.match(config, /^clientPort=2182$/m)
  t.match(config, /^server\.1=127\.0\.0\.1:10021:20021$/m, 'peer 1 through proxy 2->1')
  t.match(config, /^server\.2=127\.0\.0\.1:3002:4002$/m, 'its own line is real: it binds there')
  t.match(config, /^server\.3=127\.0\.0\.1:10023:20023$/m)
  const lines = (text: string) => text.split('\n').filter((l) => !l.startsWith('server.') && !l.startsWith('dataDir') && !l.startsWith('clientPort='))
  t.same(lines(processes.config(members[0]!)), lines(config), 'the files differ only in ports and paths')
})
