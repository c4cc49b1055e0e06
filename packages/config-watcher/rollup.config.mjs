import { packageConfig } from '../../rollup.base.mjs'

// bin is the `zoo-config` executable: only that chunk gets the shebang.
export default packageConfig(import.meta.url, {
  entries: { index: 'src/index.ts', redis: 'src/redis/index.ts', cli: 'src/cli/index.ts', bin: 'src/cli/bin.ts' },
  banner: (chunk) => (chunk.name === 'bin' ? '#!/usr/bin/env node' : ''),
})
