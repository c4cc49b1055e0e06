/** Lock options, checked at the edge so a typo fails at once with the field's name. */
import { InvalidOptionsError, parseOptions } from '@zoo/recipe-core'
import * as z from 'zod'

export const NAMINGS = ['kazoo', 'curator', 'zoo'] as const
export type Naming = (typeof NAMINGS)[number]

export const lockOptionsSchema = z.strictObject({
  /** stored in the holder's node: what contenders() lists (kazoo and Curator read it too) */
  id: z.string().max(1024).default(''),
  /**
   * node names: 'kazoo' (default; shares a path with kazoo's Lock), 'curator' (with Curator's
   * InterProcessMutex), 'zoo'. kazoo and Curator cannot share one path with each other.
   */
  naming: z.enum(NAMINGS).default('kazoo'),
  /** a missing lock node is created as a 'container' (default: the server removes it when empty) or 'persistent' */
  parentMode: z.enum(['container', 'persistent']).default('container'),
})

export type LockOptions = z.input<typeof lockOptionsSchema>
export type ResolvedLockOptions = z.output<typeof lockOptionsSchema>

/** lock's name for a bad option or lock path; an `InvalidOptionsError` like every recipe's. */
export class InvalidLockOptionsError extends InvalidOptionsError {
  override readonly name: string = 'InvalidLockOptionsError'
}

export function parseLockOptions(options: LockOptions | undefined): ResolvedLockOptions {
  return parseOptions(lockOptionsSchema, options, 'lock options', InvalidLockOptionsError)
}

export function checkLockPath(path: string): void {
  if (typeof path !== 'string' || !path.startsWith('/') || path === '/' || path.endsWith('/')) {
    throw new InvalidLockOptionsError(`the lock path must be an absolute ZooKeeper path other than the root, not ${JSON.stringify(path)}`)
  }
}
