/**
 * Turning stored bytes into a member: decode (layout/codec), then the schema. Failures become an
 * InvalidMember, never an exception at the reader. Writers are checked with the same schema
 * before anything is stored.
 */
import { isZodSchema } from '@zoo/recipe-core'
import * as z from 'zod'
import { InvalidMemberDataError } from './errors.js'
import type { Decoded } from './layouts.js'
import type { InvalidMember, Member } from './snapshot.js'

export type MemberMeta = Omit<Member<unknown>, 'data' | 'instance'> & { raw: Buffer }

export type Checked<T> = { ok: true; member: Member<T> } | { ok: false; invalid: InvalidMember }

export function checkMember<T>(schema: z.ZodType<T>, meta: MemberMeta, decode: () => Decoded): Checked<T> {
  const { raw, ...fields } = meta
  const invalid = (error: InvalidMemberDataError): Checked<T> => ({
    ok: false,
    invalid: { id: fields.id, path: fields.path, registration: fields.registration, version: fields.version, raw, error },
  })
  let decoded: Decoded
  try {
    decoded = decode()
  } catch (error) {
    return invalid(new InvalidMemberDataError('decode', fields.id, (error as Error).message ?? String(error), { cause: error }))
  }
  const result = schema.safeParse(decoded.payload)
  if (!result.success) return invalid(new InvalidMemberDataError('schema', fields.id, z.prettifyError(result.error), { issues: result.error.issues }))
  const member: Member<T> = { ...fields, data: result.data }
  if (decoded.instance) member.instance = decoded.instance
  return { ok: true, member }
}

/** A writer's data must pass the schema before it is published (thrown at the writer). */
export function checkOwnData(schema: z.ZodType, id: string, data: unknown): void {
  const result = schema.safeParse(data)
  if (!result.success) throw new InvalidMemberDataError('schema', id, z.prettifyError(result.error), { issues: result.error.issues })
}

export function assertSchema(schema: unknown): asserts schema is z.ZodType {
  // Duck-typed: a schema from another copy of zod 4 is as good as ours.
  if (!isZodSchema(schema)) throw new TypeError('schema must be a zod 4 schema (import * as z from "zod")')
}
