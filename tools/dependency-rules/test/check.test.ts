// The checker on small made-up workspaces: each rule reports its breach, and only that.
import t from 'tap'
import { checkWorkspace, formatViolation, packageOf } from '../src/check.js'
import { ANY, HOUSE_RULES } from '../src/rules.js'
import type { Rules } from '../src/rules.js'
import type { SourceFile, WorkspacePackage } from '../src/workspace.js'

function pkg(name: string, parts: Partial<Omit<WorkspacePackage, 'name'>> = {}): WorkspacePackage {
  return { name, dir: `packages/${name.replace('@zoo/', '')}`, dependencies: [], peerDependencies: [], optionalPeerDependencies: [], devDependencies: [], files: [], ...parts }
}

const src = (path: string, ...imports: string[]): SourceFile => ({ path, role: 'src', imports })
const test = (path: string, ...imports: string[]): SourceFile => ({ path, role: 'test', imports })
const rules: Rules = { ...HOUSE_RULES, exceptions: [] }
const base = [pkg('@zoo/protocol'), pkg('@zoo/client', { dependencies: ['@zoo/protocol'], files: [src('src/index.ts', '@zoo/protocol')] })]
const check = (packages: WorkspacePackage[], r: Rules = rules) => checkWorkspace([...base, ...packages], r, ['tap']).map(formatViolation)

t.test('packageOf: scoped and plain names with subpaths; built-ins and relative paths are no package', async (t) => {
  t.equal(packageOf('@zoo/recipe-core/redis'), '@zoo/recipe-core')
  t.equal(packageOf('zod/v4'), 'zod')
  t.equal(packageOf('node:fs'), undefined)
  t.equal(packageOf('fs'), undefined)
  t.equal(packageOf('../src/x.js'), undefined)
})

t.test('the server importing the client in src/ is forbidden, and undeclared without the dependency', async (t) => {
  const server = pkg('@zoo/server', { dependencies: ['@zoo/protocol'], files: [src('src/cli/shell.ts', '@zoo/client', 'node:readline'), src('src/index.ts', '@zoo/protocol')] })
  t.same(check([server]), ['forbidden import: @zoo/server src/cli/shell.ts -> @zoo/client', 'undeclared import: @zoo/server src/cli/shell.ts -> @zoo/client'])
})

t.test('listing the client among the server\'s dependencies is forbidden even if nothing imports it', async (t) => {
  t.same(check([pkg('@zoo/server', { dependencies: ['@zoo/client', '@zoo/protocol'] })]), ['forbidden dependency: @zoo/server -> @zoo/client'])
})

t.test('tests may use a declared devDependency (the client as a test peer) and the root\'s tools', async (t) => {
  const server = pkg('@zoo/server', { devDependencies: ['@zoo/client'], files: [test('test/member/ensemble.test.ts', '@zoo/client', 'tap')] })
  t.same(check([server]), [])
  const undeclared = pkg('@zoo/server', { files: [test('test/member/ensemble.test.ts', '@zoo/client')] })
  t.same(check([undeclared]), ['undeclared import: @zoo/server test/member/ensemble.test.ts -> @zoo/client'])
})

t.test('a devDependency does not make an import from src/ declared: src/ ships without it', async (t) => {
  const shell = pkg('@zoo/shell', { devDependencies: ['@zoo/client'], files: [src('src/shell.ts', '@zoo/client')] })
  t.same(check([shell]), ['undeclared import: @zoo/shell src/shell.ts -> @zoo/client'])
})

t.test('optional peers: allowed only where the rules name them', async (t) => {
  t.same(check([pkg('@zoo/shell'), pkg('@zoo/server', { optionalPeerDependencies: ['@zoo/shell'] })]), [])
  t.same(check([pkg('@zoo/shell'), pkg('@zoo/znode', { optionalPeerDependencies: ['@zoo/shell'] })]), ['forbidden dependency: @zoo/znode -> @zoo/shell'])
  t.same(check([pkg('@zoo/server', { peerDependencies: ['@zoo/client'] })]), ['forbidden dependency: @zoo/server -> @zoo/client'], 'a required peer is a dependency')
})

t.test('a relative import may not leave its package folder', async (t) => {
  const chaos = pkg('@zoo/chaos', { files: [src('src/targets/zoo.ts', '../../../packages/server/src/cli/cluster.js', '../sleep.js'), test('test/x.test.ts', '../src/index.js')] })
  t.same(check([chaos]), ['path into another package: @zoo/chaos src/targets/zoo.ts -> ../../../packages/server/src/cli/cluster.js'])
})

t.test('apps and tools may use anything of ours, once declared', async (t) => {
  const bench = pkg('@zoo/bench', { dependencies: ['@zoo/server', '@zoo/client'], files: [src('src/a.ts', '@zoo/server', '@zoo/client', '@zoo/testkit')] })
  t.same(check([pkg('@zoo/server'), pkg('@zoo/testkit'), bench]), ['undeclared import: @zoo/bench src/a.ts -> @zoo/testkit'])
})

t.test('a cycle through any kind of dependency, and a package the rules do not list', async (t) => {
  const a = pkg('@zoo/a', { dependencies: ['@zoo/b'] })
  const b = pkg('@zoo/b', { devDependencies: ['@zoo/a'] })
  const open: Rules = { ...rules, mayUse: { ...rules.mayUse, '@zoo/a': ANY, '@zoo/b': ANY } }
  t.same(check([a, b], open), ['cycle: @zoo/a -> @zoo/b -> @zoo/a'])
  t.same(check([pkg('@zoo/new-thing')]), ['unlisted package: @zoo/new-thing -> packages/new-thing'])
})

t.test('an exception excuses its breach; one that excuses nothing is reported', async (t) => {
  const core = pkg('@zoo/recipe-core', { dependencies: ['@zoo/client'], devDependencies: ['@zoo/testkit'], files: [src('src/testing.ts', '@zoo/testkit')] })
  const all = [pkg('@zoo/testkit'), core]
  t.same(check(all), ['forbidden import: @zoo/recipe-core src/testing.ts -> @zoo/testkit', 'undeclared import: @zoo/recipe-core src/testing.ts -> @zoo/testkit'])
  const excused: Rules = { ...rules, exceptions: [{ package: '@zoo/recipe-core', file: 'src/testing.ts', imports: '@zoo/testkit', reason: 'test support' }] }
  t.same(check(all, excused), [])
  t.same(check([pkg('@zoo/testkit')], excused), ['stale exception: @zoo/recipe-core src/testing.ts -> @zoo/testkit'])
})
