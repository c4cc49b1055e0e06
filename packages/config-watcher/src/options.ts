/**
 * Options shared by both backends, checked with zod at the edge so a typo fails at once with
 * the field's name rather than as a watcher that silently never updates.
 */
import { InvalidOptionsError, isZodSchema, parseOptions as parseRecipeOptions } from '@zoo/recipe-core'
import * as z from 'zod'
import { jsonParser, type Parser } from './parser.js'
import type { RawConfig } from './cell.js'

const parserSchema = z.custom<Parser>(
  (p) => typeof p === 'object' && p !== null && typeof (p as Parser).parse === 'function' && typeof (p as Parser).serialize === 'function',
  { error: 'parser must be an object with parse(bytes) and serialize(value) functions' },
)

export const commonOptionsSchema = z.object({
  parser: parserSchema.default(jsonParser),
  initialTimeoutMs: z.number().int().min(1).max(2 ** 31 - 1).optional(),
  signal: z.instanceof(AbortSignal).optional(),
})

/** config-watcher's name for a bad option; an `InvalidOptionsError` like every recipe's. */
export class InvalidWatcherOptionsError extends InvalidOptionsError {
  override readonly name: string = 'InvalidWatcherOptionsError'
}

export function parseOptions<S extends z.ZodType>(schema: S, options: unknown, what: string): z.output<S> {
  return parseRecipeOptions(schema, options, what, InvalidWatcherOptionsError)
}

export { isZodSchema }

export function assertSchema(schema: unknown): asserts schema is z.ZodType {
  if (!isZodSchema(schema)) throw new InvalidWatcherOptionsError('schema must be a zod 4 schema (import * as z from "zod")')
}

/** Decodes a node's bytes, or in subtree mode each child's bytes into an object by name. */
export function decoderFor(parser: Parser, subtree: boolean): (raw: RawConfig) => unknown {
  if (!subtree) {
    return (raw) => {
      if (!(raw instanceof Uint8Array)) throw new TypeError('assertion failed: node mode got a subtree snapshot')
      return parser.parse(raw)
    }
  }
  return (raw) => {
    if (raw instanceof Uint8Array) throw new TypeError('assertion failed: subtree mode got node bytes')
    const out: Record<string, unknown> = {}
    for (const [key, bytes] of Object.entries(raw)) {
      try {
        out[key] = parser.parse(bytes)
      } catch (error) {
        throw new Error(`key ${JSON.stringify(key)}: ${(error as Error).message}`, { cause: error })
      }
    }
    return out
  }
}
