// Apache's ssl.ciphersuites holds Java (IANA) cipher suite names; Node's TLS takes OpenSSL names.
// This maps the suites a current JDK enables (ECDHE/DHE/RSA with AES-GCM, ChaCha20 and AES-CBC,
// plus the TLS 1.3 suites, whose names are the same in both worlds). An OpenSSL name is accepted
// as is, so a config written for Node works too.
import { getCiphers } from 'node:tls'

const KEX: Record<string, string> = { ECDHE_ECDSA: 'ECDHE-ECDSA-', ECDHE_RSA: 'ECDHE-RSA-', DHE_RSA: 'DHE-RSA-', RSA: '' }
const BULK: Record<string, string> = {
  AES_128_GCM_SHA256: 'AES128-GCM-SHA256',
  AES_256_GCM_SHA384: 'AES256-GCM-SHA384',
  CHACHA20_POLY1305_SHA256: 'CHACHA20-POLY1305',
  AES_128_CBC_SHA256: 'AES128-SHA256',
  AES_256_CBC_SHA384: 'AES256-SHA384',
  AES_256_CBC_SHA256: 'AES256-SHA256',
  AES_128_CBC_SHA: 'AES128-SHA',
  AES_256_CBC_SHA: 'AES256-SHA',
}
const TLS13 = new Set(['TLS_AES_128_GCM_SHA256', 'TLS_AES_256_GCM_SHA384', 'TLS_CHACHA20_POLY1305_SHA256', 'TLS_AES_128_CCM_SHA256', 'TLS_AES_128_CCM_8_SHA256'])

/** The OpenSSL name of a Java/IANA suite name, or undefined when the table does not know it. */
export function javaCipherToOpenssl(javaName: string): string | undefined {
  if (TLS13.has(javaName)) return javaName
  const m = /^TLS_(ECDHE_ECDSA|ECDHE_RSA|DHE_RSA|RSA)_WITH_(\w+)$/.exec(javaName)
  if (m === null) return undefined
  const kex = KEX[m[1] as string]
  const bulk = BULK[m[2] as string]
  return kex === undefined || bulk === undefined ? undefined : kex + bulk
}

let known: Set<string> | undefined
/** Whether this Node's OpenSSL offers the suite (getCiphers lists lower-case names). */
export function isSupportedCipher(opensslName: string): boolean {
  known ??= new Set(getCiphers())
  return known.has(opensslName.toLowerCase())
}

/**
 * A comma-separated Java list as Node's `ciphers` string (colon-separated OpenSSL names), or the
 * reason it cannot be. Suites Node does not offer are an error, not dropped: a typo must not
 * silently leave a different set enabled.
 */
export function ciphersFromJavaList(list: string): { ciphers: string } | { error: string } {
  const names = list.split(',').map((s) => s.trim()).filter((s) => s !== '')
  if (names.length === 0) return { error: 'lists no cipher suite' }
  const out: string[] = []
  for (const name of names) {
    const openssl = javaCipherToOpenssl(name) ?? name
    if (!isSupportedCipher(openssl)) return { error: `${JSON.stringify(name)} is not a cipher suite this server supports${openssl === name ? '' : ` (OpenSSL ${openssl})`}` }
    out.push(openssl)
  }
  return { ciphers: out.join(':') }
}
