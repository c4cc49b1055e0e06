import t from 'tap'
import { Perms } from '@zoo/protocol'
import { AclCache } from '../src/acl-cache.js'

const acl = (id: string): { perms: number; id: { scheme: string; id: string } }[] => [{ perms: Perms.ALL, id: { scheme: 'digest', id } }]

t.test('equal lists share one frozen copy, counted by reference', async (t) => {
  const cache = new AclCache()
  const a = cache.acquire(acl('u:1'))
  const b = cache.acquire(acl('u:1'))
  const c = cache.acquire(acl('v:2'))
  t.equal(a, b)
  t.not(a, c)
  t.equal(cache.size, 2)
  t.ok(Object.isFrozen(cache.get(a)) && Object.isFrozen(cache.get(a)[0]?.id))
  const source = acl('w:3')
  const d = cache.acquire(source)
  source[0]!.perms = 0
  t.equal(cache.get(d)[0]?.perms, Perms.ALL, 'a copy, not the caller array')
  cache.release(a)
  t.equal(cache.size, 3, 'still referenced once')
  cache.release(b)
  t.equal(cache.size, 2)
  t.throws(() => cache.get(a), /no ACL/)
  t.throws(() => cache.release(a), /released more often/)
  t.equal(cache.acquire(acl('x:4')), a, 'the freed id is used again')
})
