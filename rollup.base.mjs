// One rollup recipe for every package: an ESM bundle per subpath entry plus a bundled .d.ts.
// Everything that is not a relative import stays external, so a package never inlines another.
import { fileURLToPath } from 'node:url'
import { dirname, join } from 'node:path'
import esbuild from 'rollup-plugin-esbuild'
import dts from 'rollup-plugin-dts'

const isExternal = (id) => !id.startsWith('.') && !id.startsWith('/') && !id.startsWith('\0')

/** @param {string} configUrl import.meta.url of the package's rollup.config.mjs */
export function packageConfig(configUrl, { entries = { index: 'src/index.ts' }, banner } = {}) {
  const root = dirname(fileURLToPath(configUrl))
  const input = Object.fromEntries(Object.entries(entries).map(([name, file]) => [name, join(root, file)]))
  return [
    {
      input,
      external: isExternal,
      plugins: [esbuild({ target: 'node20', tsconfig: join(root, 'tsconfig.json') })],
      output: { dir: join(root, 'dist'), format: 'es', entryFileNames: '[name].js', chunkFileNames: 'chunks/[name]-[hash].js', sourcemap: true, banner },
    },
    {
      input,
      external: isExternal,
      plugins: [dts({ tsconfig: join(root, 'tsconfig.json') })],
      output: { dir: join(root, 'dist'), format: 'es', entryFileNames: '[name].d.ts', chunkFileNames: 'chunks/[name]-[hash].d.ts' },
    },
  ]
}
