/**
 * Typed errors of this package. Bad member data is thrown at the writer (join/update) and never
 * at a reader: members() and watch() report it as an `invalid` entry.
 */
import * as z from 'zod'

export { InvalidOptionsError } from '@zoo/recipe-core'

export type InvalidReason = 'decode' | 'schema' | 'name'

/** A member's stored data could not be decoded, or the schema rejected it. */
export class InvalidMemberDataError extends Error {
  override readonly name = 'InvalidMemberDataError'
  readonly code = 'INVALID_MEMBER_DATA'
  /** the schema's complaints (empty when decoding failed) */
  readonly issues: readonly z.core.$ZodIssue[]

  constructor(
    readonly reason: InvalidReason,
    readonly id: string,
    message: string,
    options?: ErrorOptions & { issues?: readonly z.core.$ZodIssue[] },
  ) {
    super(`member ${id}: ${reason === 'schema' ? 'rejected by the schema' : reason === 'name' ? 'bad id' : 'undecodable'}: ${message}`, options)
    this.issues = options?.issues ?? []
  }
}

/** Another registration (not one of ours) holds this member id. */
export class MemberIdConflictError extends Error {
  override readonly name = 'MemberIdConflictError'
  readonly code = 'MEMBER_ID_CONFLICT'
  constructor(
    readonly id: string,
    readonly path: string,
    /** who holds it: a ZooKeeper session id in hex (0x0 for a persistent node), or a Redis token */
    readonly holder: string,
  ) {
    super(`member id ${id} is held by another registration (${holder}) at ${path}`)
  }
}

/**
 * Why a registration ended (the `reason` of `membership.signal`):
 * - `expired`: the session ended (the server expired it, or our local deadline passed first); a
 *   new registration follows on the next session unless the membership was told to leave
 * - `removed`: someone else deleted our node (an eviction): we do not come back on our own
 * - `conflict`: re-registering found the id held by another live registration
 * - `closed`: the client was closed
 * - `left`: leave() was called
 */
export type LostReason = 'expired' | 'removed' | 'conflict' | 'closed' | 'left'

/** `membership.signal`'s reason: this registration ended. */
export class RegistrationLostError extends Error {
  override readonly name: string = 'RegistrationLostError'
  readonly code: string = 'REGISTRATION_LOST'
  constructor(
    readonly reason: LostReason,
    readonly id: string,
    options?: ErrorOptions,
  ) {
    super(`member ${id}: registration ${reason === 'left' ? 'ended by leave()' : `lost (${reason})`}`, options)
  }
}

/** update() or join() on a membership that has ended for good (left, removed, conflict, closed). */
export class MembershipEndedError extends RegistrationLostError {
  override readonly name = 'MembershipEndedError'
  override readonly code = 'MEMBERSHIP_ENDED'
  override readonly message = `member ${this.id}: the membership has ended (${this.reason})`
}

export function isRegistrationLost(error: unknown): error is RegistrationLostError {
  return error instanceof RegistrationLostError
}
export function isMemberIdConflict(error: unknown): error is MemberIdConflictError {
  return error instanceof MemberIdConflictError
}
export function isInvalidMemberData(error: unknown): error is InvalidMemberDataError {
  return error instanceof InvalidMemberDataError
}
