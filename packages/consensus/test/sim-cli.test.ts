import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import t from 'tap'

const cli = fileURLToPath(new URL('../src/sim-cli.ts', import.meta.url))
const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import=tsx', '--conditions=zoo-source', cli, ...args], { encoding: 'utf8', timeout: 120_000 })

t.test('a clean range prints one summary line and exits 0', async (t) => {
  const r = run('--seeds', '5', '--start', '10', '--members', '5', '--observers', '1')
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /^zoo-sim: seeds 10\.\.14 \(5\), 5 voters \+ 1 observer: 0 violations; \d+ commits/)
  t.equal(r.stdout.trim().split('\n').length, 1)
})

t.test('a violation prints the seed, the trace and how to replay it, and exits 1', async (t) => {
  const r = run('--seeds', '50', '--start', '1', '--unsafe-faults', 'ackBeforeFsync', '--trace-lines', '30')
  t.equal(r.status, 1)
  const seed = /VIOLATION at seed (\d+)/.exec(r.stdout)?.[1]
  t.ok(seed, r.stdout.slice(0, 300))
  t.match(r.stdout, new RegExp(`seed ${seed}: (safety|invariant) violation: `))
  t.match(r.stdout, new RegExp(`replay: npx zoo-sim --seeds 1 --start ${seed} --members 3 --observers 0 --unsafe-faults ackBeforeFsync`))
  t.match(r.stdout, /event trace:\n/)
  t.match(r.stdout, /VIOLATION -/)
  const again = run('--seeds', '1', '--start', seed!, '--unsafe-faults', 'ackBeforeFsync', '--trace-lines', '30')
  t.equal(again.status, 1)
  t.equal(again.stdout.split('event trace:')[1], r.stdout.split('event trace:')[1], 'the replay prints the same trace')
})

t.test('bad arguments exit 2 with usage', async (t) => {
  for (const args of [['--members', '4'], ['--seeds', 'x'], ['--unsafe-faults', 'nope'], ['--bogus']]) {
    const r = run(...args)
    t.equal(r.status, 2, args.join(' '))
    t.match(r.stderr, /usage: zoo-sim/)
  }
})
