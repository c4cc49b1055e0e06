import t from 'tap'
import * as z from 'zod'
import { InvalidOptionsError as ClientInvalidOptionsError } from '@zoo/client'
import { InvalidOptionsError, isZodSchema, parseOptions } from '../src/index.js'

const schema = z.strictObject({ timeoutMs: z.number().int().min(1).default(100) })

t.test('parseOptions returns the parsed options, undefined as {}', async (t) => {
  t.same(parseOptions(schema, { timeoutMs: 5 }, 'X options'), { timeoutMs: 5 })
  t.same(parseOptions(schema, undefined, 'X options'), { timeoutMs: 100 })
})

t.test('a bad option throws InvalidOptionsError naming what and the field', async (t) => {
  t.equal(InvalidOptionsError, ClientInvalidOptionsError, "one class for the client's options and the recipes'")
  const error = t.throws(() => parseOptions(schema, { timeoutMs: 0 }, 'X options')) as Error
  t.type(error, InvalidOptionsError)
  t.type(error, TypeError)
  t.equal(error.name, 'InvalidOptionsError')
  t.match(error.message, /^invalid X options:\n.*timeoutMs/s)
  t.throws(() => parseOptions(schema, { timeoutMS: 5 }, 'X options'), { name: 'InvalidOptionsError', message: /timeoutMS/ })
})

t.test('a package may throw its own subclass', async (t) => {
  class InvalidThingOptionsError extends InvalidOptionsError {
    override readonly name: string = 'InvalidThingOptionsError'
  }
  const error = t.throws(() => parseOptions(schema, { timeoutMs: 'x' }, 'thing', InvalidThingOptionsError)) as Error
  t.type(error, InvalidThingOptionsError)
  t.type(error, InvalidOptionsError)
  t.equal(error.name, 'InvalidThingOptionsError')
})

t.test('isZodSchema: duck-typed, so a schema from another copy of zod 4 passes', async (t) => {
  t.ok(isZodSchema(schema))
  t.ok(isZodSchema({ _zod: {}, safeParse: () => ({ success: true }) }))
  for (const other of [undefined, null, {}, 'z.string()', { parse: () => 1 }]) t.notOk(isZodSchema(other), JSON.stringify(other))
})
