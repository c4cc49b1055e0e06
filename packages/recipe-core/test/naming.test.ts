import t from 'tap'
import fc from 'fast-check'
import { compareSequence, curatorNaming, kazooNaming, orderContenders, zooNaming } from '../src/naming.js'

const seq = (n: number) => (n < 0 ? `-${String(-n).padStart(10, '0')}` : String(n).padStart(10, '0'))

t.test('kazoo names: 32 hex keyed by the session, tokens as kazoo Lock/ReadLock', async (t) => {
  const naming = kazooNaming()
  const id = naming.newProtectedId(0x0100_0000_1234_5678n)
  t.match(id, /^0100000012345678[0-9a-f]{16}$/)
  t.equal(naming.prefix('lock', id), `${id}__lock__`)
  t.same(naming.parse(`${id}__lock__0000000042`), { name: `${id}__lock__0000000042`, kind: 'lock', sequence: 42, protectedId: id })
  t.equal(naming.parse(`${id}__rlock__0000000007`)?.kind, 'read')
  // a name kazoo itself writes (uuid4().hex) parses the same way
  t.equal(naming.parse('9f1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e__lock__0000000003')?.sequence, 3)
  t.equal(naming.parse('something-else'), undefined)
  t.equal(naming.parse(`${id}__lock__123`), undefined, 'sequence must have 10 digits')
  t.equal(naming.parse(`${id}__lock__-2147483648`)?.sequence, -2147483648, 'a wrapped counter')
})

t.test('curator names: _c_<uuid>-<lockName><seq>, unprotected ones too', async (t) => {
  const naming = curatorNaming()
  const id = naming.newProtectedId(5n)
  t.match(id, /^[0-9a-f-]{36}$/)
  const name = `${naming.prefix('lock', id)}0000000009`
  t.equal(name, `_c_${id}-lock-0000000009`)
  t.same(naming.parse(name), { name, kind: 'lock', sequence: 9, protectedId: id })
  t.same(naming.parse('lock-0000000001'), { name: 'lock-0000000001', kind: 'lock', sequence: 1, protectedId: undefined })
  const rw = curatorNaming({ read: '__READ__', write: '__WRIT__' })
  t.equal(rw.parse(`_c_${id}-__WRIT__0000000002`)?.kind, 'write')
  t.equal(rw.parse(`_c_${id}-__READ__0000000003`)?.kind, 'read')
  t.throws(() => curatorNaming({ a: 'x', b: 'x' }), /must differ/)
})

t.test('zoo names', async (t) => {
  const naming = zooNaming()
  const id = naming.newProtectedId(1n)
  const name = `${naming.prefix('lock', id)}0000000001`
  t.match(name, /^z_0000000000000001[0-9a-f]{16}-lock-0000000001$/)
  t.equal(naming.parse(name)?.protectedId, id)
  t.equal(kazooNaming().parse(name), undefined, 'schemes do not claim each other\'s names')
})

t.test('ordering is numeric and wrap aware; foreign names are left out', async (t) => {
  const naming = kazooNaming()
  const names = [2147483646, -2147483648, 2147483647, -2147483647].map((n, i) => `${String(i).repeat(32)}__lock__${seq(n)}`)
  const ordered = orderContenders(naming, [...names, 'foreign', 'lock-0000000001'])
  t.same(ordered.map((c) => c.sequence), [2147483646, 2147483647, -2147483648, -2147483647])
  t.ok(compareSequence(2147483647, -2147483648) < 0, 'max int32 comes before the wrapped min')
  t.ok(compareSequence(9, 10) < 0)
  t.equal(compareSequence(7, 7), 0)
})

t.test('property: within a window under 2^31, order is the order of creation', async () => {
  fc.assert(
    fc.property(fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }), fc.array(fc.integer({ min: 0, max: 10_000 }), { minLength: 1, maxLength: 30 }), (start, offsets) => {
      const unique = [...new Set(offsets)]
      const naming = curatorNaming()
      const names = unique.map((o) => `lock-${seq(((start + o) | 0))}`)
      const ordered = orderContenders(naming, names.slice().reverse())
      const expected = unique.slice().sort((a, b) => a - b).map((o) => (start + o) | 0)
      return JSON.stringify(ordered.map((c) => c.sequence)) === JSON.stringify(expected)
    }),
  )
})
