import t from 'tap'
import { spawnSync } from 'node:child_process'

const cli = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', '--conditions=zoo-source', 'src/cli.ts', ...args], { encoding: 'utf8', timeout: 60_000 })

t.test('usage and argument errors', async (t) => {
  const help = cli('--help')
  t.equal(help.status, 0)
  t.match(help.stdout, /usage: chaos \[--members 3\]/)
  t.match(help.stdout, /faults: kill, pause, partition, clock, disk, delay, cut/)
  const bad = cli('--faults', 'kill,flood')
  t.equal(bad.status, 3, 'a bad fault name is a usage error')
  t.match(bad.stderr, /faults/)
  const unknown = cli('--memebers', '5')
  t.equal(unknown.status, 3, 'an unknown option too')
  t.match(unknown.stderr, /memebers/)
  const target = cli('--target', 'etcd')
  t.equal(target.status, 3)
  t.match(target.stderr, /target/)
})
