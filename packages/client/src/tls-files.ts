/**
 * TLS options from PEM files, for command lines and configs that name files rather than hold
 * PEM text. The client certificate may be Apache's PEM key store (key and certificate chain in
 * one file, `zookeeper.ssl.keyStore.location`): give the same file as `cert` and `key`, or as
 * `keyStore`.
 */
import { readFileSync } from 'node:fs'
import { InvalidOptionsError } from './options.js'
import type { TlsOptions } from './options.js'

export interface TlsFiles {
  /** trusted CA certificates (a PEM bundle) */
  ca?: string
  /** key and certificate chain in one PEM file */
  keyStore?: string
  /** the client certificate chain (PEM) */
  cert?: string
  /** the key of `cert` (PEM) */
  key?: string
  passphrase?: string
  servername?: string
}

/** Environment variables the zoo command lines read when no TLS flag is given. */
export const TLS_ENVIRONMENT = { ca: 'ZOO_TLS_CA', cert: 'ZOO_TLS_CERT', key: 'ZOO_TLS_KEY', servername: 'ZOO_TLS_SERVERNAME' } as const

function read(what: string, path: string): string {
  try {
    return readFileSync(path, 'utf8')
  } catch (e) {
    throw new InvalidOptionsError(`tls ${what} ${path} cannot be read: ${(e as Error).message}`)
  }
}

/** Reads the files into the client's `tls` option (still checked by createClient). */
export function readTlsFiles(files: TlsFiles): Omit<TlsOptions, 'rejectUnauthorized'> {
  if (files.keyStore !== undefined && (files.cert !== undefined || files.key !== undefined)) throw new InvalidOptionsError('tls: give a keyStore, or cert and key, not both')
  const cert = files.keyStore ?? files.cert
  const key = files.keyStore ?? files.key ?? files.cert
  const tls: Omit<TlsOptions, 'rejectUnauthorized'> = {}
  if (files.ca !== undefined) tls.ca = read('ca', files.ca)
  if (cert !== undefined && key !== undefined) {
    tls.cert = read('cert', cert)
    tls.key = read('key', key)
  }
  if (files.passphrase !== undefined) tls.passphrase = files.passphrase
  if (files.servername !== undefined) tls.servername = files.servername
  return tls
}

/** `tls` from ZOO_TLS_CA / ZOO_TLS_CERT / ZOO_TLS_KEY / ZOO_TLS_SERVERNAME, or undefined when none is set. */
export function tlsFromEnvironment(env: NodeJS.ProcessEnv = process.env): Omit<TlsOptions, 'rejectUnauthorized'> | undefined {
  const files = { ca: env[TLS_ENVIRONMENT.ca], cert: env[TLS_ENVIRONMENT.cert], key: env[TLS_ENVIRONMENT.key], servername: env[TLS_ENVIRONMENT.servername] }
  if (Object.values(files).every((v) => v === undefined || v === '')) return undefined
  return readTlsFiles(Object.fromEntries(Object.entries(files).filter(([, v]) => v !== undefined && v !== '')))
}
