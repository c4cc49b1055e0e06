import t from 'tap'
import { fourLetterWord, startApacheZooKeeper } from '../src/index.js'

t.test('a standalone Apache ZooKeeper starts on a free port and stops cleanly', async (t) => {
  const zk = await startApacheZooKeeper()
  t.teardown(() => zk.stop())
  const port = zk.members[0]!.clientPort
  t.equal(await fourLetterWord(port, 'ruok'), 'imok')
  t.match(await fourLetterWord(port, 'srvr'), /Mode: standalone/)
})

t.test('fourLetterWords and adminServer: only srvr answers, the AdminServer serves JSON on its own port', async (t) => {
  const zk = await startApacheZooKeeper({ fourLetterWords: ['srvr'], adminServer: true })
  t.teardown(() => zk.stop())
  const member = zk.members[0]!
  t.match(await fourLetterWord(member.clientPort, 'srvr'), /Mode: standalone/)
  t.match(await fourLetterWord(member.clientPort, 'mntr'), /not executed because it is not in the whitelist/)
  t.ok(member.adminPort, 'the member has an admin port')
  const response = await fetch(`http://127.0.0.1:${member.adminPort}/commands/monitor`)
  const body = (await response.json()) as { server_state?: string; command?: string }
  t.equal(body.command, 'monitor')
  t.equal(body.server_state, 'standalone')
})

t.test('a whitelist without ruok or srvr is refused (startup could not tell when a member is up)', async (t) => {
  await t.rejects(startApacheZooKeeper({ fourLetterWords: ['mntr'] }), /must include ruok or srvr/)
})
