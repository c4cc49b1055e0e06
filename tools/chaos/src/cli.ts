#!/usr/bin/env node
/**
 * npm run chaos -- --members 5 --time 120 --faults kill,pause,partition,clock,disk --seed 7 --target apache --report dir
 * Exit code: 0 pass, 1 fail (violations or no recovery), 2 unknown (the checker could not decide), 3 usage or harness error.
 */
import { parseArgs } from 'node:util'
import { z } from 'zod'
import { BROKEN_MODES } from './broken.js'
import { FAULT_KINDS, type FaultKind } from './faults/schedule.js'
import { runChaos } from './runner.js'
import { TARGETS } from './targets/target.js'

const USAGE = `usage: chaos [--members 3] [--time 60] [--faults kill,pause,partition] [--seed N] [--target apache|zoo] [--report dir]
             [--tick-time 1000] [--session-timeout 6000] [--registers 3] [--processes 2*members] [--rate 150]
             [--broken ack-before-quorum]   (test-only: the checker must catch it)
faults: ${FAULT_KINDS.join(', ')} (or "all")`

const schema = z.strictObject({
  members: z.coerce.number().int().min(1).max(9).default(3),
  time: z.coerce.number().int().min(5).max(24 * 3600).default(60),
  faults: z
    .string()
    .default('kill,pause,partition')
    .transform((text) => (text === 'all' ? [...FAULT_KINDS] : text === 'none' ? [] : text.split(',').map((s) => s.trim())))
    .pipe(z.array(z.enum(FAULT_KINDS))),
  seed: z.coerce.number().int().min(0).max(2 ** 32 - 1).default(() => Math.floor(Math.random() * 2 ** 31)),
  target: z.enum(TARGETS).default('apache'),
  report: z.string().default(''),
  'tick-time': z.coerce.number().int().min(100).max(10_000).default(1_000),
  'session-timeout': z.coerce.number().int().min(2_000).max(60_000).default(6_000),
  registers: z.coerce.number().int().min(1).max(100).default(3),
  processes: z.coerce.number().int().min(1).max(200).optional(),
  rate: z.coerce.number().min(1).max(100_000).default(150),
  broken: z.enum(BROKEN_MODES).optional(),
  help: z.boolean().optional(),
})

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: Object.fromEntries(Object.keys(schema.shape).map((name) => [name, { type: name === 'help' ? 'boolean' : 'string' }])) as Record<string, { type: 'string' | 'boolean' }>,
    strict: true,
  })
  const parsed = schema.safeParse(values)
  if (!parsed.success) {
    process.stderr.write(`${z.prettifyError(parsed.error)}\n${USAGE}\n`)
    return 3
  }
  if (parsed.data.help) {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  const o = parsed.data
  const reportDir = o.report || `chaos-report-${o.target}-${o.seed}`
  const { report, reportDir: written } = await runChaos({
    target: o.target,
    members: o.members,
    durationMs: o.time * 1000,
    faults: o.faults as FaultKind[],
    seed: o.seed,
    reportDir,
    tickTimeMs: o['tick-time'],
    sessionTimeoutMs: o['session-timeout'],
    registers: o.registers,
    processes: o.processes,
    opsPerSecond: o.rate,
    broken: o.broken,
  })
  const { readFileSync } = await import('node:fs')
  process.stdout.write(`\n${readFileSync(`${written}/summary.txt`, 'utf8')}\nreport: ${written} (summary.txt, report.json, history.json, timeline.svg)\n`)
  return report.verdict === 'pass' ? 0 : report.verdict === 'fail' ? 1 : 2
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    process.stderr.write(`chaos: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`)
    process.exit(3)
  },
)
