// The `zoo-shell` bin: `zoo-shell <connect-string> [command...]`. Options are read only before
// the connect string: everything after it is the shell command, flags (`create -e`) included.
import { COMMANDS_USAGE, runShell } from './shell.js'

const USAGE = `usage: zoo-shell <connect-string> [command...]
  connect-string  host:port[,host:port...][/chroot]
  command         run one command and exit (status 1 if it failed); none: an interactive prompt
${COMMANDS_USAGE}`

async function main(argv: string[]): Promise<number> {
  const [first, ...words] = argv
  if (first === '-h' || first === '--help') {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  if (first === undefined || first.startsWith('-')) {
    process.stderr.write(`${first === undefined ? 'zoo-shell: a connect string is required' : `zoo-shell: unknown option ${first}`}\n${USAGE}\n`)
    return 2
  }
  return await runShell(first, words)
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`zoo-shell: ${(e as Error).message}\n`)
    process.exitCode = 1
  },
)
