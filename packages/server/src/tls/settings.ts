// Apache's TLS keys for one prefix (`ssl.` for the client port, `ssl.quorum.` for member links),
// validated with zod into TlsSettings. Pure: file contents are read later (material.ts), so a
// config can be checked without touching the disk.
import type { SecureVersion } from 'node:tls'
import { z } from 'zod'
import { ciphersFromJavaList } from './ciphers.js'

export type TlsPrefix = 'ssl.' | 'ssl.quorum.'
export type ClientAuth = 'none' | 'want' | 'need'
/** Store formats we read: PEM (Apache 3.8's PEM type) and, for key stores, PKCS#12 via Node's pfx. */
export type StoreType = 'PEM' | 'PKCS12'

export interface TlsStore {
  location: string
  type: StoreType
  /** From `.password`, or read at load time from `.passwordPath`. */
  password: string | undefined
  passwordPath: string | undefined
  /** The config key naming this store's location (for errors). */
  key: string
}

export interface TlsSettings {
  prefix: TlsPrefix
  /** Config file the keys came from (for ConfigError). */
  file: string
  keyStore: TlsStore | undefined
  trustStore: TlsStore | undefined
  /** Apache's default is need. */
  clientAuth: ClientAuth
  minVersion: SecureVersion
  maxVersion: SecureVersion
  /** OpenSSL names joined by ':' (Node's `ciphers`); undefined: Node's defaults. */
  ciphers: string | undefined
  /** Check the server's certificate against the host dialled (Apache default true). */
  hostnameVerification: boolean
  /** Check a connecting peer's certificate against its address (Apache: quorum links only). */
  clientHostnameVerification: boolean
  /** A connection that has not finished its TLS handshake by then is closed. */
  handshakeTimeoutMs: number
}

export interface TlsIssue {
  key: string
  reason: string
}

const STORE_TYPES = ['PEM', 'PKCS12', 'JKS', 'BCFKS'] as const
const PROTOCOLS: Record<string, SecureVersion> = { TLSV1: 'TLSv1', 'TLSV1.1': 'TLSv1.1', 'TLSV1.2': 'TLSv1.2', 'TLSV1.3': 'TLSv1.3' }
const VERSION_ORDER: SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3']

const upper = z.string().transform((s) => s.trim().toUpperCase())
const bool = z
  .string()
  .transform((s) => s.trim().toLowerCase())
  .pipe(z.enum(['true', 'false'], { message: 'must be true or false' }))
  .transform((s) => s === 'true')
const nonEmpty = z.string().min(1, 'must not be empty')
const storeType = upper.pipe(z.enum(STORE_TYPES, { message: `must be one of ${STORE_TYPES.join(', ')}` }))
const protocol = upper.pipe(z.enum(['TLS', 'TLSV1', 'TLSV1.1', 'TLSV1.2', 'TLSV1.3'], { message: 'must be TLSv1.2, TLSv1.3 or TLS' }))

/** Keys under a prefix, relative to it, with their parsers. */
const keySchemas = {
  'keyStore.location': nonEmpty,
  'keyStore.type': storeType,
  'keyStore.password': z.string(),
  'keyStore.passwordPath': nonEmpty,
  'trustStore.location': nonEmpty,
  'trustStore.type': storeType,
  'trustStore.password': z.string(),
  'trustStore.passwordPath': nonEmpty,
  clientAuth: upper.pipe(z.enum(['NONE', 'WANT', 'NEED', ''], { message: 'must be none, want or need' })),
  protocol,
  enabledProtocols: z.string(),
  ciphersuites: z.string(),
  hostnameVerification: bool,
  clientHostnameVerification: bool,
  handshakeDetectionTimeoutMillis: z.string().regex(/^\d{1,9}$/, 'must be a whole number of milliseconds').transform(Number).pipe(z.number().min(1, 'must be at least 1')),
  crl: bool,
  ocsp: bool,
  authProvider: nonEmpty,
  allowReverseDnsLookup: bool,
}
type SubKey = keyof typeof keySchemas
type Parsed = Partial<{ [K in SubKey]: z.output<(typeof keySchemas)[K]> }>

/** Accepted so Apache configs load; they change nothing here. */
const IGNORED_SUBKEYS = new Set(['sslProvider', 'context.supplier.class'])

/** Whether `key` is one of this prefix's keys (`ssl.quorum.x` is not an `ssl.` key). */
export function isTlsKey(key: string, prefix: TlsPrefix): boolean {
  if (!key.startsWith(prefix)) return false
  return prefix === 'ssl.quorum.' || !key.startsWith('ssl.quorum.')
}

/**
 * Reads the keys of one prefix. `required` (the port or link that needs TLS is configured)
 * makes a missing key store an error; without it, settings are returned only if some key is set.
 */
export function parseTlsSettings(values: ReadonlyMap<string, string>, prefix: TlsPrefix, file: string, required: boolean): { settings: TlsSettings | undefined; issues: TlsIssue[]; warnings: string[] } {
  const issues: TlsIssue[] = []
  const warnings: string[] = []
  const parsed: Parsed = {}
  let any = false
  for (const [key, value] of values) {
    if (!isTlsKey(key, prefix)) continue
    any = true
    const sub = key.slice(prefix.length)
    if (sub in keySchemas) {
      const result = keySchemas[sub as SubKey].safeParse(value)
      if (result.success) (parsed as Record<string, unknown>)[sub] = result.data
      else issues.push({ key, reason: `${result.error.issues.map((i) => i.message).join('; ')} (got ${JSON.stringify(value)})` })
    } else if (IGNORED_SUBKEYS.has(sub)) {
      warnings.push(`${file}: ${key} is ignored: Node's OpenSSL is the only TLS provider`)
    } else {
      warnings.push(`${file}: unknown key ${key} (ignored)`)
    }
  }
  if (!required && !any) return { settings: undefined, issues, warnings }
  if (issues.length > 0) return { settings: undefined, issues, warnings }
  const settings = assemble(parsed, prefix, file, required, issues)
  return { settings: issues.length > 0 ? undefined : settings, issues, warnings }
}

function assemble(p: Parsed, prefix: TlsPrefix, file: string, required: boolean, issues: TlsIssue[]): TlsSettings {
  const issue = (sub: string, reason: string) => issues.push({ key: prefix + sub, reason })
  const keyStore = store(p, 'keyStore', prefix, issue)
  const trustStore = store(p, 'trustStore', prefix, issue)
  if (required && keyStore === undefined && p['keyStore.location'] === undefined) issue('keyStore.location', 'is not set (a TLS port needs this member\'s key and certificate)')
  if (trustStore?.type === 'PKCS12') issue('trustStore.type', 'PKCS12 trust stores are not supported: export the CA certificates to a PEM bundle (openssl pkcs12 -in store.p12 -nokeys -out ca.pem)')
  if (p.crl === true) issue('crl', 'certificate revocation lists from the certificates\' distribution points are not supported (set false)')
  if (p.ocsp === true) issue('ocsp', 'OCSP is not supported (set false)')
  if (p.authProvider !== undefined && p.authProvider !== 'x509') issue('authProvider', `only the x509 provider exists (got ${JSON.stringify(p.authProvider)})`)
  const versions = protocolRange(p, issue)
  let ciphers: string | undefined
  if (p.ciphersuites !== undefined) {
    const result = ciphersFromJavaList(p.ciphersuites)
    if ('error' in result) issue('ciphersuites', result.error)
    else ciphers = result.ciphers
  }
  return {
    prefix,
    file,
    keyStore,
    trustStore,
    clientAuth: p.clientAuth === undefined || p.clientAuth === '' ? 'need' : (p.clientAuth.toLowerCase() as ClientAuth),
    ...versions,
    ciphers,
    hostnameVerification: p.hostnameVerification ?? true,
    clientHostnameVerification: (p.hostnameVerification ?? true) && (p.clientHostnameVerification ?? prefix === 'ssl.quorum.'),
    handshakeTimeoutMs: p.handshakeDetectionTimeoutMillis ?? 5000,
  }
}

function store(p: Parsed, which: 'keyStore' | 'trustStore', prefix: TlsPrefix, issue: (sub: string, reason: string) => void): TlsStore | undefined {
  const location = p[`${which}.location`]
  if (location === undefined) {
    for (const sub of ['type', 'password', 'passwordPath'] as const) {
      if (p[`${which}.${sub}`] !== undefined) issue(`${which}.${sub}`, `is set but ${prefix}${which}.location is not`)
    }
    return undefined
  }
  let type = p[`${which}.type`]
  if (type === undefined) {
    // Apache infers the type from the extension when it is not given (KeyStoreFileType).
    const ext = /\.[^./\\]+$/.exec(location)?.[0]
    type = ({ '.pem': 'PEM', '.p12': 'PKCS12', '.jks': 'JKS', '.bcfks': 'BCFKS' } as const)[ext ?? ''] ?? undefined
    if (type === undefined) {
      issue(`${which}.type`, `is not set and cannot be told from the file name ${JSON.stringify(location)} (set PEM or PKCS12)`)
      return undefined
    }
  }
  if (type === 'JKS' || type === 'BCFKS') {
    issue(`${which}.type`, `${type} stores are not supported: use PEM (key and certificate chain in one file; convert with keytool -importkeystore to PKCS12, then openssl pkcs12 -nodes) or PKCS12 for a key store`)
    return undefined
  }
  return { location, type, password: p[`${which}.password`], passwordPath: p[`${which}.passwordPath`], key: `${prefix}${which}.location` }
}

function protocolRange(p: Parsed, issue: (sub: string, reason: string) => void): { minVersion: SecureVersion; maxVersion: SecureVersion } {
  if (p.enabledProtocols !== undefined) {
    const versions: SecureVersion[] = []
    for (const name of p.enabledProtocols.split(',').map((s) => s.trim()).filter((s) => s !== '')) {
      const v = PROTOCOLS[name.toUpperCase()]
      if (v === undefined) issue('enabledProtocols', `${JSON.stringify(name)} is not a TLS version (TLSv1.2, TLSv1.3)`)
      else versions.push(v)
    }
    if (versions.length === 0) {
      issue('enabledProtocols', 'lists no TLS version')
      return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' }
    }
    // Node enables a contiguous range; a gap (TLSv1.1,TLSv1.3) is widened to cover it.
    const idx = versions.map((v) => VERSION_ORDER.indexOf(v))
    return { minVersion: VERSION_ORDER[Math.min(...idx)] as SecureVersion, maxVersion: VERSION_ORDER[Math.max(...idx)] as SecureVersion }
  }
  // As the JDK's defaults for an SSLContext of that protocol: TLSv1.3 enables 1.3 and 1.2.
  switch (p.protocol) {
    case 'TLSV1.2':
      return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.2' }
    case 'TLSV1.1':
      return { minVersion: 'TLSv1.1', maxVersion: 'TLSv1.1' }
    case 'TLSV1':
      return { minVersion: 'TLSv1', maxVersion: 'TLSv1' }
    default:
      return { minVersion: 'TLSv1.2', maxVersion: 'TLSv1.3' }
  }
}
