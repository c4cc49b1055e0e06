import { packageConfig } from '../../rollup.base.mjs'

// sim-cli is the `zoo-sim` bin: only that chunk gets the shebang.
export default packageConfig(import.meta.url, {
  entries: { index: 'src/index.ts', 'sim-cli': 'src/sim-cli.ts' },
  banner: (chunk) => (chunk.name === 'sim-cli' ? '#!/usr/bin/env node' : ''),
})
