import { existsSync } from 'node:fs'
import { join } from 'node:path'
import type { ConnectionOptions } from 'node:tls'
import { fileURLToPath } from 'node:url'
import type { ApacheEnsemble, ApacheMember } from './apache.js'
import { fourLetterWord, waitFor } from './ports.js'
import { spawnTracked, tempDir } from './processes.js'
import { configFile, layOutEnsemble, superviseEnsemble, whitelist } from './ensemble.js'

/** The repository root (this file is tools/testkit/{src,dist}/*). */
const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url))
/** `zoo` run from source, so tests need no build of @zoo/server (testkit never imports it). */
const ZOO_CLI = join(REPO_ROOT, 'packages/server/src/cli.ts')
/** `zoo` as built by rollup, as users run it (`fromDist`). */
const ZOO_CLI_BUILT = join(REPO_ROOT, 'packages/server/dist/cli.js')

/** Same shape as an Apache member/ensemble, so a test target can swap one for the other. */
export type ZooMember = ApacheMember
export type ZooEnsemble = ApacheEnsemble

export interface ZooClusterOptions {
  /** number of voting members; 1 runs a standalone member */
  members?: number
  tickTimeMs?: number
  /** extra zoo.cfg lines (e.g. `readonlymode.enabled: 'true'`) */
  config?: Record<string, string | number>
  /** extra zoo.cfg lines for one member, after `config` (e.g. its own `ssl.quorum.keyStore.location`) */
  memberConfig?: (id: number) => Record<string, string | number>
  /** `4lw.commands.whitelist` (default every word); must hold `ruok` or `srvr` */
  fourLetterWords?: readonly string[]
  /** each member's admin HTTP server on its own free port on 127.0.0.1 (default false) */
  adminServer?: boolean
  /**
   * A TLS-only cluster: every member's client port (`members[i].clientPort`) is its
   * `secureClientPort` and there is no plain one. The `ssl.*` keys go in `config`/`memberConfig`;
   * `probe` is what the startup and `mode()` probes connect with (a trusted CA, and a client
   * certificate when `ssl.clientAuth` is need).
   */
  tls?: { probe: ConnectionOptions }
  /**
   * Run the members from @zoo/server's build (packages/server/dist, what `npm install` users
   * run) instead of from source through tsx; the build must exist (`npx nx run @zoo/server:build`).
   * For benchmarks: tsx's transform wraps every named function and class (keepNames), which
   * costs per call on the hot path.
   */
  fromDist?: boolean
}

/**
 * Starts a `zoo` cluster of `members` processes (`zoo server --config`, one per member, from
 * source via tsx, or from the build with `fromDist`) on 127.0.0.1 with OS-chosen ports, and waits until every member serves.
 * kill(id) is SIGKILL; start(id) restarts a member on its data. Data lives in a temp dir
 * removed by `stop()`.
 */
export async function startZooCluster(options: ZooClusterOptions = {}): Promise<ZooEnsemble> {
  whitelist(options.fourLetterWords)
  const root = tempDir('zoo-cluster')
  const probe = options.tls?.probe
  const members = await layOutEnsemble(root.path, { ...options, tlsOnly: probe !== undefined })
  if (options.fromDist === true && !existsSync(ZOO_CLI_BUILT)) throw new Error(`startZooCluster({ fromDist: true }): ${ZOO_CLI_BUILT} is missing; build it first with: npx nx run @zoo/server:build`)
  const cli = options.fromDist === true ? [ZOO_CLI_BUILT] : ['--import', 'tsx', '--conditions=zoo-source', ZOO_CLI]
  const start = async (member: ZooMember) => {
    const args = [...cli, 'server', '--config', configFile(member)]
    member.process = spawnTracked(process.execPath, args, { cwd: REPO_ROOT })
    // Up means its client port answers; a restarted member may stay outside a quorum (a
    // minority), so its mode is not waited for here.
    await waitFor(async () => (await fourLetterWord(member.clientPort, 'srvr', '127.0.0.1', 1_000, probe)).length > 0, 60_000, `zoo member ${member.id} to answer srvr`)
  }
  return await superviseEnsemble(members, start, root.remove, 'zoo', probe)
}
