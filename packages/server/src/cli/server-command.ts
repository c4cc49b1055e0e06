// `zoo server --config <file>`: one member in the foreground until SIGTERM/SIGINT.
import { loadConfig, ConfigError } from '../config/index.js'
import { jsonLogger } from '../log.js'
import { ZooServer } from '../member/server.js'

export async function runServer(configFile: string): Promise<void> {
  let resolved
  try {
    resolved = loadConfig(configFile)
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`zoo: bad configuration\n${e.message}\n`)
      process.exit(2)
    }
    throw e
  }
  const logger = jsonLogger({ base: { member: resolved.config.myid } })
  for (const warning of resolved.warnings) logger('warn', warning)
  // Fail-stop: a member whose consensus stopped exits, so a supervisor can restart it on its data.
  let server: ZooServer
  try {
    server = await ZooServer.start(resolved.config, { logger, onFatal: () => process.exit(1) })
  } catch (e) {
    // What only start-up can check (TLS key and trust stores are read then) is a config error too.
    if (e instanceof ConfigError) {
      process.stderr.write(`zoo: bad configuration\n${e.message}\n`)
      process.exit(2)
    }
    throw e
  }
  let stopping = false
  const stop = (signal: string) => {
    if (stopping) return
    stopping = true
    logger('info', 'stopping', { signal })
    server.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        logger('error', 'stop failed', { error: String(e) })
        process.exit(1)
      },
    )
  }
  process.on('SIGTERM', () => stop('SIGTERM'))
  process.on('SIGINT', () => stop('SIGINT'))
}
