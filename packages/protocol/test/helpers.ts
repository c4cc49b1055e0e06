import type { Test } from 'tap'
import { ProtocolError } from '../src/index.js'
import type { ProtocolErrorReason } from '../src/index.js'

/** Asserts fn throws a ProtocolError with this reason (and nothing else). */
export function throwsProtocolError(t: Test, fn: () => unknown, reason: ProtocolErrorReason, what = `ProtocolError(${reason})`): ProtocolError | undefined {
  try {
    fn()
  } catch (e) {
    t.ok(e instanceof ProtocolError, `${what}: is a ProtocolError`)
    t.equal((e as ProtocolError).reason, reason, `${what}: reason`)
    return e as ProtocolError
  }
  t.fail(`${what}: did not throw`)
  return undefined
}
