// The `zoo-shell` bin: `zoo-shell <connect-string> [command...]`. Options are read only before
// the connect string: everything after it is the shell command, flags (`create -e`) included.
import { readTlsFiles } from '@zoo/client'
import type { TlsFiles } from '@zoo/client'
import { COMMANDS_USAGE, runShell } from './shell.js'

const USAGE = `usage: zoo-shell [--tls-ca <file>] [--tls-cert <file>] [--tls-key <file>] <connect-string> [command...]
  --tls-ca        connect over TLS, trusting the CA certificates in this PEM file (ZOO_TLS_CA)
  --tls-cert      this client's certificate (PEM; may hold the key too, as Apache's PEM key store) (ZOO_TLS_CERT)
  --tls-key       the key of --tls-cert, when in a file of its own (ZOO_TLS_KEY)
  connect-string  host:port[,host:port...][/chroot]
  command         run one command and exit (status 1 if it failed); none: an interactive prompt
${COMMANDS_USAGE}`

const TLS_FLAGS: Record<string, keyof TlsFiles> = { '--tls-ca': 'ca', '--tls-cert': 'cert', '--tls-key': 'key' }

async function main(argv: string[]): Promise<number> {
  const files: TlsFiles = {}
  let at = 0
  for (; at < argv.length && (argv[at] as string) in TLS_FLAGS; at += 2) {
    const value = argv[at + 1]
    if (value === undefined) {
      process.stderr.write(`zoo-shell: ${argv[at]} needs a file\n${USAGE}\n`)
      return 2
    }
    files[TLS_FLAGS[argv[at] as string] as keyof TlsFiles] = value
  }
  const [first, ...words] = argv.slice(at)
  if (first === '-h' || first === '--help') {
    process.stdout.write(`${USAGE}\n`)
    return 0
  }
  if (first === undefined || first.startsWith('-')) {
    process.stderr.write(`${first === undefined ? 'zoo-shell: a connect string is required' : `zoo-shell: unknown option ${first}`}\n${USAGE}\n`)
    return 2
  }
  const tls = Object.keys(files).length === 0 ? undefined : readTlsFiles(files)
  return await runShell(first, words, undefined, { tls })
}

main(process.argv.slice(2)).then(
  (code) => (process.exitCode = code),
  (e: unknown) => {
    process.stderr.write(`zoo-shell: ${(e as Error).message}\n`)
    process.exitCode = 1
  },
)
