// Entry of a candidate process: `node candidate.js '<json config>'`.
import { runCandidate } from './candidate.js'

runCandidate(JSON.parse(process.argv[2] ?? '{}')).catch((error: unknown) => {
  console.error(error)
  process.exit(2)
})
