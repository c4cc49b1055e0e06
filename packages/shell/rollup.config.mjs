import { packageConfig } from '../../rollup.base.mjs'

// cli is the `zoo-shell` bin: only that chunk gets the shebang.
export default packageConfig(import.meta.url, {
  entries: { index: 'src/index.ts', cli: 'src/cli.ts' },
  banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
})
