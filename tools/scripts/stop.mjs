// `npm stop`: end the dashboard and the local cluster that `npm start` began (data is kept).
import { spawnSync } from 'node:child_process'
import { existsSync, readFileSync, rmSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const dir = process.env.ZOO_DIR ?? '.zoo'
const pidFile = resolve(root, dir, 'dashboard.pid')
if (existsSync(pidFile)) {
  try {
    process.kill(Number(readFileSync(pidFile, 'utf8')), 'SIGTERM')
  } catch (error) {
    if (error.code !== 'ESRCH') throw error
  }
  rmSync(pidFile)
}
const cli = resolve(root, 'packages/server/dist/cli.js')
if (existsSync(resolve(root, dir, 'cluster.json')) && existsSync(cli)) {
  const result = spawnSync(process.execPath, [cli, 'cluster', 'down', '--dir', dir, ...process.argv.slice(2)], { cwd: root, stdio: 'inherit' })
  process.exit(result.status ?? 1)
}
console.log('zoo: nothing running')
