// Reads the workspace as the checker needs it: each package's manifest (names only, not
// versions) and, for each of its source files, the module specifiers it imports. I/O lives
// here; the checker (check.ts) is a pure function of what this returns.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'
import ts from 'typescript'

export type FileRole = 'src' | 'test'

export interface SourceFile {
  /** relative to the package directory, with `/` */
  path: string
  /** `src/` is what the package ships; every other folder (test, bench, ...) is development only */
  role: FileRole
  imports: string[]
}

export interface WorkspacePackage {
  name: string
  /** relative to the workspace root, e.g. `packages/server` */
  dir: string
  dependencies: string[]
  peerDependencies: string[]
  optionalPeerDependencies: string[]
  devDependencies: string[]
  files: SourceFile[]
}

interface Manifest {
  name?: string
  workspaces?: string[]
  dependencies?: Record<string, string>
  peerDependencies?: Record<string, string>
  peerDependenciesMeta?: Record<string, { optional?: boolean }>
  devDependencies?: Record<string, string>
}

const SOURCE_FILE = /\.(ts|tsx|mts|cts|js|mjs|cjs)$/
const SKIPPED_DIRS = new Set(['node_modules', 'dist', 'coverage'])

/**
 * Every module specifier a file imports: static imports (type-only too), `export ... from`,
 * `require`, and dynamic `import()` with a literal specifier. A specifier computed at run time is
 * invisible here by nature: that is how a package loads an optional peer without depending on it.
 */
export function importsOf(text: string): string[] {
  return ts.preProcessFile(text, true, true).importedFiles.map((f) => f.fileName)
}

function readManifest(file: string): Manifest {
  return JSON.parse(readFileSync(file, 'utf8')) as Manifest
}

function sourceFiles(dir: string, out: string[] = []): string[] {
  for (const entry of readdirSync(dir)) {
    if (entry.startsWith('.') || SKIPPED_DIRS.has(entry)) continue
    const path = join(dir, entry)
    if (statSync(path).isDirectory()) sourceFiles(path, out)
    else if (SOURCE_FILE.test(entry)) out.push(path)
  }
  return out
}

/** The package folders the root manifest's `workspaces` names (`dir/*` patterns or plain folders). */
function workspaceDirs(root: string): string[] {
  const patterns = readManifest(join(root, 'package.json')).workspaces ?? []
  return patterns.flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern]
    const parent = pattern.slice(0, -2)
    if (!existsSync(join(root, parent))) return []
    return readdirSync(join(root, parent)).map((entry) => `${parent}/${entry}`)
  })
}

export function readPackage(root: string, dir: string): WorkspacePackage {
  const packageDir = join(root, dir)
  const manifest = readManifest(join(packageDir, 'package.json'))
  if (manifest.name === undefined) throw new Error(`${dir}/package.json has no name`)
  const peers = Object.keys(manifest.peerDependencies ?? {})
  const optional = (name: string) => manifest.peerDependenciesMeta?.[name]?.optional === true
  const files = readdirSync(packageDir)
    .filter((entry) => !entry.startsWith('.') && !SKIPPED_DIRS.has(entry) && statSync(join(packageDir, entry)).isDirectory())
    .flatMap((folder) =>
      sourceFiles(join(packageDir, folder)).map((file) => ({
        path: relative(packageDir, file).split('\\').join('/'),
        role: (folder === 'src' ? 'src' : 'test') as FileRole,
        imports: importsOf(readFileSync(file, 'utf8')),
      })),
    )
  return {
    name: manifest.name,
    dir,
    dependencies: Object.keys(manifest.dependencies ?? {}),
    peerDependencies: peers.filter((p) => !optional(p)),
    optionalPeerDependencies: peers.filter(optional),
    devDependencies: Object.keys(manifest.devDependencies ?? {}),
    files,
  }
}

/** Every workspace package (a folder the root's `workspaces` names that has a package.json). */
export function readWorkspace(root: string): WorkspacePackage[] {
  return workspaceDirs(root)
    .filter((dir) => existsSync(join(root, dir, 'package.json')))
    .sort()
    .map((dir) => readPackage(root, dir))
}

/** The root manifest's devDependencies: the tools every package's tests may use undeclared. */
export function rootDevDependencies(root: string): string[] {
  return Object.keys(readManifest(join(root, 'package.json')).devDependencies ?? {})
}
