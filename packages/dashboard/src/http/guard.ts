/**
 * Who may do what. Reads need a request addressed to this console by a name it answers to (a
 * DNS-rebinding page on another name gets 421). Writes also need the token printed at start,
 * in a header: a header is never sent by a plain form or link from another page, and a
 * cross-origin script cannot add one without a CORS preflight this server never grants (no
 * cookies are involved, so there is nothing another page's requests could carry along).
 */
import { randomBytes, timingSafeEqual } from 'node:crypto'
import type { IncomingMessage } from 'node:http'

export const TOKEN_HEADER = 'x-zoo-token'

export function newToken(): string {
  return randomBytes(24).toString('base64url')
}

export function tokenMatches(request: IncomingMessage, token: string): boolean {
  const sent = request.headers[TOKEN_HEADER]
  if (typeof sent !== 'string') return false
  const a = Buffer.from(sent)
  const b = Buffer.from(token)
  return a.length === b.length && timingSafeEqual(a, b)
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]'])
const LOOPBACK_NAMES = ['127.0.0.1', 'localhost', '[::1]']

/**
 * The Host headers this console answers: its loopback names and the bound host, with the port.
 * Bound to a wildcard address, any name is accepted (the operator chose to expose it).
 */
export function hostChecker(boundHost: string, port: number): (hostHeader: string | undefined) => boolean {
  if (WILDCARD_HOSTS.has(boundHost)) return () => true
  const bound = boundHost.includes(':') && !boundHost.startsWith('[') ? `[${boundHost}]` : boundHost
  const allowed = new Set([...LOOPBACK_NAMES, bound].map((name) => `${name}:${port}`.toLowerCase()))
  return (hostHeader) => hostHeader !== undefined && allowed.has(hostHeader.toLowerCase())
}
