import { deepStrictEqual } from 'node:assert'
import fc from 'fast-check'
import t from 'tap'
import {
  ErrorCode, FrameDecoder, JuteWriter, MultiRequest, OpCode, Xid, decodeReply, decodeRequest, encodeNotification,
  encodeReply, encodeRequest, isRequestType, peekXid, writeReply, writeRequest,
} from '../src/index.js'
import type { ReplyType } from '../src/index.js'
import { reply, request, requestTypes } from './arbitraries.js'
import { throwsProtocolError } from './helpers.js'

/** The single frame body in an encoded buffer, through the real frame decoder. */
function bodyOf(frame: Buffer): Buffer {
  const bodies = new FrameDecoder().push(frame)
  if (bodies.length !== 1) throw new Error(`expected one frame, got ${bodies.length}`)
  return bodies[0] as Buffer
}

t.test('every opcode a client may send is a request type', async (t) => {
  const notRequests = new Set<number>([OpCode.notification, OpCode.createSession, OpCode.error])
  const expected = Object.values(OpCode).filter((op) => !notRequests.has(op)).sort((a, b) => a - b)
  t.same([...requestTypes].sort((a, b) => a - b), expected, 'the arbitraries cover every request type')
  for (const op of expected) t.ok(isRequestType(op), `${op} is a request type`)
  for (const op of notRequests) t.notOk(isRequestType(op), `${op} is not`)
})

t.test('requests: decodeRequest(encodeRequest(xid, r)) = r, for every opcode', async (t) => {
  fc.assert(
    fc.property(fc.integer({ min: -0x80000000, max: 0x7fffffff }), request, (xid, req) => {
      const decoded = decodeRequest(bodyOf(encodeRequest(xid, req)))
      deepStrictEqual(decoded.header, { xid, type: req.type })
      deepStrictEqual(decoded.request, req)
    }),
    { numRuns: 1000 },
  )
  t.pass('requests round-trip')
})

t.test('replies: decodeReply(encodeReply(h, r, op), op) = (h, r), for every opcode, errors included', async (t) => {
  fc.assert(
    fc.property(reply, ({ opcode, header, response }) => {
      const decoded = decodeReply(bodyOf(encodeReply(header, response as never, opcode)), opcode)
      deepStrictEqual(decoded.header, header)
      deepStrictEqual(decoded.response, response)
    }),
    { numRuns: 1000 },
  )
  t.pass('replies round-trip')
})

t.test('several frames can share one writer', async (t) => {
  const w = new JuteWriter()
  writeRequest(w, 1, { type: OpCode.getData, path: '/a', watch: true })
  writeRequest(w, 2, { type: OpCode.sync, path: '/a' })
  writeReply(w, { xid: 1, zxid: 5n, err: ErrorCode.NONODE }, undefined, OpCode.getData)
  const bodies = new FrameDecoder().push(w.toBuffer())
  t.equal(bodies.length, 3)
  t.same(decodeRequest(bodies[1] as Buffer).request, { type: OpCode.sync, path: '/a' })
  t.same(decodeReply(bodies[2] as Buffer, OpCode.getData), { header: { xid: 1, zxid: 5n, err: ErrorCode.NONODE } })
})

t.test('unknown opcodes are typed errors that keep the xid, so a server can answer UNIMPLEMENTED', async (t) => {
  const body = Buffer.from('0000002a000003e7', 'hex') // xid 42, type 999
  const e = throwsProtocolError(t, () => decodeRequest(body), 'unknown-opcode')
  t.equal(e?.xid, 42)
  t.equal(e?.opcode, 999)
  throwsProtocolError(t, () => decodeRequest(Buffer.from('00000001fffffff6', 'hex')), 'unknown-opcode', 'createSession is txn-only')
  throwsProtocolError(t, () => decodeReply(Buffer.from('00000001000000000000000000000000', 'hex'), 999 as ReplyType), 'unknown-opcode')
})

t.test('a bad request body keeps its xid and opcode too', async (t) => {
  const frame = encodeRequest(7, { type: OpCode.getData, path: '/abc', watch: false })
  const e = throwsProtocolError(t, () => decodeRequest(bodyOf(frame).subarray(0, 12)), 'truncated')
  t.equal(e?.xid, 7)
  t.equal(e?.opcode, OpCode.getData)
  throwsProtocolError(t, () => decodeRequest(Buffer.concat([bodyOf(frame), Buffer.from([0])])), 'trailing-bytes')
  throwsProtocolError(t, () => decodeRequest(Buffer.from('000001', 'hex')), 'truncated', 'no header')
})

t.test('a multi with an op it cannot carry is malformed', async (t) => {
  // RequestHeader { xid 1, multi }, then MultiHeader { type 3 (exists), done false, err -1 }
  const w = new JuteWriter()
  w.int(1)
  w.int(OpCode.multi)
  w.int(OpCode.exists)
  w.bool(false)
  w.int(-1)
  const e = throwsProtocolError(t, () => decodeRequest(w.toBuffer()), 'malformed')
  t.equal(e?.opcode, OpCode.exists)
  t.throws(() => MultiRequest.encode(new JuteWriter(), { ops: [{ type: OpCode.exists } as never] }), RangeError)
})

t.test('notifications decode as WatcherEvents whatever opcode the caller guessed', async (t) => {
  const frame = encodeNotification({ type: 3, state: 3, path: '/x' })
  const body = bodyOf(frame)
  t.equal(peekXid(body), Xid.NOTIFICATION)
  t.same(decodeReply(body, OpCode.getData), { header: { xid: -1, zxid: -1n, err: 0 }, response: { type: 3, state: 3, path: '/x' } })
  t.same(decodeReply(body, OpCode.notification).response, { type: 3, state: 3, path: '/x' })
  throwsProtocolError(t, () => peekXid(Buffer.alloc(3)), 'truncated')
})

t.test('replies without a record, and the server-side guards on encodeReply', async (t) => {
  const ping = encodeReply({ xid: Xid.PING, zxid: 12n, err: 0 }, undefined, OpCode.ping)
  t.equal(ping.length, 20)
  t.same(decodeReply(bodyOf(ping), OpCode.ping), { header: { xid: -2, zxid: 12n, err: 0 } })
  t.throws(() => encodeReply({ xid: 1, zxid: 1n, err: 0 }, undefined, OpCode.getData), TypeError, 'success needs its record')
  t.throws(() => encodeReply({ xid: 1, zxid: 1n, err: 0 }, { err: 0 } as never, OpCode.delete), TypeError, 'delete has none')
  const failedGet = encodeReply({ xid: 1, zxid: 1n, err: ErrorCode.NONODE }, undefined, OpCode.getData)
  t.equal(failedGet.length, 20, 'an error reply is the bare header')
  throwsProtocolError(t, () => decodeReply(bodyOf(ping).subarray(0, 10), OpCode.ping), 'truncated')
  throwsProtocolError(t, () => decodeReply(Buffer.concat([bodyOf(ping), Buffer.from([1])]), OpCode.ping), 'trailing-bytes')
})

t.test('a failed multi carries every result as an error, as Apache sends it', async (t) => {
  const results = [
    { type: OpCode.error, err: ErrorCode.OK },
    { type: OpCode.error, err: ErrorCode.BADVERSION },
    { type: OpCode.error, err: ErrorCode.RUNTIMEINCONSISTENCY },
  ] as const
  const frame = encodeReply({ xid: 3, zxid: 9n, err: 0 }, { results: [...results] }, OpCode.multi)
  // header, then per result MultiHeader {-1, false, err} + ErrorResponse {err}, then {-1, true, -1}
  t.equal(
    bodyOf(frame).subarray(16).toString('hex'),
    'ffffffff' + '00' + '00000000' + '00000000' +
      'ffffffff' + '00' + 'ffffff99' + 'ffffff99' +
      'ffffffff' + '00' + 'fffffffe' + 'fffffffe' +
      'ffffffff' + '01' + 'ffffffff',
  )
})
