// Reading a config file from disk: zoo.cfg (java properties) or JSON with the same keys, plus
// `<dataDir>/myid`. All validation is in schema.ts; this is the I/O around it.
import { readFileSync } from 'node:fs'
import { join, resolve, dirname, isAbsolute } from 'node:path'
import { parseProperties } from './properties.js'
import { ConfigError, resolveConfig } from './schema.js'
import type { RawConfig, ResolvedConfig } from './schema.js'

/** Bound on what we read as a config file. */
const MAX_CONFIG_BYTES = 4 << 20

export function loadConfig(file: string): ResolvedConfig {
  const raw = readRawConfig(file)
  const dataDir = raw.values.get('dataDir')
  if (dataDir !== undefined) {
    // A relative dataDir is relative to the config file (Apache: to the working directory;
    // the file's folder is what `zoo cluster` and tests expect).
    const absolute = isAbsolute(dataDir) ? dataDir : resolve(dirname(file), dataDir)
    raw.values.set('dataDir', absolute)
    const logDir = raw.values.get('dataLogDir')
    if (logDir !== undefined && !isAbsolute(logDir)) raw.values.set('dataLogDir', resolve(dirname(file), logDir))
    const myidPath = join(absolute, 'myid')
    let text: string | undefined
    try {
      text = readOptional(myidPath)
    } catch (e) {
      throw new ConfigError(file, [{ key: 'myid', reason: `${myidPath} cannot be read: ${(e as Error).message}` }])
    }
    if (text !== undefined) raw.myidFile = { path: myidPath, text }
  }
  return resolveConfig(raw)
}

export function readRawConfig(file: string): RawConfig {
  let text: string
  try {
    const bytes = readFileSync(file)
    if (bytes.length > MAX_CONFIG_BYTES) throw new Error(`larger than ${MAX_CONFIG_BYTES} bytes`)
    text = bytes.toString('utf8')
  } catch (e) {
    throw new ConfigError(file, [{ key: '(file)', reason: `cannot be read: ${(e as Error).message}` }])
  }
  return file.endsWith('.json') || text.trimStart().startsWith('{') ? parseJsonConfig(file, text) : parsePropertiesConfig(file, text)
}

export function parsePropertiesConfig(file: string, text: string): RawConfig {
  const { entries } = parseProperties(text)
  const values = new Map<string, string>()
  const lines = new Map<string, number>()
  for (const [key, { value, line }] of entries) {
    values.set(key, value)
    lines.set(key, line)
  }
  return { file, values, lines }
}

export function parseJsonConfig(file: string, text: string): RawConfig {
  let parsed: unknown
  try {
    parsed = JSON.parse(text)
  } catch (e) {
    throw new ConfigError(file, [{ key: '(file)', reason: `is not valid JSON: ${(e as Error).message}` }])
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new ConfigError(file, [{ key: '(file)', reason: 'must hold a JSON object of zoo.cfg keys' }])
  }
  const values = new Map<string, string>()
  const issues = []
  for (const [key, value] of Object.entries(parsed)) {
    if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') values.set(key, String(value))
    else issues.push({ key, reason: `must be a string, number or boolean (got ${value === null ? 'null' : typeof value})` })
  }
  if (issues.length > 0) throw new ConfigError(file, issues)
  return { file, values }
}

function readOptional(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8')
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw e
  }
}
