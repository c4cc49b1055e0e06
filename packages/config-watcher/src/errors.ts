/**
 * Typed errors of this package. A bad config is never thrown at a watcher's user (it arrives as
 * an `invalid` event); these reach callers of publishConfig, watchConfig's first read, and the CLI.
 */
import type * as z from 'zod'
import { formatVersion, type ConfigVersion } from './version.js'

export type InvalidReason = 'parse' | 'schema'

/** The stored bytes are not a valid config: malformed for the parser, or rejected by the schema. */
export class InvalidConfigError extends Error {
  override readonly name = 'InvalidConfigError'
  /** the schema's complaints (empty when the parser failed) */
  readonly issues: readonly z.core.$ZodIssue[]

  constructor(
    readonly reason: InvalidReason,
    readonly path: string,
    message: string,
    options?: ErrorOptions & { issues?: readonly z.core.$ZodIssue[] },
  ) {
    super(`${path}: ${reason === 'parse' ? 'malformed' : 'rejected by the schema'}: ${message}`, options)
    this.issues = options?.issues ?? []
  }
}

/** publishConfig's compare-and-set lost: someone else wrote (or created/deleted) first. */
export class VersionConflictError extends Error {
  override readonly name = 'VersionConflictError'
  constructor(
    readonly path: string,
    readonly expected: number | 'absent' | ConfigVersion,
    options?: ErrorOptions,
  ) {
    super(`${path}: not at the expected ${describeExpected(expected)}`, options)
  }
}

function describeExpected(expected: number | 'absent' | ConfigVersion): string {
  if (expected === 'absent') return 'state (absent)'
  if (typeof expected === 'number') return `version ${expected}`
  return formatVersion(expected)
}

/** watchConfig found no valid value and had no default to start from. */
export class ConfigUnavailableError extends Error {
  override readonly name = 'ConfigUnavailableError'
  constructor(
    readonly path: string,
    message: string,
    options?: ErrorOptions,
  ) {
    super(`${path}: ${message}`, options)
  }
}

export function isInvalidConfigError(e: unknown): e is InvalidConfigError {
  return e instanceof InvalidConfigError
}
export function isVersionConflict(e: unknown): e is VersionConflictError {
  return e instanceof VersionConflictError
}
