// The check itself: pure, a function of the packages read and the rules.
import { builtinModules } from 'node:module'
import { posix } from 'node:path'
import { ANY } from './rules.js'
import type { Exception, Rules } from './rules.js'
import type { SourceFile, WorkspacePackage } from './workspace.js'

export type ViolationKind =
  | 'unlisted package' // not in the rules: decide what it may use
  | 'forbidden dependency' // package.json names a package the rules do not allow
  | 'forbidden import' // src/ imports a package the rules do not allow
  | 'undeclared import' // a file imports a package its package.json does not name
  | 'path into another package' // a relative import that leaves the package folder
  | 'cycle' // packages that depend on each other, through any kind of dependency
  | 'stale exception' // an exception that no longer matches anything

export interface Violation {
  kind: ViolationKind
  package: string
  /** the file, relative to the package, when the violation is in a file */
  file?: string
  /** the package or path at fault */
  target: string
}

const BUILTINS = new Set(builtinModules)

/** `@scope/name/sub/path` -> `@scope/name`, `name/sub` -> `name`; undefined for relative or built-in specifiers. */
export function packageOf(specifier: string): string | undefined {
  if (specifier.startsWith('.') || specifier.startsWith('/') || specifier.startsWith('node:')) return undefined
  const parts = specifier.split('/')
  const name = specifier.startsWith('@') ? parts.slice(0, 2).join('/') : (parts[0] as string)
  return BUILTINS.has(name) ? undefined : name
}

function allowed(rules: Rules, from: string, to: string): boolean {
  const mayUse = rules.mayUse[from]
  return mayUse === ANY || (mayUse ?? []).includes(to)
}

function checkManifest(pkg: WorkspacePackage, ours: Set<string>, rules: Rules): Violation[] {
  const shipped = [...pkg.dependencies, ...pkg.peerDependencies].filter((d) => ours.has(d) && !allowed(rules, pkg.name, d))
  const optional = pkg.optionalPeerDependencies.filter((d) => ours.has(d) && !allowed(rules, pkg.name, d) && !(rules.optionalPeers[pkg.name] ?? []).includes(d))
  return [...shipped, ...optional].map((target) => ({ kind: 'forbidden dependency', package: pkg.name, target }))
}

function checkFile(pkg: WorkspacePackage, file: SourceFile, ours: Set<string>, rules: Rules, rootDev: Set<string>): Violation[] {
  const out: Violation[] = []
  const shipped = new Set([...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalPeerDependencies])
  const declared = new Set([...shipped, ...pkg.devDependencies, ...rootDev])
  for (const specifier of new Set(file.imports)) {
    if (specifier.startsWith('.')) {
      const resolved = posix.normalize(posix.join(posix.dirname(file.path), specifier))
      if (resolved.startsWith('../')) out.push({ kind: 'path into another package', package: pkg.name, file: file.path, target: specifier })
      continue
    }
    const target = packageOf(specifier)
    if (target === undefined || target === pkg.name) continue
    if (file.role === 'src' && ours.has(target) && !allowed(rules, pkg.name, target)) out.push({ kind: 'forbidden import', package: pkg.name, file: file.path, target })
    // Shipped code needs what it imports installed with it; development code may use devDependencies
    // and the root's shared tools. Only workspace packages are held to this: an npm package
    // hoisted by the root is a matter for npm, not for the house plan.
    if (ours.has(target) && !(file.role === 'src' ? shipped : declared).has(target)) out.push({ kind: 'undeclared import', package: pkg.name, file: file.path, target })
  }
  return out
}

/** Cycles through any kind of dependency (dev included: a cycle there still knots builds and tests). */
function findCycles(packages: WorkspacePackage[]): string[][] {
  const edges = new Map(packages.map((p) => [p.name, [...p.dependencies, ...p.peerDependencies, ...p.optionalPeerDependencies, ...p.devDependencies].filter((d) => d !== p.name)]))
  const cycles: string[][] = []
  const state = new Map<string, 'visiting' | 'done'>()
  const stack: string[] = []
  const visit = (name: string) => {
    state.set(name, 'visiting')
    stack.push(name)
    for (const next of edges.get(name) ?? []) {
      if (!edges.has(next)) continue
      if (state.get(next) === 'visiting') cycles.push([...stack.slice(stack.indexOf(next)), next])
      else if (state.get(next) === undefined) visit(next)
    }
    stack.pop()
    state.set(name, 'done')
  }
  for (const name of [...edges.keys()].sort()) if (state.get(name) === undefined) visit(name)
  return cycles
}

function excused(v: Violation, e: Exception): boolean {
  return v.package === e.package && v.file === e.file && v.target === e.imports
}

/**
 * Every breach of the rules in the workspace, minus the listed exceptions (an exception that
 * excuses nothing is itself reported, so the list shrinks as breaches are fixed).
 */
export function checkWorkspace(packages: WorkspacePackage[], rules: Rules, rootDevDependencies: readonly string[] = []): Violation[] {
  const ours = new Set(packages.map((p) => p.name))
  const rootDev = new Set(rootDevDependencies)
  const found: Violation[] = []
  for (const pkg of packages) {
    if (rules.mayUse[pkg.name] === undefined) found.push({ kind: 'unlisted package', package: pkg.name, target: pkg.dir })
    found.push(...checkManifest(pkg, ours, rules))
    for (const file of pkg.files) found.push(...checkFile(pkg, file, ours, rules, rootDev))
  }
  for (const cycle of findCycles(packages)) found.push({ kind: 'cycle', package: cycle[0] as string, target: cycle.join(' -> ') })
  const remaining = found.filter((v) => !rules.exceptions.some((e) => excused(v, e)))
  const stale = rules.exceptions.filter((e) => !found.some((v) => excused(v, e)))
  return [...remaining, ...stale.map((e): Violation => ({ kind: 'stale exception', package: e.package, file: e.file, target: e.imports }))]
}

export function formatViolation(v: Violation): string {
  if (v.kind === 'cycle') return `cycle: ${v.target}`
  return `${v.kind}: ${v.package}${v.file === undefined ? '' : ` ${v.file}`} -> ${v.target}`
}
