import t from 'tap'
import {
  CreateMode, ErrorCode, EventType, KeeperState, OpCode, Perms, createModeInfo, errorName, eventTypeName, isErrorCode, isOpCode,
  keeperStateName, opName,
} from '../src/index.js'

t.test('codes are unique, so names can be looked up', async (t) => {
  for (const table of [OpCode, ErrorCode, CreateMode, EventType, KeeperState]) {
    const values = Object.values(table)
    t.equal(new Set(values).size, values.length)
  }
})

t.test('values from the protocol reference', async (t) => {
  t.match(OpCode, { create: 1, multi: 14, create2: 15, createTTL: 21, multiRead: 22, auth: 100, setWatches2: 105, whoAmI: 107, createSession: -10, closeSession: -11, error: -1 })
  t.match(ErrorCode, { OK: 0, CONNECTIONLOSS: -4, NONODE: -101, NODEEXISTS: -110, SESSIONEXPIRED: -112, THROTTLEDOP: -127 })
  t.equal(Perms.ALL, Perms.READ | Perms.WRITE | Perms.CREATE | Perms.DELETE | Perms.ADMIN)
  t.equal(KeeperState.Expired, ErrorCode.SESSIONEXPIRED)
})

t.test('names', async (t) => {
  t.equal(opName(4), 'getData')
  t.equal(opName(12345), 'unknown(12345)')
  t.equal(errorName(-101), 'NONODE')
  t.equal(errorName(-9), 'UNKNOWN(-9)')
  t.equal(eventTypeName(3), 'NodeDataChanged')
  t.equal(keeperStateName(3), 'SyncConnected')
  t.ok(isOpCode(107))
  t.notOk(isOpCode(10))
  t.ok(isErrorCode(-127))
  t.notOk(isErrorCode(-126))
})

t.test('create modes', async (t) => {
  t.same(createModeInfo(CreateMode.EPHEMERAL_SEQUENTIAL), { ephemeral: true, sequential: true, container: false, ttl: false })
  t.same(createModeInfo(CreateMode.PERSISTENT_SEQUENTIAL_WITH_TTL), { ephemeral: false, sequential: true, container: false, ttl: true })
  t.equal(createModeInfo(CreateMode.CONTAINER)?.container, true)
  t.equal(createModeInfo(7), undefined)
  t.equal(createModeInfo(-1), undefined)
})
