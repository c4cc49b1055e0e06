import t from 'tap'
import { ChannelType, decodeChannel, encodeChannel } from '../../src/member/channel.js'
import type { ChannelMessage } from '../../src/member/channel.js'

t.test('every member channel message round-trips', async (t) => {
  const messages: ChannelMessage[] = [
    { type: ChannelType.forward, sessionId: -5n, authInfo: [{ scheme: 'digest', id: 'a:b' }], body: Buffer.from([1, 2, 3]) },
    { type: ChannelType.createSession, sessionId: 1n << 60n, timeoutMs: 4000, passwd: Buffer.alloc(16, 9) },
    { type: ChannelType.touch, sessionIds: [1n, 2n, 3n] },
    { type: ChannelType.revalidate, sessionId: 9n, timeoutMs: 100 },
    { type: ChannelType.revalidated, sessionId: 9n, valid: true },
    { type: ChannelType.moved, sessionId: 9n },
    { type: ChannelType.refused, sessionId: 9n, cxid: 4, reason: 'full' },
  ]
  for (const m of messages) t.same(decodeChannel(encodeChannel(m)), m)
})

t.test('bad bytes are refused', async (t) => {
  t.throws(() => decodeChannel(Buffer.from([0, 0, 0, 99])), /message type 99/)
  t.throws(() => decodeChannel(Buffer.from([0, 0, 0, 3, 0x7f, 0, 0, 0])), /touch count/)
  const m = Buffer.from(encodeChannel({ type: ChannelType.moved, sessionId: 1n }))
  t.throws(() => decodeChannel(Buffer.concat([m, Buffer.from([0])])))
})

t.test('a forward body is a view of the message (decoded at once); a session password is a copy (kept)', async (t) => {
  const forward = Buffer.from(encodeChannel({ type: ChannelType.forward, sessionId: 1n, authInfo: [], body: Buffer.from([1, 2, 3]) }))
  const body = (decodeChannel(forward) as { body: Buffer }).body
  forward[forward.length - 1] = 9
  t.same([...body], [1, 2, 9])
  const create = Buffer.from(encodeChannel({ type: ChannelType.createSession, sessionId: 1n, timeoutMs: 4000, passwd: Buffer.alloc(16, 7) }))
  const passwd = (decodeChannel(create) as { passwd: Buffer }).passwd
  create.fill(0)
  t.same(passwd, Buffer.alloc(16, 7))
})
