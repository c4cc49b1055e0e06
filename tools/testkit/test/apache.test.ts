import t from 'tap'
import { fourLetterWord, startApacheZooKeeper } from '../src/index.js'

t.test('a standalone Apache ZooKeeper starts on a free port and stops cleanly', async (t) => {
  const zk = await startApacheZooKeeper()
  t.teardown(() => zk.stop())
  const port = zk.members[0]!.clientPort
  t.equal(await fourLetterWord(port, 'ruok'), 'imok')
  t.match(await fourLetterWord(port, 'srvr'), /Mode: standalone/)
})
