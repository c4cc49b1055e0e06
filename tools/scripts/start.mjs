// `npm start`: start a local 3-member cluster with the `zoo` CLI once @zoo/server exists.
import { existsSync } from 'node:fs'
import { spawnSync } from 'node:child_process'

const cli = new URL('../../packages/server/dist/cli.js', import.meta.url)
if (!existsSync(cli)) {
  console.log('zoo: nothing to start yet (the server, @zoo/server, has not landed). Run `npm test` to test what has.')
  process.exit(0)
}
const result = spawnSync(process.execPath, [cli.pathname, 'cluster', 'up', '--nodes', '3', ...process.argv.slice(2)], { stdio: 'inherit' })
process.exit(result.status ?? 1)
