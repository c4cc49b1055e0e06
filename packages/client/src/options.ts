/**
 * The edge where user input enters: the connection string and the client options, checked with
 * zod so that a typo (`sessionTimeout: 10`) fails at once with a message naming the field,
 * instead of as a strange session later.
 */
import * as z from 'zod'
import { validatePath } from './paths.js'

export const DEFAULT_PORT = 2181
/** 128 KiB: Apache's client bound for one SetWatches frame, well under any server's frame limit. */
export const SET_WATCHES_MAX_FRAME_BYTES = 128 * 1024
const MAX_INT32 = 2 ** 31 - 1

export interface HostAddress {
  host: string
  port: number
}

export interface ConnectionString {
  hosts: HostAddress[]
  /** absolute path every request is relative to; undefined when none */
  chroot: string | undefined
}

/** A bad option or connection string. Recipes throw it too (or a subclass naming their package). */
export class InvalidOptionsError extends TypeError {
  override readonly name: string = 'InvalidOptionsError'
}

const port = (text: string, ctx: z.RefinementCtx): number => {
  const value = /^\d{1,5}$/.test(text) ? Number(text) : NaN
  if (!(value >= 1 && value <= 65_535)) ctx.addIssue({ code: 'custom', message: `port ${JSON.stringify(text)} is not a number from 1 to 65535` })
  return value
}

function parseHost(entry: string, ctx: z.RefinementCtx): HostAddress {
  const bracketed = /^\[([0-9a-fA-F:.]+)\](?::(.*))?$/.exec(entry)
  if (bracketed) return { host: bracketed[1]!, port: bracketed[2] === undefined ? DEFAULT_PORT : port(bracketed[2], ctx) }
  const colon = entry.lastIndexOf(':')
  if (colon !== -1 && entry.indexOf(':') !== colon) {
    ctx.addIssue({ code: 'custom', message: `host ${JSON.stringify(entry)}: write IPv6 addresses in brackets, e.g. [::1]:2181` })
    return { host: entry, port: DEFAULT_PORT }
  }
  const host = colon === -1 ? entry : entry.slice(0, colon)
  if (!/^[A-Za-z0-9._-]+$/.test(host)) ctx.addIssue({ code: 'custom', message: `host ${JSON.stringify(entry)} is not a host name or address` })
  return { host, port: colon === -1 ? DEFAULT_PORT : port(entry.slice(colon + 1), ctx) }
}

export const connectionStringSchema = z
  .string({ error: 'the connection string must be a string like "127.0.0.1:2181,127.0.0.1:2182/app"' })
  .transform((text, ctx): ConnectionString => {
    const slash = text.indexOf('/')
    const hostPart = (slash === -1 ? text : text.slice(0, slash)).trim()
    const chrootPart = slash === -1 ? undefined : text.slice(slash)
    const entries = hostPart.split(',').map((entry) => entry.trim())
    if (hostPart === '' || entries.some((entry) => entry === '')) {
      ctx.addIssue({ code: 'custom', message: `connection string ${JSON.stringify(text)} needs host:port entries separated by commas` })
      return z.NEVER
    }
    const hosts = entries.map((entry) => parseHost(entry, ctx))
    let chroot: string | undefined
    if (chrootPart !== undefined && chrootPart !== '/') {
      try {
        validatePath(chrootPart)
        chroot = chrootPart
      } catch (error) {
        ctx.addIssue({ code: 'custom', message: `chroot: ${(error as Error).message}` })
      }
    }
    return { hosts, chroot }
  })

const positiveMs = (what: string, max = MAX_INT32) =>
  z
    .number({ error: `${what} must be a number of milliseconds` })
    .int({ error: `${what} must be a whole number of milliseconds` })
    .min(1, { error: `${what} must be at least 1 ms` })
    .max(max, { error: `${what} must be at most ${max} ms` })

const retrySchema = z.strictObject({
  /** attempts in all, the first one included */
  maxAttempts: z.number().int().min(1).max(100).default(3),
  initialDelayMs: z.number().int().min(0).max(60_000).default(50),
  maxDelayMs: z.number().int().min(0).max(600_000).default(2_000),
})

const pem = (what: string) =>
  z.union([z.string(), z.instanceof(Buffer)], { error: `${what} must be PEM text (a string or Buffer) or a list of them` })
const pemList = (what: string) =>
  z.union([pem(what), z.array(pem(what)).min(1, { error: `${what} must not be an empty list` })], {
    error: (issue) => (Array.isArray(issue.input) ? undefined : `${what} must be PEM text (a string or Buffer) or a list of them`),
  })

const tlsSchema = z
  .strictObject({
    /** trusted CA certificates (PEM); default: Node's bundled roots */
    ca: pemList('tls.ca').optional(),
    /** this client's certificate chain (PEM), for servers with ssl.clientAuth=want|need (x509 identity) */
    cert: pemList('tls.cert').optional(),
    /** the key of `cert` (PEM) */
    key: pemList('tls.key').optional(),
    /** decrypts an encrypted `key` */
    passphrase: z.string().optional(),
    /** the name the server's certificate must carry (and SNI); default: the host of the connection string */
    servername: z.string().min(1, { error: 'tls.servername must not be empty' }).optional(),
    /** check the server's certificate (chain and name); false only for tests */
    rejectUnauthorized: z.boolean().default(true),
  })
  .refine((tls) => (tls.cert === undefined) === (tls.key === undefined), { error: 'tls.cert and tls.key go together: give both or neither' })

export type TlsOptions = z.output<typeof tlsSchema>

export const clientOptionsSchema = z.strictObject({
  /** connect over TLS (the server's secureClientPort); reconnects use TLS too */
  tls: tlsSchema.optional(),
  /** asked of the server, which clamps it to [2, 20] ticks by default; see `negotiatedTimeoutMs` */
  sessionTimeoutMs: positiveMs('sessionTimeoutMs').default(30_000),
  /** one TCP connect + handshake attempt; default: sessionTimeoutMs / number of hosts, at least 1 s */
  connectTimeoutMs: positiveMs('connectTimeoutMs').optional(),
  /** default time limit of every call (a call's own `timeoutMs` wins); default none */
  requestTimeoutMs: positiveMs('requestTimeoutMs').optional(),
  /** accept a read-only server (a member cut off from its quorum); state is then `readOnly` */
  readOnly: z.boolean().default(false),
  /** after an expiry, open a fresh session (true, as kazoo and Curator) or stay expired (false) */
  renewSessionOnExpiry: z.boolean().default(true),
  /** resume an existing session (e.g. handed over from another process) */
  session: z
    .strictObject({
      id: z.bigint({ error: 'session.id must be a bigint' }),
      password: z.instanceof(Buffer, { error: 'session.password must be a Buffer' }).refine((b) => b.length === 16, { error: 'session.password must be 16 bytes' }),
    })
    .optional(),
  /** credentials added before the first request and replayed on every reconnect */
  auth: z.array(z.strictObject({ scheme: z.string().min(1), credentials: z.union([z.string(), z.instanceof(Buffer)]) })).default([]),
  /** opt-in retry of idempotent reads after CONNECTIONLOSS; writes are never retried */
  retry: z.union([z.literal(false), retrySchema]).default(false),
  /** requests sent and not yet answered; more wait in the queue */
  maxInFlightRequests: z.number().int().min(1).max(1_000_000).default(10_000),
  /** requests waiting to be sent (e.g. while reconnecting); more fail with THROTTLEDOP */
  maxQueuedRequests: z.number().int().min(1).max(10_000_000).default(100_000),
  /** largest reply frame accepted; a server's data limit is 1 MiB, children lists can be larger */
  maxFrameBytes: z.number().int().min(1024).max(2 ** 30).default(4 * 1024 * 1024),
  /** try hosts in random order (default), or as listed */
  shuffleHosts: z.boolean().default(true),
})

export type ClientOptions = z.input<typeof clientOptionsSchema>
export type ResolvedOptions = z.output<typeof clientOptionsSchema>
export type RetryOptions = z.output<typeof retrySchema>

function fail(what: string, error: z.ZodError): never {
  throw new InvalidOptionsError(`invalid ${what}:\n${z.prettifyError(error)}`)
}

export function parseConnectionString(text: string): ConnectionString {
  const result = connectionStringSchema.safeParse(text)
  return result.success ? result.data : fail('connection string', result.error)
}

export function parseClientOptions(options: ClientOptions | undefined): ResolvedOptions {
  const result = clientOptionsSchema.safeParse(options ?? {})
  return result.success ? result.data : fail('client options', result.error)
}

/** Per-attempt connect timeout: the session timeout shared across hosts, as Apache's client. */
export function connectTimeoutFor(options: ResolvedOptions, hostCount: number): number {
  return options.connectTimeoutMs ?? Math.max(1_000, Math.floor(options.sessionTimeoutMs / Math.max(1, hostCount)))
}
