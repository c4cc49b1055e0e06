// `zoo-sim`: runs seeded simulations of a whole ensemble and checks them after every step.
//   npx zoo-sim --seeds 1000 --start 1 --members 3 --observers 1
// Prints one summary line; on a violation prints the seed, what broke, the event trace and the
// command that replays it, and exits 1. The same seed always replays the same run.
import { parseArgs } from 'node:util'
import type { UnsafeTestFaults } from './core/config.js'
import { unsafeTestFaultsSchema } from './core/config.js'
import { formatSummary, runSeeds, type SeedRange } from './sim/run.js'

const USAGE = `usage: zoo-sim --seeds N --start S [--members 3|5] [--observers K]
                [--trace-lines L] [--live-bound TICKS] [--progress]
                [--unsafe-faults ackBeforeFsync,currentEpochBeforeTxns,voteWithCommittedZxid,noFollowerAheadCheck,
                                 ackBeforeQuorum]`

function fail(message: string): never {
  process.stderr.write(`zoo-sim: ${message}\n${USAGE}\n`)
  process.exit(2)
}

function count(value: string | undefined, name: string, fallback: number, min = 0): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (!Number.isInteger(n) || n < min) fail(`--${name} must be an integer >= ${min}, got ${value}`)
  return n
}

function parseFaults(list: string | undefined): UnsafeTestFaults | undefined {
  if (list === undefined) return undefined
  const names = list.split(',').filter((s) => s !== '')
  const known = Object.keys(unsafeTestFaultsSchema.shape)
  for (const n of names) if (!known.includes(n)) fail(`unknown fault ${n} (known: ${known.join(', ')})`)
  return Object.fromEntries(names.map((n) => [n, true]))
}

function main(): void {
  let args
  try {
    args = parseArgs({
      options: {
        seeds: { type: 'string' },
        start: { type: 'string' },
        members: { type: 'string' },
        observers: { type: 'string' },
        'trace-lines': { type: 'string' },
        'live-bound': { type: 'string' },
        'unsafe-faults': { type: 'string' },
        progress: { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
    }).values
  } catch (e) {
    fail((e as Error).message)
  }
  if (args.help) {
    process.stdout.write(`${USAGE}\n`)
    return
  }
  const voters = count(args.members, 'members', 3, 1)
  if (voters !== 3 && voters !== 5) fail('--members must be 3 or 5')
  const faults = parseFaults(args['unsafe-faults'])
  const liveBound = args['live-bound'] === undefined ? undefined : count(args['live-bound'], 'live-bound', 60, 1)
  const range: SeedRange = {
    start: count(args.start, 'start', 1),
    count: count(args.seeds, 'seeds', 1, 1),
    voters,
    observers: count(args.observers, 'observers', 0),
    ...(faults && { faults }),
    ...(liveBound !== undefined && { liveBoundTicks: liveBound }),
  }
  const step = Math.max(1, Math.floor(range.count / 20))
  const summary = runSeeds(range, args.progress ? (n) => n % step === 0 && process.stderr.write(`  ${n}/${range.count} seeds\n`) : undefined)
  process.stdout.write(`${formatSummary(range, summary)}\n`)
  const f = summary.failure
  if (f === undefined) return
  const v = f.violation!
  const replay = [
    'npx zoo-sim --seeds 1',
    `--start ${f.seed}`,
    `--members ${voters}`,
    `--observers ${range.observers}`,
    ...(args['unsafe-faults'] ? [`--unsafe-faults ${args['unsafe-faults']}`] : []),
    ...(liveBound !== undefined ? [`--live-bound ${liveBound}`] : []),
  ].join(' ')
  process.stdout.write(`\nseed ${f.seed}: ${v.kind} violation: ${v.message}\nscenario: ${JSON.stringify(f.scenario)}\nreplay: ${replay}\n\nevent trace:\n`)
  process.stdout.write(`${f.trace.format(count(args['trace-lines'], 'trace-lines', 400, 1))}\n`)
  process.exitCode = 1
}

main()
