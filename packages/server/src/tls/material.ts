// The I/O half of TLS settings: reads the key store and trust store files, checks that they hold
// what they claim (a key that matches its certificate, parseable CA certificates), and turns
// them into Node TLS options. A problem is a ConfigError naming the key, so a member refuses to
// start rather than serving with a context it cannot build.
import { readFileSync } from 'node:fs'
import { createPrivateKey, X509Certificate } from 'node:crypto'
import { createSecureContext } from 'node:tls'
import type { ConnectionOptions, SecureContextOptions, TlsOptions } from 'node:tls'
import { ConfigError } from '../config/schema.js'
import type { TlsSettings, TlsStore } from './settings.js'

/** Bound on what we read as a key or trust store. */
const MAX_STORE_BYTES = 1 << 20

export interface TlsMaterial {
  /** Unencrypted PKCS#8 PEM of this member's key (PEM key stores). */
  key: string | undefined
  /** This member's certificate chain, leaf first (PEM key stores). */
  cert: string | undefined
  /** A PKCS#12 key store as Node's pfx, with its passphrase. */
  pfx: { buf: Buffer; passphrase: string | undefined } | undefined
  /** Trusted CA certificates (PEM); undefined: Node's bundled roots. */
  ca: string[] | undefined
  /** This member's leaf certificate, when readable (logged on load and reload). */
  certificate: X509Certificate | undefined
  /** Files whose change triggers a reload. */
  files: string[]
}

const PEM_BLOCK = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n[\s\S]*?-----END \1-----/g
const KEY_LABELS = new Set(['PRIVATE KEY', 'ENCRYPTED PRIVATE KEY', 'RSA PRIVATE KEY', 'EC PRIVATE KEY'])

function pemBlocks(text: string): { label: string; pem: string }[] {
  return [...text.matchAll(PEM_BLOCK)].map((m) => ({ label: m[1] as string, pem: m[0] }))
}

class StoreError extends Error {
  constructor(
    readonly key: string,
    message: string,
  ) {
    super(message)
  }
}

function readStore(store: TlsStore): Buffer {
  try {
    const bytes = readFileSync(store.location)
    if (bytes.length > MAX_STORE_BYTES) throw new Error(`larger than ${MAX_STORE_BYTES} bytes`)
    return bytes
  } catch (e) {
    throw new StoreError(store.key, `${store.location} cannot be read: ${(e as Error).message}`)
  }
}

function passwordOf(store: TlsStore): string | undefined {
  if (store.passwordPath === undefined) return store.password === '' ? undefined : store.password
  try {
    // Apache reads the whole file as the password (SecretUtils.readSecret), trailing newline cut.
    return readFileSync(store.passwordPath, 'utf8').replace(/\r?\n$/, '')
  } catch (e) {
    throw new StoreError(store.key.replace(/location$/, 'passwordPath'), `${store.passwordPath} cannot be read: ${(e as Error).message}`)
  }
}

function loadPemKeyStore(store: TlsStore): Pick<TlsMaterial, 'key' | 'cert' | 'certificate'> {
  const blocks = pemBlocks(readStore(store).toString('utf8'))
  const keys = blocks.filter((b) => KEY_LABELS.has(b.label))
  const certs = blocks.filter((b) => b.label === 'CERTIFICATE')
  if (keys.length !== 1) throw new StoreError(store.key, `${store.location} must hold exactly one private key (found ${keys.length})`)
  if (certs.length === 0) throw new StoreError(store.key, `${store.location} holds no CERTIFICATE (a PEM key store is the key and its certificate chain in one file)`)
  const passphrase = passwordOf(store) ?? ''
  let privateKey
  try {
    privateKey = createPrivateKey({ key: (keys[0] as { pem: string }).pem, format: 'pem', passphrase })
  } catch (e) {
    throw new StoreError(store.key, `the private key in ${store.location} cannot be read (wrong or missing ${store.key.replace(/location$/, 'password')}?): ${(e as Error).message}`)
  }
  let certificate: X509Certificate
  try {
    certificate = new X509Certificate((certs[0] as { pem: string }).pem)
  } catch (e) {
    throw new StoreError(store.key, `the first certificate in ${store.location} cannot be parsed: ${(e as Error).message}`)
  }
  if (!certificate.checkPrivateKey(privateKey)) throw new StoreError(store.key, `the private key in ${store.location} does not match its first certificate (${certificate.subject.replace(/\n/g, ', ')})`)
  return { key: privateKey.export({ type: 'pkcs8', format: 'pem' }) as string, cert: certs.map((c) => c.pem).join('\n'), certificate }
}

function loadPkcs12KeyStore(store: TlsStore): Pick<TlsMaterial, 'pfx'> {
  const pfx = { buf: readStore(store), passphrase: passwordOf(store) }
  try {
    createSecureContext({ pfx: [pfx] })
  } catch (e) {
    throw new StoreError(store.key, `${store.location} is not a usable PKCS#12 key store (wrong ${store.key.replace(/location$/, 'password')}?): ${(e as Error).message}`)
  }
  return { pfx }
}

function loadTrustStore(store: TlsStore): string[] {
  const certs = pemBlocks(readStore(store).toString('utf8')).filter((b) => b.label === 'CERTIFICATE')
  if (certs.length === 0) throw new StoreError(store.key, `${store.location} holds no CERTIFICATE (a PEM trust store is a bundle of CA certificates)`)
  for (const [i, c] of certs.entries()) {
    try {
      new X509Certificate(c.pem)
    } catch (e) {
      throw new StoreError(store.key, `certificate ${i + 1} in ${store.location} cannot be parsed: ${(e as Error).message}`)
    }
  }
  return certs.map((c) => c.pem)
}

/** Reads and checks the stores of `settings`; throws a ConfigError naming the key at fault. */
export function loadTlsMaterial(settings: TlsSettings): TlsMaterial {
  try {
    const material: TlsMaterial = { key: undefined, cert: undefined, pfx: undefined, ca: undefined, certificate: undefined, files: [] }
    const { keyStore, trustStore } = settings
    if (keyStore !== undefined) {
      Object.assign(material, keyStore.type === 'PKCS12' ? loadPkcs12KeyStore(keyStore) : loadPemKeyStore(keyStore))
      material.files.push(keyStore.location)
    }
    if (trustStore !== undefined) {
      material.ca = loadTrustStore(trustStore)
      material.files.push(trustStore.location)
    }
    // Building the context once here surfaces what OpenSSL refuses (a weak key, say) at start.
    createSecureContext(secureContextOptions(settings, material))
    return material
  } catch (e) {
    if (e instanceof StoreError) throw new ConfigError(settings.file, [{ key: e.key, reason: e.message }])
    throw new ConfigError(settings.file, [{ key: `${settings.prefix}(context)`, reason: (e as Error).message }])
  }
}

/** What a secure context is built from (also what server.setSecureContext takes on reload). */
export function secureContextOptions(settings: TlsSettings, material: TlsMaterial): SecureContextOptions {
  const options: SecureContextOptions = { minVersion: settings.minVersion, maxVersion: settings.maxVersion }
  if (material.key !== undefined) options.key = material.key
  if (material.cert !== undefined) options.cert = material.cert
  if (material.pfx !== undefined) options.pfx = [material.pfx]
  if (material.ca !== undefined) options.ca = material.ca
  if (settings.ciphers !== undefined) options.ciphers = settings.ciphers
  return options
}

/**
 * Options for a tls.Server. `want` asks for a certificate without failing the handshake when
 * there is none or it is untrusted; the caller then refuses an untrusted one (as Apache's x509
 * provider fails authentication) and lets an absent one through without an x509 identity.
 */
export function tlsServerOptions(settings: TlsSettings, material: TlsMaterial): TlsOptions {
  return {
    ...secureContextOptions(settings, material),
    requestCert: settings.clientAuth !== 'none',
    rejectUnauthorized: settings.clientAuth === 'need',
    handshakeTimeout: settings.handshakeTimeoutMs,
  }
}

/** Options for an outgoing connection (a member dialling another member). */
export function tlsClientOptions(settings: TlsSettings, material: TlsMaterial): ConnectionOptions {
  const options: ConnectionOptions = { ...secureContextOptions(settings, material), rejectUnauthorized: true }
  // Apache checks the peer's certificate against the address dialled unless hostnameVerification=false.
  if (!settings.hostnameVerification) options.checkServerIdentity = () => undefined
  return options
}
