import { runCli, USAGE } from './cli.js'

const io = { out: (line: string) => process.stdout.write(`${line}\n`), err: (line: string) => process.stderr.write(`${line}\n`) }

try {
  const dashboard = await runCli(process.argv.slice(2), io)
  if (dashboard) {
    const stop = () => void dashboard.close().then(() => process.exit(0))
    process.once('SIGINT', stop)
    process.once('SIGTERM', stop)
  }
} catch (error) {
  io.err(`zoo-dashboard: ${error instanceof Error ? error.message : String(error)}`)
  if (error instanceof TypeError) io.err(USAGE)
  process.exit(2)
}
