import t from 'tap'
import { Chroot, InvalidPathError, joinPath, parentPath, pathPrefixes, validatePath } from '../src/paths.js'

t.test('valid paths', async (t) => {
  for (const path of ['/', '/a', '/a/b/c', '/with space', '/ünïcödé', '/a.b', '/...', '/zookeeper/quota']) t.doesNotThrow(() => validatePath(path), path)
  t.doesNotThrow(() => validatePath('/jobs/', { sequential: true }), 'a sequential create may end in /')
  t.doesNotThrow(() => validatePath('/jobs/job-', { sequential: true }))
})

t.test('invalid paths, with the reason', async (t) => {
  const cases: [string, RegExp][] = [
    ['', /must not be empty/],
    ['a', /must start with/],
    ['/a/', /must not end with/],
    ['//a', /empty segment/],
    ['/a//b', /empty segment/],
    ['/a/./b', /relative segment/],
    ['/a/..', /relative segment/],
    ['/a\u0000b', /forbidden character/],
    ['/a\u0007', /forbidden character/],
    ['/\u{1F600}', /forbidden character/],
    ['/\uffff', /forbidden character/],
  ]
  for (const [path, reason] of cases) {
    t.throws(() => validatePath(path), InvalidPathError, JSON.stringify(path))
    t.throws(() => validatePath(path), { message: reason }, JSON.stringify(path))
  }
  t.throws(() => validatePath('/jobs/'), { message: /must not end with/ }, 'only sequential creates may end in /')
})

t.test('chroot maps both ways', async (t) => {
  const chroot = new Chroot('/app')
  t.equal(chroot.toServer('/'), '/app')
  t.equal(chroot.toServer('/x/y'), '/app/x/y')
  t.equal(chroot.fromServer('/app'), '/')
  t.equal(chroot.fromServer('/app/x/y'), '/x/y')
  t.equal(chroot.fromServer('/application'), '/application', 'a sibling with the same prefix is not inside')
  t.equal(chroot.fromServer('/other'), '/other')
  const none = new Chroot(undefined)
  t.equal(none.toServer('/x'), '/x')
  t.equal(none.fromServer('/x'), '/x')
  t.equal(new Chroot('/').prefix, '')
  t.throws(() => new Chroot('app'), InvalidPathError)
})

t.test('path helpers', async (t) => {
  t.same(pathPrefixes('/a/b/c'), ['/a', '/a/b', '/a/b/c'])
  t.same(pathPrefixes('/'), [])
  t.equal(parentPath('/a/b'), '/a')
  t.equal(parentPath('/a'), '/')
  t.equal(parentPath('/'), undefined)
  t.equal(joinPath('/', 'a'), '/a')
  t.equal(joinPath('/a', 'b'), '/a/b')
})
