/**
 * `zoo-config get|set|watch <path>`: the config watcher from a shell. Exported as runCli so the
 * server's `zoo config ...` can delegate to it with its own argv and streams.
 */
import { readFile } from 'node:fs/promises'
import { Command, CommanderError, Option } from 'commander'
import * as z from 'zod'
import { createClient, readTlsFiles, type ZooKeeperClient } from '@zoo/client'
import type { Redis } from 'ioredis'
import { publishConfig as publishZk } from '../zookeeper/publish.js'
import { readConfig as readZk, watchConfig as watchZk } from '../zookeeper/watch.js'
import { ConfigUnavailableError, InvalidConfigError, VersionConflictError } from '../errors.js'
import { formatVersion, type ConfigVersion } from '../version.js'
import type { ConfigWatcher } from '../watcher.js'
import { loadSchema } from './schema-file.js'

export interface CliIO {
  stdout: { write(text: string): unknown }
  stderr: { write(text: string): unknown }
  /** read for `set <path> -` */
  stdin?: AsyncIterable<string | Buffer>
  /** ends `watch` (the bin wires SIGINT/SIGTERM to it) */
  signal?: AbortSignal
  env?: Record<string, string | undefined>
}

/** Exit codes: 0 ok, 1 usage or connection problem, 2 missing, 3 invalid config, 4 version conflict. */
export const EXIT = { ok: 0, error: 1, missing: 2, invalid: 3, conflict: 4 } as const

interface Common {
  schema?: string
  connect: string
  redis?: string
  subtree?: boolean
  json?: boolean
  tlsCa?: string
  tlsCert?: string
  tlsKey?: string
}

/** The backend a command talks to, opened per command and closed after it. */
interface Backend {
  read(schema: z.ZodType): Promise<{ value: unknown; version: ConfigVersion }>
  publish(schema: z.ZodType, value: unknown, expectedVersion: number | 'absent' | undefined): Promise<ConfigVersion>
  watch(schema: z.ZodType): Promise<ConfigWatcher<unknown>>
  close(): Promise<void>
}

async function openBackend(path: string, options: Common): Promise<Backend> {
  if (options.redis !== undefined) return openRedis(path, options.redis)
  const files = { ca: options.tlsCa, cert: options.tlsCert, key: options.tlsKey }
  const tls = Object.values(files).every((f) => f === undefined) ? undefined : readTlsFiles(files)
  const zk: ZooKeeperClient = await createClient(options.connect, { sessionTimeoutMs: 10_000, tls })
  const subtree = options.subtree === true
  return {
    read: (schema) => readZk(zk, path, schema, { subtree }),
    publish: (schema, value, expectedVersion) => publishZk(zk, path, schema, value, { subtree, expectedVersion }),
    watch: (schema) => watchZk(zk, path, schema, { subtree, initialTimeoutMs: 2 ** 31 - 1 }),
    close: () => zk.close(),
  }
}

async function openRedis(key: string, url: string): Promise<Backend> {
  let IORedis: typeof import('ioredis').Redis
  try {
    IORedis = (await import('ioredis')).Redis
  } catch (error) {
    throw new Error('--redis needs the ioredis package (npm install ioredis)', { cause: error })
  }
  const redisBackend = await import('../redis/index.js')
  const redis: Redis = new IORedis(url, { maxRetriesPerRequest: 1, lazyConnect: true })
  await redis.connect()
  return {
    read: (schema) => redisBackend.readConfig(redis, key, schema),
    publish: (schema, value, expectedVersion) => redisBackend.publishConfig(redis, key, schema, value, { expectedVersion }),
    watch: (schema) => redisBackend.watchConfig(redis, key, schema, { initialTimeoutMs: 2 ** 31 - 1 }),
    close: async () => void redis.disconnect(),
  }
}

function parseExpected(text: string | undefined): number | 'absent' | undefined {
  if (text === undefined) return undefined
  if (text === 'absent') return 'absent'
  if (!/^\d{1,10}$/.test(text)) throw new CommanderError(EXIT.error, 'zoo-config.expected', `--expected-version takes a version number or "absent", not ${JSON.stringify(text)}`)
  return Number(text)
}

async function readValueText(value: string | undefined, file: string | undefined, io: CliIO): Promise<string> {
  if (file !== undefined) return readFile(file, 'utf8')
  if (value === undefined) throw new CommanderError(EXIT.error, 'zoo-config.value', 'set needs a value: a JSON argument, "-" for stdin, or --file')
  if (value !== '-') return value
  if (!io.stdin) throw new CommanderError(EXIT.error, 'zoo-config.stdin', 'no stdin to read the value from')
  let text = ''
  for await (const chunk of io.stdin) text += chunk.toString()
  return text
}

function versionLine(v: ConfigVersion): string {
  return formatVersion(v)
}

function jsonText(value: unknown, pretty: boolean): string {
  return JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v), pretty ? 2 : undefined)
}

function describeVersion(v: ConfigVersion) {
  return { version: v.version, czxid: `0x${v.czxid.toString(16)}`, mzxid: `0x${v.mzxid.toString(16)}` }
}

export function createProgram(io: CliIO): Command {
  const env = io.env ?? process.env
  const program = new Command('zoo-config')
    .description('Read, validate and write live configuration kept in ZooKeeper (or Redis)')
    .exitOverride()
    .configureOutput({ writeOut: (s) => io.stdout.write(s), writeErr: (s) => io.stderr.write(s) })
  const common = (command: Command) =>
    command
      .option('--schema <file>', 'a JSON Schema (.json) or a module exporting a zod schema (.js/.mjs)')
      .addOption(new Option('--connect <hosts>', 'ZooKeeper connection string').default(env.ZOO_CONNECT ?? '127.0.0.1:2181').env('ZOO_CONNECT'))
      .option('--redis <url>', 'use the Redis backend (the path is the key), e.g. redis://127.0.0.1:6379')
      .option('--subtree', 'the config is the children of <path>, one key each (ZooKeeper only)')
      .option('--json', 'machine-readable output: one JSON object per line')
      .addOption(new Option('--tls-ca <file>', 'connect over TLS, trusting the CA certificates in this PEM file').env('ZOO_TLS_CA'))
      .addOption(new Option('--tls-cert <file>', 'this client\'s certificate (PEM; may hold the key too, as Apache\'s PEM key store)').env('ZOO_TLS_CERT'))
      .addOption(new Option('--tls-key <file>', 'the key of --tls-cert, when in a file of its own').env('ZOO_TLS_KEY'))

  common(program.command('get <path>').description('print the config, validated'))
    .action(async (path: string, options: Common) => {
      const schema = await loadSchema(options.schema)
      await withBackend(path, options, async (backend) => {
        const { value, version } = await backend.read(schema)
        if (options.json) io.stdout.write(`${jsonText({ ...describeVersion(version), value }, false)}\n`)
        else {
          io.stdout.write(`${jsonText(value, true)}\n`)
          io.stderr.write(`${versionLine(version)}\n`)
        }
      })
    })

  common(program.command('set <path> [value]').description('validate a JSON value against the schema, then write it'))
    .option('--file <file>', 'read the value from a file')
    .option('--expected-version <n>', 'compare-and-set: the version it must have, or "absent" to only create')
    .action(async (path: string, valueText: string | undefined, options: Common & { file?: string; expectedVersion?: string }) => {
      const schema = await loadSchema(options.schema)
      const expected = parseExpected(options.expectedVersion)
      const text = await readValueText(valueText, options.file, io)
      let value: unknown
      try {
        value = JSON.parse(text)
      } catch (error) {
        throw new InvalidConfigError('parse', path, `the value is not JSON: ${(error as Error).message}`, { cause: error })
      }
      // Validated here, before any connection: a bad value never reaches the store.
      const checked = schema.safeParse(value)
      if (!checked.success) throw new InvalidConfigError('schema', path, z.prettifyError(checked.error), { cause: checked.error, issues: checked.error.issues })
      await withBackend(path, options, async (backend) => {
        const version = await backend.publish(schema, value, expected)
        io.stdout.write(options.json ? `${jsonText(describeVersion(version), false)}\n` : `wrote ${path}: ${versionLine(version)}\n`)
      })
    })

  common(program.command('watch <path>').description('print the config and every valid change until interrupted'))
    .action(async (path: string, options: Common) => {
      const schema = await loadSchema(options.schema)
      await withBackend(path, options, async (backend) => {
        const watcher = await backend.watch(schema)
        const print = (value: unknown, v: ConfigVersion | undefined) =>
          io.stdout.write(options.json ? `${jsonText({ ...(v ? describeVersion(v) : {}), value }, false)}\n` : `${new Date().toISOString()} ${v ? versionLine(v) : '(default)'}\n${jsonText(value, true)}\n`)
        print(watcher.current, watcher.version)
        watcher.on('change', (next, _prev, v) => print(next, v))
        watcher.on('invalid', (error) => io.stderr.write(`${new Date().toISOString()} rejected: ${error.message}\n`))
        watcher.on('missing', () => io.stderr.write(`${new Date().toISOString()} ${path} is gone; keeping the last good value\n`))
        watcher.on('error', (error) => io.stderr.write(`${new Date().toISOString()} ${(error as Error).message}\n`))
        await new Promise<void>((resolve) => {
          if (io.signal?.aborted) return resolve()
          io.signal?.addEventListener('abort', () => resolve(), { once: true })
        })
        await watcher.close()
      })
    })
  return program
}

async function withBackend(path: string, options: Common, run: (backend: Backend) => Promise<void>): Promise<void> {
  const backend = await openBackend(path, options)
  try {
    await run(backend)
  } finally {
    await backend.close()
  }
}

/** Runs one command; resolves to the exit code (never calls process.exit). */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const program = createProgram(io)
  try {
    await program.parseAsync([...argv], { from: 'user' })
    return EXIT.ok
  } catch (error) {
    if (error instanceof CommanderError) {
      if (error.code === 'commander.helpDisplayed' || error.code === 'commander.version' || error.code === 'commander.help') return EXIT.ok
      if (error.code.startsWith('zoo-config.')) io.stderr.write(`zoo-config: ${error.message}\n`)
      return EXIT.error
    }
    io.stderr.write(`zoo-config: ${(error as Error).message}\n`)
    if (error instanceof ConfigUnavailableError) return EXIT.missing
    if (error instanceof InvalidConfigError) return EXIT.invalid
    if (error instanceof VersionConflictError) return EXIT.conflict
    return EXIT.error
  }
}
