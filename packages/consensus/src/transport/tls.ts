// TLS between members. The transport knows no files or config keys: the application hands it
// key, certificate and trust material as node's tls takes them, and may replace that material
// at any time (certificate rotation) by returning a new object.
import { checkServerIdentity, createSecureContext, type PeerCertificate, type SecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls'

export interface PeerTlsOptions {
  /**
   * This member's key and certificate (chain), the CAs it trusts for other members, and any
   * limits (`ciphers`, `minVersion`, `maxVersion`). Both ends of every link present their
   * certificate and verify the other's against these CAs (mutual authentication).
   *
   * Called for every new connection. Returning a different object applies it to connections
   * made from then on (rotated files); links already up keep the keys they shook hands with.
   */
  material: () => SecureContextOptions
  /**
   * The dialer also requires the acceptor's certificate to name the host it dialed (an IP or
   * DNS subject alternative name). Default true.
   */
  hostnameVerification?: boolean
  /**
   * The acceptor also requires the dialer's certificate to name the host configured for the
   * member id its hello claims, so one host's certificate cannot pass for another host's
   * member. (Apache checks the connecting address instead; the configured host is what a
   * member id stands for.) Default: hostnameVerification.
   */
  clientHostnameVerification?: boolean
  /**
   * Accept plain TCP connections on the listening port as well (told apart by their first
   * byte). Only for moving an ensemble to TLS one member at a time: while on, a member without
   * any certificate can connect. Dials always use TLS. Default false.
   */
  acceptPlain?: boolean
  /**
   * Dial other members over plain TCP while still accepting TLS (with acceptPlain): the first
   * step of that move, so no member dials TLS before every member accepts it. Default false.
   */
  dialPlain?: boolean
}

// Every TLS connection starts with a handshake record (content type 22); a member hello starts
// with the frame length's high byte, 0.
export const TLS_HANDSHAKE_RECORD = 0x16

/** Creates secure contexts once per material object, so a dial does not re-parse PEM. */
export class ContextCache {
  private material: SecureContextOptions | undefined
  private context: SecureContext | undefined

  constructor(private readonly source: () => SecureContextOptions) {}

  current(): { material: SecureContextOptions; context: SecureContext } {
    const material = this.source()
    if (material !== this.material || this.context === undefined) {
      this.context = createSecureContext(material)
      this.material = material
    }
    return { material, context: this.context }
  }
}

/** undefined when `certificate` names `host` (an IP or DNS subject alternative name), else why not. */
export function certificateHostError(host: string, certificate: PeerCertificate): string | undefined {
  if (certificate === null || Object.keys(certificate).length === 0) return 'it presented no certificate'
  return checkServerIdentity(host, certificate)?.message
}

/** Why a dialer's certificate was refused, in words an operator can act on. */
export function describeUntrusted(socket: TLSSocket): string {
  const from = `refused a member connection from ${socket.remoteAddress ?? 'an unknown address'}`
  const subject = socket.getPeerCertificate()?.subject
  if (subject === undefined) return `${from}: it presented no certificate`
  const name = Object.entries(subject).map(([k, v]) => `${k}=${String(v)}`).join(', ')
  return `${from}: its certificate ${name} is not trusted (${String(socket.authorizationError ?? 'unverified')})`
}

/** A TLS handshake that failed before any certificate was judged (OpenSSL's reason, one line). */
export function describeFailedHandshake(error: Error & { reason?: string; code?: string }): string {
  if (error.code === 'ECONNRESET') return "a dialing member hung up during the TLS handshake: does it trust this member's certificate?"
  const reason = error.reason ?? error.message.split('\n')[0]
  const hint = error.code === 'ERR_SSL_WRONG_VERSION_NUMBER' || error.code === 'ERR_SSL_HTTP_REQUEST' ? ': not TLS; does the dialing member use TLS between members (sslQuorum)?' : ''
  return `refused a member connection: TLS handshake failed (${reason})${hint}`
}

/**
 * Lets one warning text through once per interval: a refused member redials every few
 * seconds, and its every attempt would otherwise be logged.
 */
export class WarningLimiter {
  private readonly lastMs = new Map<string, number>()

  constructor(
    private readonly intervalMs: number,
    private readonly maxKeys = 256,
  ) {}

  allow(message: string, nowMs: number): boolean {
    const last = this.lastMs.get(message)
    if (last !== undefined && nowMs - last < this.intervalMs) return false
    if (this.lastMs.size >= this.maxKeys) this.lastMs.clear()
    this.lastMs.set(message, nowMs)
    return true
  }
}
