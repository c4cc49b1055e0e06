import t from 'tap'
import { childrenQuery, createBody, decodeData, deleteBody, firstIssue, recipeQuery, setBody } from '../src/http/schemas.js'

const issue = (schema: { safeParse: (v: unknown) => { success: boolean; error?: any } }, value: unknown) => {
  const result = schema.safeParse(value)
  return result.success ? undefined : firstIssue(result.error)
}

t.test('bodies: the first wrong field is named', async (t) => {
  t.match(issue(setBody, { path: '/a', data: 'x' }), { field: 'version', message: /the version you saw/ })
  t.match(issue(setBody, { path: '/a', data: 'x', version: -1 }), { field: 'version' }, 'no unconditional write (-1)')
  t.match(issue(setBody, { path: 'a', data: 'x', version: 0 }), { field: 'path', message: /path/ })
  t.match(issue(setBody, { path: '/a/', data: 'x', version: 0 }), { field: 'path' })
  t.match(issue(deleteBody, { path: '/a', version: 1, recursive: true }), { field: 'recursive', message: /Unrecognized key/ })
  t.match(issue(createBody, { path: '/a', mode: 'ephemeral' }), { field: 'mode' }, 'an ephemeral would die with the console\'s session')
  t.match(issue(createBody, { path: '/a', encoding: 'utf16' }), { field: 'encoding' })
  t.match(issue(createBody, []), { field: '(body)' })
  t.equal(issue(createBody, { path: '/a' }), undefined)
  t.same(createBody.parse({ path: '/a' }), { path: '/a', data: '', encoding: 'text', mode: 'persistent' })
})

t.test('queries: numbers from strings, bounds, defaults', async (t) => {
  t.same(childrenQuery.parse({ path: '/' }), { path: '/', offset: 0, limit: 100 })
  t.same(childrenQuery.parse({ path: '/', offset: '200', limit: '500', filter: 'x' }), { path: '/', offset: 200, limit: 500, filter: 'x' })
  t.match(issue(childrenQuery, { path: '/', limit: '501' }), { field: 'limit' })
  t.match(issue(childrenQuery, { path: '/', offset: '-1' }), { field: 'offset' })
  t.match(issue(childrenQuery, { path: '/', limit: '1e3' }), { field: 'limit' })
  t.match(issue(recipeQuery, { path: '/', kind: 'semaphore' }), { field: 'kind' })
  t.match(issue(childrenQuery, {}), { field: 'path' })
})

t.test('decodeData: text as UTF-8, base64 checked', async (t) => {
  t.same(decodeData('zoo', 'text'), Buffer.from('zoo'))
  t.same(decodeData('AAEC', 'base64'), Buffer.from([0, 1, 2]))
  t.equal(decodeData('not base64!', 'base64'), undefined)
  t.equal(decodeData('AAE', 'base64'), undefined)
})
