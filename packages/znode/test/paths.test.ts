import t from 'tap'
import { ErrorCode, isKeeperError } from '@zoo/protocol'
import { childPath, isInSubtree, isSpecialPath, isValidPath, nameOf, parentOf, pathProblem, sequenceSuffix, validatePath } from '../src/paths.js'

t.test('valid paths', async (t) => {
  for (const p of ['/', '/a', '/a/b', '/a.b', '/..a', '/a..', '/.a', '/a/...', '/a/b c', '/日本', '/a-0000000001', '/zookeeper']) {
    t.ok(isValidPath(p), p)
  }
})

t.test('invalid paths, with the reason PathUtils gives', async (t) => {
  const cases: [string, RegExp][] = [
    ['', /length must be > 0/],
    ['a', /must start with \//],
    ['/a/', /must not end with \//],
    ['//a', /empty node name specified @1/],
    ['/a//b', /empty node name specified @3/],
    ['/.', /relative paths not allowed @1/],
    ['/./a', /relative paths not allowed @1/],
    ['/a/..', /relative paths not allowed @4/],
    ['/a/../b', /relative paths not allowed @4/],
    ['/a\u0000b', /null character not allowed @2/],
    ['/a\u0001', /invalid character @2/],
    ['/a\u001f', /invalid character/],
    ['/a\u007f', /invalid character/],
    ['/a\u009f', /invalid character/],
    ['/a\ud800\udc00', /invalid character/],
    ['/a\uf8ff', /invalid character/],
    ['/a\ufff0', /invalid character/],
    ['/a\uffff', /invalid character/],
  ]
  for (const [path, reason] of cases) t.match(pathProblem(path), reason, JSON.stringify(path))
})

t.test('validatePath throws BADARGUMENTS with the path', async (t) => {
  t.doesNotThrow(() => validatePath('/ok'))
  try {
    validatePath('/bad/')
    t.fail('should throw')
  } catch (e) {
    t.ok(isKeeperError(e, ErrorCode.BADARGUMENTS))
    t.equal((e as { path: string }).path, '/bad/')
  }
})

t.test('parents, names, children, subtrees', async (t) => {
  t.equal(parentOf('/a'), '/')
  t.equal(parentOf('/a/b/c'), '/a/b')
  t.equal(parentOf('/'), '/')
  t.equal(nameOf('/a/b'), 'b')
  t.equal(childPath('/', 'x'), '/x')
  t.equal(childPath('/a', 'x'), '/a/x')
  t.ok(isInSubtree('/a/b', '/a'))
  t.ok(isInSubtree('/a', '/a'))
  t.notOk(isInSubtree('/ab', '/a'))
  t.ok(isInSubtree('/anything', '/'))
  t.ok(isSpecialPath('/zookeeper/config'))
  t.notOk(isSpecialPath('/zookeeper/quota/x'))
})

t.test('sequence suffixes print as Java %010d, sign included', async (t) => {
  t.equal(sequenceSuffix(0), '0000000000')
  t.equal(sequenceSuffix(7), '0000000007')
  t.equal(sequenceSuffix(2147483647), '2147483647')
  t.equal(sequenceSuffix(-1), '-000000001')
  t.equal(sequenceSuffix(-2147483648), '-2147483648')
  t.throws(() => sequenceSuffix(2147483648), RangeError)
  t.throws(() => sequenceSuffix(1.5), RangeError)
})
