/**
 * The browser tests need the page's bundle. The package's own build (dist/public) is used when
 * it is newer than every page source; otherwise the page alone is built into a temp dir (never
 * racing a concurrent `rollup -c` over dist/).
 */
import { execFile } from 'node:child_process'
import { existsSync, readdirSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import { tempDir } from '@zoo/testkit'
import type { Test } from 'tap'

const packageDir = fileURLToPath(new URL('../../', import.meta.url))

function newestSourceMs(dir: string): number {
  let newest = 0
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name)
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMs(path) : statSync(path).mtimeMs)
  }
  return newest
}

/** A directory holding a page built from the current sources. */
export async function pageAssetsFor(t: Test): Promise<string> {
  const built = join(packageDir, 'dist/public')
  const bundle = join(built, 'app.js')
  const sources = Math.max(newestSourceMs(join(packageDir, 'src/page')), newestSourceMs(join(packageDir, 'src/shared')))
  if (existsSync(bundle) && statSync(bundle).mtimeMs >= sources) return built
  const out = tempDir('zoo-dashboard-page')
  t.teardown(() => out.remove())
  const rollup = join(packageDir, '../../node_modules/.bin/rollup')
  const env = { ...process.env, ZOO_DASHBOARD_BUILD: 'page', ZOO_DASHBOARD_PAGE_OUT: out.path }
  await promisify(execFile)(rollup, ['-c', '--silent'], { cwd: packageDir, env }).catch((error: Error & { stderr?: string }) => {
    throw new Error(`building the page failed: ${error.stderr ?? error.message}`)
  })
  return out.path
}
