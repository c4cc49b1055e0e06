import { packageConfig } from '../../rollup.base.mjs'

export default packageConfig(import.meta.url, { entries: { index: 'src/index.ts', cli: 'src/cli.ts', 'owner-process': 'src/workload/owner-process.ts' } })
