import { parseArgs } from 'node:util'
import { parseLocalTarget } from '@zoo/testkit'
import { runDemo } from './demo.js'

const { values } = parseArgs({
  options: {
    workers: { type: 'string', default: '5' },
    'session-timeout': { type: 'string', default: '4000' },
    target: { type: 'string' },
  },
})
const options = { workers: Number(values.workers), sessionTimeoutMs: Number(values['session-timeout']), target: parseLocalTarget(values.target) }
const result = await runDemo((line) => console.log(line), options)
process.exitCode = result.killedGoneMs <= result.sessionTimeoutMs + 2_000 && result.pausedGoneMs <= result.sessionTimeoutMs + 2_000 ? 0 : 1
