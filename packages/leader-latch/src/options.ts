import * as z from 'zod'

/** Options are checked where they enter: a mistake fails at once, naming the field. */
export class InvalidOptionsError extends TypeError {
  override readonly name = 'InvalidOptionsError'
}

export function parseOptions<S extends z.ZodType>(schema: S, input: unknown, what: string): z.output<S> {
  const result = schema.safeParse(input ?? {})
  if (!result.success) throw new InvalidOptionsError(`invalid ${what}:\n${z.prettifyError(result.error)}`)
  return result.data
}
