// What members say to each other over consensus' opaque member channel (bytes it never reads):
// requests forwarded to the leader, session liveness, session revalidation on a move.
import { Id, JuteReader, JuteWriter } from '@zoo/protocol'
import type { Id as IdRecord } from '@zoo/protocol'

export const ChannelType = {
  /** learner -> leader: a client's write (its frame body as sent), to prepare and propose. */
  forward: 1,
  /** learner -> leader: a new session to open with a createSession txn. */
  createSession: 2,
  /** learner -> leader: sessions that showed life since the last report. */
  touch: 3,
  /** learner -> leader: may this member take over the session? */
  revalidate: 4,
  /** leader -> learner: the answer to revalidate. */
  revalidated: 5,
  /** leader -> learner: a session this member held has moved to another member. */
  moved: 6,
  /** leader -> learner: a forwarded request the leader could not take (origin closes that connection). */
  refused: 7,
} as const

export type ChannelMessage =
  | { type: typeof ChannelType.forward; sessionId: bigint; authInfo: IdRecord[]; body: Buffer }
  | { type: typeof ChannelType.createSession; sessionId: bigint; timeoutMs: number; passwd: Buffer }
  | { type: typeof ChannelType.touch; sessionIds: bigint[] }
  | { type: typeof ChannelType.revalidate; sessionId: bigint; timeoutMs: number }
  | { type: typeof ChannelType.revalidated; sessionId: bigint; valid: boolean }
  | { type: typeof ChannelType.moved; sessionId: bigint }
  | { type: typeof ChannelType.refused; sessionId: bigint; cxid: number; reason: string }

export function encodeChannel(m: ChannelMessage): Uint8Array {
  const w = new JuteWriter()
  w.int(m.type)
  switch (m.type) {
    case ChannelType.forward:
      w.long(m.sessionId)
      w.vector(m.authInfo, Id.encode)
      w.buffer(m.body)
      break
    case ChannelType.createSession:
      w.long(m.sessionId)
      w.int(m.timeoutMs)
      w.buffer(m.passwd)
      break
    case ChannelType.touch:
      w.int(m.sessionIds.length)
      for (const id of m.sessionIds) w.long(id)
      break
    case ChannelType.revalidate:
      w.long(m.sessionId)
      w.int(m.timeoutMs)
      break
    case ChannelType.revalidated:
      w.long(m.sessionId)
      w.bool(m.valid)
      break
    case ChannelType.moved:
      w.long(m.sessionId)
      break
    case ChannelType.refused:
      w.long(m.sessionId)
      w.int(m.cxid)
      w.ustring(m.reason)
      break
  }
  return w.toBuffer()
}

/**
 * Reads what encodeChannel wrote; bad bytes raise ProtocolError (a member bug, or a newer peer).
 * A forward's body is a view of `bytes`, not a copy: the leader decodes it at once (decodeRequest
 * copies what it keeps), and copying every forwarded write first cost an allocation per write.
 */
export function decodeChannel(bytes: Uint8Array): ChannelMessage {
  const r = new JuteReader(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength), { copyBuffers: false })
  const type = r.int()
  let m: ChannelMessage
  switch (type) {
    case ChannelType.forward:
      m = { type, sessionId: r.long(), authInfo: r.vector(Id.decode) ?? [], body: r.buffer() ?? Buffer.alloc(0) }
      break
    case ChannelType.createSession:
      // Kept until the session's txn is prepared: a copy, so it does not pin the message's memory.
      m = { type, sessionId: r.long(), timeoutMs: r.int(), passwd: Buffer.from(r.buffer() ?? Buffer.alloc(0)) }
      break
    case ChannelType.touch: {
      const count = r.int()
      if (count < 0 || count * 8 > r.remaining) throw new RangeError(`touch count ${count}`)
      const sessionIds: bigint[] = []
      for (let i = 0; i < count; i++) sessionIds.push(r.long())
      m = { type, sessionIds }
      break
    }
    case ChannelType.revalidate:
      m = { type, sessionId: r.long(), timeoutMs: r.int() }
      break
    case ChannelType.revalidated:
      m = { type, sessionId: r.long(), valid: r.bool() }
      break
    case ChannelType.moved:
      m = { type, sessionId: r.long() }
      break
    case ChannelType.refused:
      m = { type, sessionId: r.long(), cxid: r.int(), reason: r.ustring() ?? '' }
      break
    default:
      throw new RangeError(`member channel message type ${type}`)
  }
  r.done()
  return m
}
