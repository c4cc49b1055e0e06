// Sums tap's per-package totals in a test log into the one line CI reads: `N passed, M failed`.
// tap's base reporter ends each run with `Asserts:  N pass  M fail ...`.
import { readFileSync } from 'node:fs'

const log = readFileSync(process.argv[2] ?? 0, 'utf8').replace(/\x1b\[[0-9;]*m/g, '')
let passed = 0
let failed = 0
let runs = 0
for (const match of log.matchAll(/^Asserts:\s+(\d+) pass\s+(\d+) fail/gm)) {
  passed += Number(match[1])
  failed += Number(match[2])
  runs += 1
}
// A package whose test run crashed before tap's summary counts as a failure, never as nothing.
const crashed = (log.match(/^# \{ total: \d+, pass: \d+, fail: \d+/gm) ?? []).length - runs
if (crashed > 0) failed += crashed
console.log(`${passed} passed, ${failed} failed`)
