// npm run demo:leader (root) -> npm run demo -w @zoo/leader-latch-demo
import { parseArgs } from 'node:util'
import { parseLocalTarget } from '@zoo/testkit'
import { runDemo } from './demo.js'

const { values } = parseArgs({ options: { target: { type: 'string' } } })
const target = parseLocalTarget(values.target)
const result = await runDemo({ candidates: 4, sessionTimeoutMs: 3_000, tickTimeMs: 500, pauseMs: 6_000, target, print: (line) => console.log(line) })
process.exit(result.ok ? 0 : 1)
