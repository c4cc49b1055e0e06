import { readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createRequire } from 'node:module'
import { nodeResolve } from '@rollup/plugin-node-resolve'
import esbuild from 'rollup-plugin-esbuild'
import { packageConfig } from '../../rollup.base.mjs'

const root = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)

/** Copies static files (the HTML shell, stylesheets) next to the bundle. */
function copyFiles(files) {
  return {
    name: 'zoo-dashboard-copy',
    generateBundle() {
      for (const [fileName, from] of Object.entries(files)) this.emitFile({ type: 'asset', fileName, source: readFileSync(from) })
    },
  }
}

// The page: Preact + uPlot bundled into dist/public (served by the console itself; no CDN).
const page = {
  input: join(root, 'src/page/main.tsx'),
  plugins: [
    nodeResolve({ browser: true }),
    esbuild({ target: 'es2020', minify: true, tsconfig: join(root, 'tsconfig.page.json'), jsx: 'automatic', jsxImportSource: 'preact' }),
    copyFiles({
      'index.html': join(root, 'src/page/index.html'),
      'app.css': join(root, 'src/page/style.css'),
      'uPlot.min.css': require.resolve('uplot/dist/uPlot.min.css'),
    }),
  ],
  output: { dir: process.env.ZOO_DASHBOARD_PAGE_OUT ?? join(root, 'dist/public'), format: 'es', entryFileNames: 'app.js', sourcemap: true },
}

// ZOO_DASHBOARD_BUILD=page builds only the page (the browser tests do, into ZOO_DASHBOARD_PAGE_OUT, when dist is stale).
const server = packageConfig(import.meta.url, {
  entries: { index: 'src/index.ts', bin: 'src/bin.ts' },
  banner: (chunk) => (chunk.name === 'bin' ? '#!/usr/bin/env node' : ''),
})
export default process.env.ZOO_DASHBOARD_BUILD === 'page' ? [page] : [...server, page]
