/** Dashboard options, checked where they enter (the CLI and startDashboard) so a mistake names its field. */
import { parseConnectionString } from '@zoo/client'
import type { ClientOptions } from '@zoo/client'
import * as z from 'zod'

const port = z.number().int().min(0).max(65535)

export const dashboardOptionsSchema = z.strictObject({
  /** the ensemble: `host:port,host:port,...` (a chroot is not allowed: the console shows the whole tree) */
  connect: z.string().min(1),
  /** where the console listens; 127.0.0.1 unless you say otherwise */
  host: z.string().min(1).default('127.0.0.1'),
  /** 0 picks a free port */
  port: port.default(8080),
  /** serve the create/set/delete routes (each needs the token printed at start) */
  allowWrites: z.boolean().default(false),
  /** the token writes need; by default a fresh random one */
  token: z.string().min(16).max(256).optional(),
  /** the AdminServer port on every member's host (Apache's default is 8080); 0 turns the fallback off */
  adminPort: port.default(8080),
  /** per-member AdminServer ports, by client address: { '127.0.0.1:2181': 8081 } */
  adminPorts: z.record(z.string(), port.min(1)).default({}),
  /** how often each member is asked, and the ensemble view refreshed */
  intervalMs: z.number().int().min(200).max(60_000).default(1_000),
  /** deadline of each phase of a member probe (four-letter words, then AdminServer) */
  probeTimeoutMs: z.number().int().min(50).max(30_000).default(700),
  /** how much chart history is kept */
  historyMinutes: z.number().min(1).max(24 * 60).default(10),
  sessionTimeoutMs: z.number().int().min(1_000).max(120_000).default(15_000),
  /** deadline of each ZooKeeper call a request makes */
  requestTimeoutMs: z.number().int().min(100).max(60_000).default(5_000),
  /** tree/node/recipe requests served at once; more get a 503 */
  maxConcurrentRequests: z.number().int().min(1).max(1_000).default(16),
  /** open event streams (ensemble and live views) at once */
  maxStreams: z.number().int().min(1).max(1_000).default(64),
  /** paths watched live at once */
  maxLivePaths: z.number().int().min(1).max(1_000).default(32),
  /** where the page's files are; by default the package's own build */
  assetsDir: z.string().optional(),
  /**
   * TLS to the members' secureClientPort: @zoo/client's `tls` option (checked by createClient),
   * used by the console's session and its four-letter-word probes alike
   */
  tls: z.custom<NonNullable<ClientOptions['tls']>>((v) => typeof v === 'object' && v !== null && !Array.isArray(v), { error: 'tls must be an object: @zoo/client\'s tls option' }).optional(),
})

export type DashboardOptions = z.input<typeof dashboardOptionsSchema>
export type ResolvedDashboardOptions = z.output<typeof dashboardOptionsSchema>

export class InvalidDashboardOptionsError extends TypeError {
  override readonly name = 'InvalidDashboardOptionsError'
}

export function parseDashboardOptions(options: DashboardOptions): ResolvedDashboardOptions {
  const result = dashboardOptionsSchema.safeParse(options)
  if (!result.success) throw new InvalidDashboardOptionsError(`invalid dashboard options:\n${z.prettifyError(result.error)}`)
  const parsed = parseConnectionString(result.data.connect)
  if (parsed.chroot !== undefined && parsed.chroot !== '' && parsed.chroot !== '/') {
    throw new InvalidDashboardOptionsError(`invalid dashboard options: --connect takes no chroot (${parsed.chroot}); the console shows the whole tree`)
  }
  return result.data
}
