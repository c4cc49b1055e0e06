import { parseArgs } from 'node:util'
import { parseLocalTarget } from '@zoo/testkit'
import { runDemo } from './demo.js'

const { values } = parseArgs({ options: { target: { type: 'string' } } })
await runDemo((line) => console.log(line), { target: parseLocalTarget(values.target) })
