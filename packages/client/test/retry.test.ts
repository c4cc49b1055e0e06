import t from 'tap'
import { ErrorCode, OpCode } from '@zoo/protocol'
import { IDEMPOTENT_OPCODES, retryDelayMs } from '../src/retry.js'

const policy = { maxAttempts: 3, initialDelayMs: 100, maxDelayMs: 1_000 }
const one = () => 0.9999

t.test('only idempotent ops after CONNECTIONLOSS, within the attempts', async (t) => {
  t.equal(retryDelayMs(false, OpCode.getData, ErrorCode.CONNECTIONLOSS, 1, one), undefined, 'off by default')
  t.equal(retryDelayMs(policy, OpCode.getData, ErrorCode.CONNECTIONLOSS, 1, one), 100)
  t.equal(retryDelayMs(policy, OpCode.getData, ErrorCode.CONNECTIONLOSS, 2, one), 200)
  t.equal(retryDelayMs(policy, OpCode.getData, ErrorCode.CONNECTIONLOSS, 3, one), undefined, 'three attempts in all')
  t.equal(retryDelayMs(policy, OpCode.getData, ErrorCode.SESSIONEXPIRED, 1, one), undefined)
  t.equal(retryDelayMs(policy, OpCode.getData, undefined, 1, one), undefined, 'abort or local errors')
  for (const op of [OpCode.create, OpCode.create2, OpCode.delete, OpCode.setData, OpCode.setACL, OpCode.multi, OpCode.createTTL, OpCode.removeWatches]) {
    t.equal(retryDelayMs(policy, op, ErrorCode.CONNECTIONLOSS, 1, one), undefined, `op ${op} may have been applied: never retried`)
  }
  t.ok(IDEMPOTENT_OPCODES.has(OpCode.sync) && IDEMPOTENT_OPCODES.has(OpCode.exists) && IDEMPOTENT_OPCODES.has(OpCode.multiRead))
})
