import t from 'tap'
import { fourLetterWord, startZooCluster, waitFor } from '../src/index.js'

t.test('a 3-member zoo cluster elects a leader, survives kill -9 of it, and takes the member back', async (t) => {
  const zoo = await startZooCluster({ members: 3, tickTimeMs: 200 })
  t.teardown(() => zoo.stop())
  t.equal(zoo.connectString.split(',').length, 3)
  const modes = await Promise.all(zoo.members.map((m) => zoo.mode(m.id)))
  t.same(modes.filter((m) => m === 'leader').length, 1, `one leader among ${modes.join(',')}`)
  const leader = zoo.members[modes.indexOf('leader')]!
  await zoo.kill(leader.id)
  t.equal(await zoo.mode(leader.id), undefined, 'a killed member answers nothing')
  await waitFor(async () => (await Promise.all(zoo.members.map((m) => zoo.mode(m.id)))).includes('leader'), 60_000, 'a new leader')
  await zoo.start(leader.id)
  await waitFor(async () => (await zoo.mode(leader.id)) === 'follower', 60_000, 'the old leader to follow')
  t.pass('the old leader rejoined as a follower')
})

t.test('a standalone zoo member with a whitelist and its admin port', async (t) => {
  const zoo = await startZooCluster({ fourLetterWords: ['srvr'], adminServer: true })
  t.teardown(() => zoo.stop())
  const member = zoo.members[0]!
  t.equal(await zoo.mode(1), 'standalone')
  t.match(await fourLetterWord(member.clientPort, 'mntr'), /not executed because it is not in the whitelist/)
  const body = (await (await fetch(`http://127.0.0.1:${member.adminPort}/commands/monitor`)).json()) as { server_state?: string }
  t.equal(body.server_state, 'standalone')
})
