// The reader, and this repository against the house rules.
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { checkWorkspace, formatViolation } from '../src/check.js'
import { HOUSE_RULES } from '../src/rules.js'
import { importsOf, readWorkspace, rootDevDependencies } from '../src/workspace.js'

const ROOT = fileURLToPath(new URL('../../../', import.meta.url))

t.test('importsOf sees every static form and literal dynamic imports, not computed ones', async (t) => {
  const text = [
    "import { a } from '@zoo/a'",
    "import type { B } from '@zoo/b/sub'",
    "export { c } from './c.js'",
    "export * from '@zoo/d'",
    "import '@zoo/e'",
    "const f = await import('@zoo/f')",
    "const g = require('g')",
    "const name = '@zoo/shell'; await import(name)",
    "// import { h } from '@zoo/h'",
  ].join('\n')
  t.same(importsOf(text).sort(), ['./c.js', '@zoo/a', '@zoo/b/sub', '@zoo/d', '@zoo/e', '@zoo/f', 'g'])
})

const packages = readWorkspace(ROOT)

t.test('the reader finds the workspace and what its sources import', async (t) => {
  const byName = new Map(packages.map((p) => [p.name, p]))
  for (const name of Object.keys(HOUSE_RULES.mayUse)) t.ok(byName.has(name), `${name} is a workspace package`)
  const server = byName.get('@zoo/server')
  const serverSrcImports = new Set(server?.files.filter((f) => f.role === 'src').flatMap((f) => f.imports))
  t.ok(serverSrcImports.has('@zoo/znode') && serverSrcImports.has('@zoo/consensus'), 'server src imports are read')
  t.ok(byName.get('@zoo/shell')?.files.some((f) => f.role === 'src' && f.imports.includes('@zoo/client')), 'shell src imports the client')
})

t.test('the server ships no client: no @zoo/client import in its src/, none in its dependencies', async (t) => {
  const server = packages.find((p) => p.name === '@zoo/server')
  if (server === undefined) throw new Error('no @zoo/server in the workspace')
  t.same(server.files.filter((f) => f.role === 'src' && f.imports.some((i) => i === '@zoo/client' || i.startsWith('@zoo/client/'))).map((f) => f.path), [])
  t.notOk([...server.dependencies, ...server.peerDependencies, ...server.optionalPeerDependencies].includes('@zoo/client'))
})

t.test('every workspace package keeps the house rules (who may import whom)', async (t) => {
  const violations = checkWorkspace(packages, HOUSE_RULES, rootDevDependencies(ROOT)).map(formatViolation)
  t.same(violations, [], violations.join('\n'))
})
