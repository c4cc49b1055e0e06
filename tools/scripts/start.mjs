// `npm start`: build what runs (nx caches it), start a local 3-member zoo cluster in .zoo/,
// then serve the dashboard for it in the foreground. Ctrl-C stops the dashboard; the cluster
// keeps running until `npx zoo cluster down`.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('../../', import.meta.url))
const dir = process.env.ZOO_DIR ?? '.zoo'
const dashboardPort = process.env.ZOO_DASHBOARD_PORT ?? '8080'

function run(command, args, options = {}) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', ...options })
  if (result.status !== 0) process.exit(result.status ?? 1)
  return result
}

console.log('zoo: building the server and the dashboard (cached after the first time)...')
run('npx', ['nx', 'run-many', '-t', 'build', '-p', '@zoo/server', '@zoo/dashboard', '--outputStyle=static'], {
  stdio: ['ignore', 'ignore', 'inherit'],
  env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
})

const state = resolve(root, dir, 'cluster.json')
const alive = (pid) => {
  try { process.kill(pid, 0); return true } catch { return false }
}
const running = existsSync(state) && JSON.parse(readFileSync(state, 'utf8')).members.some((m) => m.pid && alive(m.pid))
if (running) console.log(`zoo: the cluster in ${dir}/ is already running`)
else run(process.execPath, ['packages/server/dist/cli.js', 'cluster', 'up', '--nodes', '3', '--dir', dir, ...process.argv.slice(2)])

const { members } = JSON.parse(readFileSync(state, 'utf8'))
const connect = members.map((m) => `127.0.0.1:${m.clientPort}`).join(',')
const admin = members.map((m) => `127.0.0.1:${m.clientPort}=${m.adminPort}`).join(',')
console.log(`
connect:     ${connect}
shell:       npx zoo shell ${connect}
status:      npx zoo cluster status --dir ${dir}
stop:        npx zoo cluster down --dir ${dir}
`)
const dashboard = spawn(process.execPath, ['packages/dashboard/dist/bin.js', '--connect', connect, '--admin', admin, '--port', dashboardPort], { cwd: root, stdio: 'inherit' })
process.on('SIGINT', () => dashboard.kill('SIGINT'))
dashboard.on('exit', (code) => {
  console.log(`zoo: dashboard stopped; the cluster keeps running (npx zoo cluster down --dir ${dir})`)
  process.exit(code ?? 0)
})
