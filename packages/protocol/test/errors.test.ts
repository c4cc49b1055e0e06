import t from 'tap'
import {
  ErrorCode, KeeperError, ProtocolError, isConnectionLoss, isKeeperError, isNoNode, isNodeExists, isProtocolError, isSessionExpired,
} from '../src/index.js'

t.test('KeeperError carries the code, its name and the path', async (t) => {
  const e = new KeeperError(ErrorCode.NONODE, '/a/b')
  t.ok(e instanceof Error)
  t.equal(e.message, 'NONODE: /a/b')
  t.equal(e.name, 'KeeperError')
  t.equal(e.code, -101)
  t.equal(e.codeName, 'NONODE')
  t.equal(e.path, '/a/b')
  t.equal(new KeeperError(ErrorCode.CONNECTIONLOSS).message, 'CONNECTIONLOSS')
  const cause = new Error('socket closed')
  t.equal(new KeeperError(ErrorCode.CONNECTIONLOSS, undefined, { cause }).cause, cause)
})

t.test('guards', async (t) => {
  t.ok(isNoNode(new KeeperError(ErrorCode.NONODE)))
  t.notOk(isNoNode(new KeeperError(ErrorCode.NODEEXISTS)))
  t.ok(isNodeExists(new KeeperError(ErrorCode.NODEEXISTS)))
  t.ok(isConnectionLoss(new KeeperError(ErrorCode.CONNECTIONLOSS)))
  t.ok(isSessionExpired(new KeeperError(ErrorCode.SESSIONEXPIRED)))
  t.ok(isKeeperError(new KeeperError(ErrorCode.BADVERSION)))
  t.ok(isKeeperError(new KeeperError(ErrorCode.BADVERSION), ErrorCode.BADVERSION))
  t.notOk(isKeeperError(new Error('NONODE')))
  t.notOk(isNoNode({ code: ErrorCode.NONODE }))
})

t.test('ProtocolError carries a reason and context', async (t) => {
  const e = new ProtocolError('unknown-opcode', 'request type 999', { xid: 3, opcode: 999, offset: 4 })
  t.equal(e.message, 'unknown-opcode: request type 999')
  t.match(e, { name: 'ProtocolError', reason: 'unknown-opcode', xid: 3, opcode: 999, offset: 4 })
  t.ok(isProtocolError(e))
  t.ok(isProtocolError(e, 'unknown-opcode'))
  t.notOk(isProtocolError(e, 'truncated'))
  t.notOk(isProtocolError(new KeeperError(ErrorCode.MARSHALLINGERROR)))
})
