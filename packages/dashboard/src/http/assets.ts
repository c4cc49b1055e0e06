/**
 * The page's files (index.html and the rollup-built bundle), read once at start and served from
 * memory. Nothing is fetched from elsewhere: no CDN.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { extname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
}

export interface Asset {
  body: Buffer
  type: string
}

/** The built page next to the bundled server (dist/public), or, run from sources, the package's dist/public. */
export function defaultAssetsDir(): string {
  // dist/index.js, a chunk in dist/chunks/, or src/http/assets.ts run from sources
  const candidates = [new URL('./public/', import.meta.url), new URL('../public/', import.meta.url), new URL('../../dist/public/', import.meta.url)]
  const found = candidates.find((url) => existsSync(fileURLToPath(url)))
  return fileURLToPath(found ?? candidates[0]!)
}

const MAX_ASSET_BYTES = 16 << 20

export function loadAssets(dir: string): Map<string, Asset> {
  const assets = new Map<string, Asset>()
  if (!existsSync(dir)) return assets
  for (const name of readdirSync(dir)) {
    const file = join(dir, name)
    const type = TYPES[extname(name)]
    if (type === undefined || !statSync(file).isFile() || statSync(file).size > MAX_ASSET_BYTES) continue
    assets.set(name, { body: readFileSync(file), type })
  }
  return assets
}
