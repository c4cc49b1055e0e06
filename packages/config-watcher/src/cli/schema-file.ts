/**
 * `--schema file`: a JSON Schema (`.json`, turned into zod by z.fromJSONSchema) or a module
 * (`.js`, `.mjs`, `.cjs`, `.ts` where a loader runs TS) exporting a zod schema as `default`
 * or `schema`. Without --schema any JSON value passes.
 */
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import * as z from 'zod'
import { isZodSchema } from '../options.js'

export async function loadSchema(file: string | undefined): Promise<z.ZodType> {
  if (file === undefined) return z.json()
  const path = resolve(file)
  if (path.endsWith('.json')) {
    const text = await readFile(path, 'utf8')
    try {
      return z.fromJSONSchema(JSON.parse(text))
    } catch (error) {
      throw new Error(`${file}: not a JSON Schema zod can read: ${(error as Error).message}`, { cause: error })
    }
  }
  const module = (await import(pathToFileURL(path).href)) as { default?: unknown; schema?: unknown }
  const schema = module.schema ?? module.default
  if (!isZodSchema(schema)) throw new Error(`${file}: exports no zod schema (as \`schema\` or \`default\`)`)
  return schema
}
