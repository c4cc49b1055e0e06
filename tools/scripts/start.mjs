// `npm start`: build what runs (nx caches it), start a local 3-member zoo cluster in .zoo/ and
// the dashboard for it, print how to connect, and return. `npm stop` ends them.
import { spawn, spawnSync } from 'node:child_process'
import { existsSync, openSync, readFileSync, writeFileSync } from 'node:fs'
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
const build = spawnSync('npx', ['nx', 'run-many', '-t', 'build', '-p', '@zoo/server', '@zoo/dashboard', '--outputStyle=static'], {
  cwd: root,
  encoding: 'utf8',
  maxBuffer: 64 * 1024 * 1024,
  env: { ...process.env, NX_DAEMON: 'false', NX_NO_CLOUD: 'true', NX_TUI: 'false' },
})
if (build.status !== 0) {
  console.error(`zoo: the build failed:\n${build.stdout}${build.stderr}`)
  process.exit(build.status ?? 1)
}

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
stop:        npm stop
`)
const dashboardLog = resolve(root, dir, 'dashboard.log')
const dashboardPid = resolve(root, dir, 'dashboard.pid')
if (existsSync(dashboardPid) && alive(Number(readFileSync(dashboardPid, 'utf8')))) {
  console.log(`dashboard:   already running (${dashboardLog})`)
  process.exit(0)
}
// The dashboard runs in the background like the members, so the terminal stays free for the
// tutorial's steps; `npm stop` ends both.
const log = openSync(dashboardLog, 'w')
const dashboard = spawn(process.execPath, ['packages/dashboard/dist/bin.js', '--connect', connect, '--admin', admin, '--port', dashboardPort], { cwd: root, detached: true, stdio: ['ignore', log, log] })
dashboard.unref()
writeFileSync(dashboardPid, `${dashboard.pid}\n`)
const deadline = Date.now() + 30_000
while (Date.now() < deadline) {
  const url = /https?:\/\/\S+/.exec(readFileSync(dashboardLog, 'utf8'))
  if (url) {
    console.log(`dashboard:   ${url[0]}`)
    process.exit(0)
  }
  if (!alive(dashboard.pid)) break
  await new Promise((r) => setTimeout(r, 200))
}
console.error(`zoo: the dashboard did not start; see ${dashboardLog}:\n${readFileSync(dashboardLog, 'utf8')}`)
process.exit(1)
