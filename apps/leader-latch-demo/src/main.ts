// npm run demo:leader (root) -> npm run demo -w @zoo/leader-latch-demo
import { runDemo } from './demo.js'

const result = await runDemo({ candidates: 4, sessionTimeoutMs: 3_000, tickTimeMs: 500, pauseMs: 6_000, print: (line) => console.log(line) })
process.exit(result.ok ? 0 : 1)
