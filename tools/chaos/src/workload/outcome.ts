/**
 * Which failures mean "not applied" and which mean "nobody knows". An error reply from the
 * server (BADVERSION, NONODE, ...) is definite: ZooKeeper orders failed writes like any write.
 * Losing the connection, timing out, or the session ending while the request was in flight
 * leaves the outcome open: the request may have been, or may still be, applied.
 */
import { isKeeperError } from '@zoo/client'
import type { Outcome } from '../checker/history.js'

const UNKNOWN = new Set(['CONNECTIONLOSS', 'OPERATIONTIMEOUT', 'REQUESTTIMEOUT', 'SESSIONEXPIRED', 'SESSIONMOVED', 'SYSTEMERROR', 'RUNTIMEINCONSISTENCY', 'MARSHALLINGERROR', 'UNIMPLEMENTED'])

export function classify(error: unknown): { outcome: Exclude<Outcome, 'ok'>; error: string } {
  if (isKeeperError(error)) {
    const name = error.codeName
    return { outcome: UNKNOWN.has(name) ? 'unknown' : 'fail', error: name }
  }
  return { outcome: 'unknown', error: error instanceof Error ? `${error.name}: ${error.message}` : String(error) }
}
