import { execFileSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from './processes.js'

/** A certificate authority made for a test: its certificate is what a trust store holds. */
export interface TestCa {
  name: string
  /** PEM certificate: a PEM trust store (`ssl.trustStore.location`). */
  certPath: string
  keyPath: string
  certPem: string
}

/** A leaf certificate and its key, signed by a TestCa. */
export interface TestCert {
  name: string
  certPath: string
  /** Unencrypted PKCS#8 PEM key. */
  keyPath: string
  /** Key and certificate in one file: Apache's PEM key store (`ssl.keyStore.location`). */
  keyStorePath: string
  certPem: string
  keyPem: string
  /** The CA that signed it. */
  ca: TestCa
}

export interface LeafOptions {
  /** subjectAltName entries (default `IP:127.0.0.1`, `DNS:localhost`). */
  altNames?: readonly string[]
  /** Common name of the subject (default the leaf's name). */
  commonName?: string
  /** The whole subject in openssl's `-subj` form (`/C=US/O=zoo/CN=a+UID=b`, `+` for multi-valued RDNs); wins over commonName. */
  subject?: string
  /** Validity in days (default 2). */
  days?: number
}

export interface TestPki {
  /** Folder holding every file (removed by `remove()`). */
  dir: string
  /** Makes a new, self-signed CA (e.g. one nobody trusts). */
  ca(name: string): TestCa
  /** Makes a leaf for client and server use (EC P-256), signed by `ca`. */
  leaf(name: string, ca: TestCa, options?: LeafOptions): TestCert
  /** A PEM bundle of several CAs' certificates, as one trust store file. */
  bundle(name: string, cas: readonly TestCa[]): string
  remove: () => void
}

const DEFAULT_ALT_NAMES = ['IP:127.0.0.1', 'DNS:localhost']

/**
 * Certificates made by Debian's `openssl` in a temp dir, for TLS tests (never committed). Keys
 * are EC P-256, so making a handful takes milliseconds. Names must be file-name safe.
 */
export function makeTestPki(prefix = 'zoo-pki'): TestPki {
  const dir = tempDir(prefix)
  const openssl = (args: string[]) => execFileSync('openssl', args, { stdio: ['ignore', 'pipe', 'pipe'] })
  const newKey = (path: string) => openssl(['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', path])
  const safe = (name: string) => {
    if (!/^[\w.-]+$/.test(name)) throw new Error(`certificate name ${JSON.stringify(name)} must be file-name safe`)
    return name
  }
  let serial = 1
  return {
    dir: dir.path,
    ca(name) {
      const base = join(dir.path, safe(name))
      const keyPath = `${base}-ca-key.pem`
      const certPath = `${base}-ca.pem`
      newKey(keyPath)
      // prettier-ignore
      openssl(['req', '-x509', '-new', '-key', keyPath, '-out', certPath, '-days', '2', '-subj', `/CN=${name} test CA`,
        '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'])
      return { name, certPath, keyPath, certPem: readFileSync(certPath, 'utf8') }
    },
    leaf(name, ca, options = {}) {
      const base = join(dir.path, safe(name))
      const keyPath = `${base}-key.pem`
      const certPath = `${base}.pem`
      const csrPath = `${base}.csr`
      const extPath = `${base}.ext`
      newKey(keyPath)
      openssl(['req', '-new', '-key', keyPath, '-out', csrPath, '-utf8', '-multivalue-rdn', '-subj', options.subject ?? `/CN=${options.commonName ?? name}`])
      const altNames = (options.altNames ?? DEFAULT_ALT_NAMES).join(',')
      const ext = ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=serverAuth,clientAuth']
      if (altNames !== '') ext.push(`subjectAltName=${altNames}`)
      writeFileSync(extPath, `${ext.join('\n')}\n`)
      // prettier-ignore
      openssl(['x509', '-req', '-in', csrPath, '-CA', ca.certPath, '-CAkey', ca.keyPath, '-set_serial', String(serial++), '-out', certPath,
        '-extfile', extPath, '-days', String(options.days ?? 2)])
      const keyPem = readFileSync(keyPath, 'utf8')
      const certPem = readFileSync(certPath, 'utf8')
      const keyStorePath = `${base}-keystore.pem`
      writeFileSync(keyStorePath, keyPem + certPem)
      return { name, certPath, keyPath, keyStorePath, certPem, keyPem, ca }
    },
    bundle(name, cas) {
      const path = join(dir.path, `${safe(name)}-bundle.pem`)
      writeFileSync(path, cas.map((ca) => ca.certPem).join(''))
      return path
    },
    remove: dir.remove,
  }
}
