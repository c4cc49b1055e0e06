// The shell's commands in-process, against a real zoo member and a real Apache ZooKeeper 3.8 (the
// same script on both), and its stat layout against what Apache's zkCli.sh prints for one node.
import t from 'tap'
import { execFile } from 'node:child_process'
import { createClient } from '@zoo/client'
import { freePort, startApacheZooKeeper, startZooCluster } from '@zoo/testkit'
import { formatStat, javaDate, runShell, splitWords } from '../src/index.js'
import type { ShellIo } from '../src/index.js'

// Two real servers (a JVM and a Node member) on a shared 2-core machine.
t.setTimeout(240_000)

t.test('splitWords: quotes keep spaces, backslashes escape inside double quotes', async (t) => {
  t.same(splitWords('create  /a "hello world"'), ['create', '/a', 'hello world'])
  t.same(splitWords(`set /a 'it is' "say \\"hi\\""`), ['set', '/a', 'it is', 'say "hi"'])
  t.same(splitWords('   '), [])
})

t.test('javaDate prints java.util.Date#toString in UTC (two-digit day)', async (t) => {
  t.equal(javaDate(Date.UTC(2026, 10, 27, 13, 56, 29)), 'Fri Nov 27 13:56:29 UTC 2026')
  t.equal(javaDate(Date.UTC(2026, 0, 5, 1, 2, 3)), 'Mon Jan 05 01:02:03 UTC 2026')
})

t.test('no server: a clear error naming the connect string, after the session timeout', async (t) => {
  const closed = `127.0.0.1:${await freePort()}`
  await t.rejects(runShell(closed, ['ls', '/'], { out: () => undefined, err: () => undefined }, { sessionTimeoutMs: 1_000 }), {
    message: `no session with ${closed} within 1000 ms (CONNECTIONLOSS: connect ECONNREFUSED ${closed})`,
  })
})

/** Runs one shell command in this process, collecting what it prints. */
async function shell(connectString: string, ...words: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = []
  const err: string[] = []
  const io: ShellIo = { out: (line) => out.push(line), err: (line) => err.push(line) }
  const code = await runShell(connectString, words, io)
  return { code, out: out.join('\n'), err: err.join('\n') }
}

const [zoo, apache] = await Promise.all([startZooCluster({ members: 1 }), startApacheZooKeeper({ members: 1 })])
t.teardown(() => Promise.all([zoo.stop(), apache.stop()]))

for (const [name, server] of [['zoo', zoo], ['apache', apache]] as const) {
  t.test(`commands against ${name}`, async (t) => {
    const cs = server.connectString
    t.match((await shell(cs, 'create', '-e', '-s', '/sh-', 'x')).out, /^Created \/sh-\d{10}$/)
    t.same(await shell(cs, 'create', '/shell', 'hello world'), { code: 0, out: 'Created /shell', err: '' })
    t.equal((await shell(cs, 'get', '/shell')).out, 'hello world', 'a word with a space arrives whole')
    t.equal((await shell(cs, 'set', '/shell', 'line 1\nline "2"')).code, 0)
    t.equal((await shell(cs, 'get', '/shell')).out, 'line 1\nline "2"', 'argv words are not re-split or unescaped')
    t.match((await shell(cs, 'stat', '/shell')).out, /^dataVersion = 1$/m)
    t.match((await shell(cs, 'set', '-s', '-v', '1', '/shell', 'v2')).out, /^dataVersion = 2$/m)
    t.same(await shell(cs, 'set', '-v', '1', '/shell', 'stale'), { code: 1, out: '', err: 'BADVERSION: /shell' })
    t.equal((await shell(cs, 'create', '/shell/child')).code, 0)
    t.equal((await shell(cs, 'ls', '/shell')).out, '[child]')
    t.match((await shell(cs, 'ls', '/')).out, /^\[.*\bshell\b.*\]$/)
    t.same(await shell(cs, 'get', '/missing'), { code: 1, out: '', err: 'NONODE: /missing' })
    t.same(await shell(cs, 'delete', '/shell'), { code: 1, out: '', err: 'NOTEMPTY: /shell' })
    t.equal((await shell(cs, 'deleteall', '/shell')).code, 0)
    t.same(await shell(cs, 'stat', '/shell'), { code: 1, out: '', err: 'Node does not exist: /shell' })
    t.equal((await shell(cs, 'sync', '/')).out, 'Sync is OK')
    t.match((await shell(cs, 'getAcl', '/')).out, /^'world,'anyone\n: cdrwa$/)
    const unknown = await shell(cs, 'frobnicate')
    t.equal(unknown.code, 1)
    t.match(unknown.err, /^unknown command: frobnicate\ncommands:/)
  })

  t.test(`get -w against ${name} prints the data, then the event it waited for`, async (t) => {
    const cs = server.connectString
    await shell(cs, 'create', '/watched', 'a')
    const other = await createClient(cs, { sessionTimeoutMs: 10_000 })
    t.teardown(() => other.close())
    const out: string[] = []
    // The data is printed once the read that set the watch has returned: change it only then.
    let printed: () => void = () => undefined
    const dataShown = new Promise<void>((resolve) => (printed = resolve))
    const watching = runShell(cs, ['get', '-w', '/watched'], { out: (line) => (out.push(line), printed()), err: (line) => out.push(line) })
    await dataShown
    await other.setData('/watched', 'b')
    t.equal(await watching, 0)
    t.same(out, ['a', 'WATCHER:: {"type":"dataChanged","path":"/watched"}'])
    await other.delete('/watched')
  })
}

t.test('stat prints the lines zkCli.sh prints for the same node', async (t) => {
  const cs = apache.connectString
  await shell(cs, 'create', '/compared', 'twelve bytes')
  const ours = (await shell(cs, 'stat', '/compared')).out.split('\n')
  const zkCli = await new Promise<string>((resolve, reject) =>
    execFile('/usr/share/zookeeper/bin/zkCli.sh', ['-server', cs, 'stat', '/compared'], { timeout: 60_000, env: { ...process.env, TZ: 'UTC' } }, (error, stdout, stderr) =>
      error === null ? resolve(stdout) : reject(new Error(`${error.message}\n${stderr}`)),
    ),
  )
  const theirs = zkCli.split('\n').filter((line) => /^\w+ = /.test(line))
  t.equal(ours.length, 11)
  t.same(ours, theirs)
})

t.test('formatStat: zkCli field order and hex zxids', async (t) => {
  const stat = { czxid: 0x100000002n, mzxid: 0x100000003n, ctime: 0n, mtime: 1000n, version: 3, cversion: 0, aversion: 0, ephemeralOwner: -1n, dataLength: 5, numChildren: 2, pzxid: 0x100000002n }
  t.same(formatStat(stat).split('\n'), [
    'cZxid = 0x100000002',
    'ctime = Thu Jan 01 00:00:00 UTC 1970',
    'mZxid = 0x100000003',
    'mtime = Thu Jan 01 00:00:01 UTC 1970',
    'pZxid = 0x100000002',
    'cversion = 0',
    'dataVersion = 3',
    'aclVersion = 0',
    'ephemeralOwner = 0xffffffffffffffff',
    'dataLength = 5',
    'numChildren = 2',
  ])
})
