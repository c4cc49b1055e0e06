/**
 * Option checking at a recipe's edge: a mistake fails at once with a message naming the field,
 * not as a recipe that misbehaves later. The error is @zoo/client's, so `instanceof
 * InvalidOptionsError` holds for the client's options and every recipe's alike.
 */
import * as z from 'zod'
import { InvalidOptionsError } from '@zoo/client'

export { InvalidOptionsError }

/**
 * `input` (undefined counts as `{}`) parsed by `schema`, or an `InvalidOptionsError` (or the
 * given subclass, for a package that names its own) saying `invalid <what>:` and every issue.
 */
export function parseOptions<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
  ErrorClass: new (message: string) => InvalidOptionsError = InvalidOptionsError,
): z.output<S> {
  const result = schema.safeParse(input ?? {})
  if (!result.success) throw new ErrorClass(`invalid ${what}:\n${z.prettifyError(result.error)}`)
  return result.data
}

/** A zod 4 schema, also one from another copy of zod (instanceof would fail across copies). */
export function isZodSchema(schema: unknown): schema is z.ZodType {
  return typeof schema === 'object' && schema !== null && '_zod' in schema && typeof (schema as z.ZodType).safeParse === 'function'
}
