import { ErrorCode, errorName } from './constants.js'

/** A ZooKeeper error reply (or a client-side condition named by a ZooKeeper code). */
export class KeeperError extends Error {
  override readonly name = 'KeeperError'
  readonly code: ErrorCode
  readonly codeName: string
  readonly path: string | undefined

  constructor(code: ErrorCode, path?: string, options?: ErrorOptions) {
    const codeName = errorName(code)
    super(path === undefined ? codeName : `${codeName}: ${path}`, options)
    this.code = code
    this.codeName = codeName
    this.path = path
  }
}

export function isKeeperError(e: unknown, code?: ErrorCode): e is KeeperError {
  return e instanceof KeeperError && (code === undefined || e.code === code)
}
export const isConnectionLoss = (e: unknown): e is KeeperError => isKeeperError(e, ErrorCode.CONNECTIONLOSS)
export const isSessionExpired = (e: unknown): e is KeeperError => isKeeperError(e, ErrorCode.SESSIONEXPIRED)
export const isNoNode = (e: unknown): e is KeeperError => isKeeperError(e, ErrorCode.NONODE)
export const isNodeExists = (e: unknown): e is KeeperError => isKeeperError(e, ErrorCode.NODEEXISTS)

export type ProtocolErrorReason =
  | 'truncated'
  | 'bad-length'
  | 'frame-too-large'
  | 'unknown-opcode'
  | 'trailing-bytes'
  | 'malformed'

/** Context a server needs to answer instead of closing (e.g. UNIMPLEMENTED for an unknown opcode). */
export interface ProtocolErrorDetails {
  /** Byte offset in the frame body where the problem was found. */
  offset?: number
  /** The request's xid, when the header was readable. */
  xid?: number
  /** The opcode that was not understood. */
  opcode?: number
}

/** Bytes that are not valid ZooKeeper protocol. The connection that sent them should be closed. */
export class ProtocolError extends Error {
  override readonly name = 'ProtocolError'
  readonly reason: ProtocolErrorReason
  readonly offset: number | undefined
  /** Filled in by decodeRequest when the header was readable. */
  xid: number | undefined
  opcode: number | undefined

  constructor(reason: ProtocolErrorReason, message: string, details: ProtocolErrorDetails = {}) {
    super(`${reason}: ${message}`)
    this.reason = reason
    this.offset = details.offset
    this.xid = details.xid
    this.opcode = details.opcode
  }
}

export function isProtocolError(e: unknown, reason?: ProtocolErrorReason): e is ProtocolError {
  return e instanceof ProtocolError && (reason === undefined || e.reason === reason)
}
