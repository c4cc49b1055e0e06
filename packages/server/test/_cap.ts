import { startApacheZooKeeper, fourLetterWord, freePort } from '@zoo/testkit'
import { spawn } from 'node:child_process'
import { writeFileSync } from 'node:fs'
const words = ['ruok','srvr','stat','mntr','conf','cons','wchs','wchc','wchp','dump','envi','isro','dirs','gtmk','xxxx']
const commands = ['ruok','server_stats','stat','monitor','configuration','connections','watch_summary','watches','dump','environment','is_read_only','leader','voting_view','','commands', 'stats']
async function run(n: number, adminPort?: number) {
  const zk = await startApacheZooKeeper(adminPort ? { members: n, tickTimeMs: 2000, config: { 'admin.enableServer': 'true', 'admin.serverPort': adminPort, 'admin.serverAddress': '127.0.0.1' } , systemProperties: { 'zookeeper.admin.enableServer': 'true' } } : { members: n, tickTimeMs: 2000 })
  let out = ''
  try {
    const kz = spawn('python3', ['/tmp/srvcap/kz.py', `127.0.0.1:${zk.members[0]!.clientPort}`, '20'])
    await new Promise<void>((r) => kz.stdout.on('data', (d) => { out += `# kazoo ${d}`; r() }))
    for (const m of zk.members) {
      for (const w of words) out += `=== ${n}/${m.id} ${w}\n${await fourLetterWord(m.clientPort, w)}\n`
    }
    if (adminPort) for (const c of commands) {
      const res = await fetch(`http://127.0.0.1:${adminPort}/commands/${c}`)
      out += `=== admin ${c} ${res.status} ${res.headers.get('content-type')}\n${await res.text()}\n`
    }
    kz.kill()
  } finally { await zk.stop() }
  return out
}
writeFileSync('/tmp/srvcap/standalone.txt', await run(1, await freePort()))
writeFileSync('/tmp/srvcap/quorum.txt', await run(3))
