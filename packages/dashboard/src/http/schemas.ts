/** Every query and body the API takes, as zod schemas: a bad one is a 400 naming the field. */
import { validatePath } from '@zoo/client'
import * as z from 'zod'

export const MAX_NODE_BYTES = 0xfffff

const path = z
  .string({ error: 'path is required' })
  .max(4096)
  .superRefine((value, ctx) => {
    try {
      validatePath(value)
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message })
    }
  })

const integerParam = (min: number, max: number, fallback: number) =>
  z
    .string()
    .regex(/^\d+$/, 'must be a whole number')
    .transform(Number)
    .pipe(z.number().int().min(min).max(max))
    .optional()
    .transform((v) => v ?? fallback)

export const childrenQuery = z.strictObject({
  path,
  offset: integerParam(0, 10_000_000, 0),
  limit: integerParam(1, 500, 100),
  filter: z.string().max(256).optional(),
})

export const pathQuery = z.strictObject({ path })

export const recipeQuery = z.strictObject({
  path,
  kind: z.enum(['auto', 'lock', 'rwlock', 'latch', 'config']).default('auto'),
})

const version = z.number({ error: 'version is required: the version you saw' }).int().min(0).max(0x7fffffff)
const data = z.string().max(2 * MAX_NODE_BYTES)
const encoding = z.enum(['text', 'base64']).default('text')

export const createBody = z.strictObject({
  path,
  data: data.default(''),
  encoding,
  mode: z.enum(['persistent', 'persistent-sequential', 'container']).default('persistent'),
})

export const setBody = z.strictObject({ path, data, encoding, version })

export const deleteBody = z.strictObject({ path, version })

/** The first problem of a failed parse: which field, and what is wrong with it. */
export function firstIssue(error: z.ZodError): { field: string; message: string } {
  const issue = error.issues[0]
  if (!issue) return { field: '(body)', message: 'invalid request' }
  // An unknown key is the field to name, though the issue sits on the object holding it.
  const at = issue.code === 'unrecognized_keys' ? [...issue.path, issue.keys[0]!] : issue.path
  const field = at.length > 0 ? at.join('.') : '(body)'
  return { field, message: `${field}: ${issue.message}` }
}

/** The bytes a body's `data` stands for; undefined when base64 is malformed. */
export function decodeData(value: string, encoding: 'text' | 'base64'): Buffer | undefined {
  if (encoding === 'text') return Buffer.from(value, 'utf8')
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(value) || value.length % 4 !== 0) return undefined
  return Buffer.from(value, 'base64')
}
