/**
 * The opt-in retry policy. Only operations that are safe to repeat are retried, and only after
 * CONNECTIONLOSS (the one error that says "we do not know"): a create, delete, setData or multi
 * that got CONNECTIONLOSS may have been applied, so it is handed to the caller, never repeated.
 */
import { ErrorCode, OpCode } from '@zoo/protocol'
import { backoffDelayMs, type Random } from './hosts.js'
import type { RetryOptions } from './options.js'

/** Reads, `sync`, and watch registration: repeating them changes nothing on the server. */
export const IDEMPOTENT_OPCODES: ReadonlySet<number> = new Set<number>([
  OpCode.exists,
  OpCode.getData,
  OpCode.getChildren,
  OpCode.getChildren2,
  OpCode.getACL,
  OpCode.sync,
  OpCode.getAllChildrenNumber,
  OpCode.getEphemerals,
  OpCode.multiRead,
  OpCode.whoAmI,
  OpCode.addWatch,
  OpCode.checkWatches,
])

/**
 * The delay before attempt `failedAttempts + 1`, or undefined when the error must go to the
 * caller. `failedAttempts` counts the attempts made so far (1 after the first failure).
 */
export function retryDelayMs(policy: RetryOptions | false, opcode: number, errorCode: number | undefined, failedAttempts: number, random: Random): number | undefined {
  if (policy === false) return undefined
  if (errorCode !== ErrorCode.CONNECTIONLOSS || !IDEMPOTENT_OPCODES.has(opcode)) return undefined
  if (failedAttempts >= policy.maxAttempts) return undefined
  return backoffDelayMs(failedAttempts - 1, { initialDelayMs: policy.initialDelayMs, maxDelayMs: policy.maxDelayMs }, random)
}
