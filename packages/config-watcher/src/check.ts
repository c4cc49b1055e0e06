import type * as z from 'zod'
import { validate } from './cell.js'
import { InvalidConfigError } from './errors.js'
import type { Parser } from './parser.js'

/**
 * What a publisher must prove before writing: the value passes the schema, and so do the bytes
 * that watchers will read back (a JSON round trip drops undefined, turns a Date into a string,
 * and so on). Returns the bytes to store.
 */
export function serializeChecked(schema: z.ZodType, parser: Parser, path: string, value: unknown): Uint8Array {
  const direct = validate(schema, path, value)
  if (!direct.ok) throw direct.error
  let bytes: Uint8Array
  let back: unknown
  try {
    bytes = parser.serialize(value)
    back = parser.parse(bytes)
  } catch (error) {
    throw new InvalidConfigError('parse', path, `does not survive serialize + parse: ${(error as Error).message}`, { cause: error })
  }
  const reread = validate(schema, path, back)
  if (!reread.ok) throw new InvalidConfigError('schema', path, `passes the schema, but not after serialize + parse: ${reread.error.message}`, { cause: reread.error, issues: reread.error.issues })
  return bytes
}
