// Messages between members and their compact binary encoding (big-endian, one type byte first).
// Election notifications are idempotent state broadcasts; everything a leader and a learner
// exchange travels on a "link" (a random id chosen by the learner per connection attempt) with a
// sequence number per direction, so loss, duplication and reordering underneath are detected
// (duplicates dropped, a gap ends the link) rather than trusted away.
import { MessageDecodeError } from './errors.js'
import type { Entry, Role } from './types.js'

export type SyncMode = 'diff' | 'trunc' | 'snap'

export interface Notification {
  readonly type: 'notification'
  readonly state: Role
  /** Proposed (or, when not looking, elected) leader; 0 = no vote (an observer asking). */
  readonly leader: number
  readonly zxid: bigint
  /** Election round (Apache's electionEpoch / logicalclock). */
  readonly round: number
  readonly peerEpoch: number
  /**
   * The sender's acceptedEpoch (not in Apache's notification): a leader picks its new epoch
   * above every accepted epoch it heard of, so no member is left refusing it.
   */
  readonly acceptedEpoch: number
}

/** Unsequenced: tells a learner its link is unknown or refused, so it starts over. */
export interface Reset {
  readonly type: 'reset'
  readonly link: number
}

export type LinkBody =
  | { readonly type: 'followerinfo'; readonly observer: boolean; readonly acceptedEpoch: number }
  | { readonly type: 'leaderinfo'; readonly newEpoch: number }
  | { readonly type: 'ackepoch'; readonly currentEpoch: number; readonly lastZxid: bigint; readonly counted: boolean }
  | {
      readonly type: 'syncstart'
      readonly mode: SyncMode
      readonly truncZxid: bigint
      readonly snapshotZxid: bigint
      readonly snapshotBytes: number
    }
  | { readonly type: 'snapchunk'; readonly data: Uint8Array }
  | { readonly type: 'syncentries'; readonly entries: readonly Entry[] }
  | { readonly type: 'newleader'; readonly epoch: number; readonly lastZxid: bigint }
  | { readonly type: 'acknewleader'; readonly lastZxid: bigint }
  | { readonly type: 'uptodate'; readonly commitZxid: bigint }
  | { readonly type: 'proposal'; readonly entries: readonly Entry[] }
  | { readonly type: 'ack'; readonly zxid: bigint }
  | { readonly type: 'commit'; readonly zxid: bigint }
  | { readonly type: 'inform'; readonly entries: readonly Entry[] }
  | { readonly type: 'ping' }
  | { readonly type: 'barrier'; readonly id: number }
  | { readonly type: 'barrierdone'; readonly id: number; readonly zxid: bigint; readonly ok: boolean }
  | { readonly type: 'channel'; readonly payload: Uint8Array }

export type LinkMessage = LinkBody & { readonly link: number; readonly seq: number }
export type Message = Notification | Reset | LinkMessage

export function isLinkMessage(m: Message): m is LinkMessage {
  return m.type !== 'notification' && m.type !== 'reset'
}

const TYPE_CODES = {
  notification: 1,
  reset: 2,
  followerinfo: 10,
  leaderinfo: 11,
  ackepoch: 12,
  syncstart: 13,
  snapchunk: 14,
  syncentries: 15,
  newleader: 16,
  acknewleader: 17,
  uptodate: 18,
  proposal: 20,
  ack: 21,
  commit: 22,
  inform: 23,
  ping: 24,
  barrier: 30,
  barrierdone: 31,
  channel: 32,
} as const satisfies Record<Message['type'], number>

type TypeName = keyof typeof TYPE_CODES
const TYPE_NAMES = new Map<number, TypeName>(Object.entries(TYPE_CODES).map(([k, v]) => [v, k as TypeName]))
const ROLES: readonly Role[] = ['looking', 'following', 'leading', 'observing']
const SYNC_MODES: readonly SyncMode[] = ['diff', 'trunc', 'snap']
const U64_MAX = (1n << 64n) - 1n

class Writer {
  private buf: Uint8Array
  private view: DataView
  private pos = 0

  constructor(capacity: number) {
    this.buf = new Uint8Array(capacity)
    this.view = new DataView(this.buf.buffer)
  }

  private room(n: number): void {
    if (this.pos + n <= this.buf.length) return
    const next = new Uint8Array(Math.max(this.buf.length * 2, this.pos + n))
    next.set(this.buf.subarray(0, this.pos))
    this.buf = next
    this.view = new DataView(next.buffer)
  }
  u8(v: number): void {
    this.room(1)
    this.view.setUint8(this.pos, v)
    this.pos += 1
  }
  u32(v: number): void {
    if (!Number.isInteger(v) || v < 0 || v > 0xffff_ffff) throw new RangeError(`u32 out of range: ${v}`)
    this.room(4)
    this.view.setUint32(this.pos, v)
    this.pos += 4
  }
  u64(v: bigint): void {
    if (v < 0n || v > U64_MAX) throw new RangeError(`u64 out of range: ${v}`)
    this.room(8)
    this.view.setBigUint64(this.pos, v)
    this.pos += 8
  }
  bytes(v: Uint8Array): void {
    this.u32(v.length)
    this.room(v.length)
    this.buf.set(v, this.pos)
    this.pos += v.length
  }
  entries(list: readonly Entry[]): void {
    this.u32(list.length)
    for (const e of list) {
      this.u64(e.zxid)
      this.bytes(e.payload)
    }
  }
  finish(): Uint8Array {
    // A view, not a copy: the size hint overshoots a little, and the transport copies anyway.
    return this.pos === this.buf.length ? this.buf : this.buf.subarray(0, this.pos)
  }
}

class Reader {
  private pos = 0
  private readonly view: DataView
  constructor(private readonly buf: Uint8Array) {
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  }
  private need(n: number, what: string): void {
    if (this.pos + n > this.buf.length) throw new MessageDecodeError(`truncated message: ${what} needs ${n} bytes at ${this.pos}`)
  }
  u8(what: string): number {
    this.need(1, what)
    return this.view.getUint8(this.pos++)
  }
  u32(what: string): number {
    this.need(4, what)
    const v = this.view.getUint32(this.pos)
    this.pos += 4
    return v
  }
  u64(what: string): bigint {
    this.need(8, what)
    const v = this.view.getBigUint64(this.pos)
    this.pos += 8
    return v
  }
  bool(what: string): boolean {
    const v = this.u8(what)
    if (v > 1) throw new MessageDecodeError(`${what}: bad boolean ${v}`)
    return v === 1
  }
  bytes(what: string): Uint8Array {
    const n = this.u32(what)
    this.need(n, what)
    // Copy: the caller's frame buffer may be reused, the payload outlives it.
    const v = this.buf.slice(this.pos, this.pos + n)
    this.pos += n
    return v
  }
  entries(what: string): Entry[] {
    const n = this.u32(what)
    // Each entry is at least 12 bytes: refuse absurd counts before allocating.
    if (n * 12 > this.buf.length - this.pos) throw new MessageDecodeError(`${what}: count ${n} exceeds the message`)
    const out: Entry[] = []
    let previous = -1n
    for (let i = 0; i < n; i++) {
      const zxid = this.u64(what)
      if (zxid <= previous) throw new MessageDecodeError(`${what}: zxids not strictly increasing`)
      previous = zxid
      out.push({ zxid, payload: this.bytes(what) })
    }
    return out
  }
  done(type: string): void {
    if (this.pos !== this.buf.length) throw new MessageDecodeError(`${type}: ${this.buf.length - this.pos} trailing bytes`)
  }
}

/** Encoded size estimate (exact for entry lists), so a message is written without regrowing. */
function sizeHint(m: Message): number {
  if ('entries' in m) return 32 + entriesBytes(m.entries)
  if ('payload' in m) return 32 + m.payload.length
  if ('data' in m) return 32 + m.data.length
  return 48
}

export function encodeMessage(m: Message): Uint8Array {
  const w = new Writer(sizeHint(m))
  w.u8(TYPE_CODES[m.type])
  if (m.type === 'notification') {
    w.u8(ROLES.indexOf(m.state))
    w.u32(m.leader)
    w.u64(m.zxid)
    w.u32(m.round)
    w.u32(m.peerEpoch)
    w.u32(m.acceptedEpoch)
  } else if (m.type === 'reset') {
    w.u32(m.link)
  } else {
    w.u32(m.link)
    w.u32(m.seq)
    encodeBody(w, m)
  }
  return w.finish()
}

function encodeBody(w: Writer, m: LinkBody): void {
  switch (m.type) {
    case 'followerinfo':
      w.u8(m.observer ? 1 : 0)
      w.u32(m.acceptedEpoch)
      return
    case 'leaderinfo':
      return w.u32(m.newEpoch)
    case 'ackepoch':
      w.u32(m.currentEpoch)
      w.u64(m.lastZxid)
      return w.u8(m.counted ? 1 : 0)
    case 'syncstart':
      w.u8(SYNC_MODES.indexOf(m.mode))
      w.u64(m.truncZxid)
      w.u64(m.snapshotZxid)
      return w.u32(m.snapshotBytes)
    case 'snapchunk':
      return w.bytes(m.data)
    case 'syncentries':
    case 'proposal':
    case 'inform':
      return w.entries(m.entries)
    case 'newleader':
      w.u32(m.epoch)
      return w.u64(m.lastZxid)
    case 'acknewleader':
      return w.u64(m.lastZxid)
    case 'uptodate':
      return w.u64(m.commitZxid)
    case 'ack':
    case 'commit':
      return w.u64(m.zxid)
    case 'ping':
      return
    case 'barrier':
      return w.u32(m.id)
    case 'barrierdone':
      w.u32(m.id)
      w.u64(m.zxid)
      return w.u8(m.ok ? 1 : 0)
    case 'channel':
      return w.bytes(m.payload)
  }
}

/** Decodes and validates one message; throws MessageDecodeError on anything malformed. */
export function decodeMessage(bytes: Uint8Array): Message {
  const r = new Reader(bytes)
  const code = r.u8('type')
  const type = TYPE_NAMES.get(code)
  if (type === undefined) throw new MessageDecodeError(`unknown message type ${code}`)
  let m: Message
  if (type === 'notification') {
    const stateCode = r.u8('state')
    const state = ROLES[stateCode]
    if (state === undefined) throw new MessageDecodeError(`notification: bad state ${stateCode}`)
    m = { type, state, leader: r.u32('leader'), zxid: r.u64('zxid'), round: r.u32('round'), peerEpoch: r.u32('peerEpoch'), acceptedEpoch: r.u32('acceptedEpoch') }
  } else if (type === 'reset') {
    m = { type, link: r.u32('link') }
  } else {
    const link = r.u32('link')
    const seq = r.u32('seq')
    m = { link, seq, ...decodeBody(r, type) } as LinkMessage
  }
  r.done(type)
  return m
}

function decodeBody(r: Reader, type: LinkBody['type']): LinkBody {
  switch (type) {
    case 'followerinfo':
      return { type, observer: r.bool('observer'), acceptedEpoch: r.u32('acceptedEpoch') }
    case 'leaderinfo':
      return { type, newEpoch: r.u32('newEpoch') }
    case 'ackepoch':
      return { type, currentEpoch: r.u32('currentEpoch'), lastZxid: r.u64('lastZxid'), counted: r.bool('counted') }
    case 'syncstart': {
      const modeCode = r.u8('mode')
      const mode = SYNC_MODES[modeCode]
      if (mode === undefined) throw new MessageDecodeError(`syncstart: bad mode ${modeCode}`)
      return { type, mode, truncZxid: r.u64('truncZxid'), snapshotZxid: r.u64('snapshotZxid'), snapshotBytes: r.u32('snapshotBytes') }
    }
    case 'snapchunk':
      return { type, data: r.bytes('data') }
    case 'syncentries':
    case 'proposal':
    case 'inform':
      return { type, entries: r.entries(type) }
    case 'newleader':
      return { type, epoch: r.u32('epoch'), lastZxid: r.u64('lastZxid') }
    case 'acknewleader':
      return { type, lastZxid: r.u64('lastZxid') }
    case 'uptodate':
      return { type, commitZxid: r.u64('commitZxid') }
    case 'ack':
    case 'commit':
      return { type, zxid: r.u64('zxid') }
    case 'ping':
      return { type }
    case 'barrier':
      return { type, id: r.u32('id') }
    case 'barrierdone':
      return { type, id: r.u32('id'), zxid: r.u64('zxid'), ok: r.bool('ok') }
    case 'channel':
      return { type, payload: r.bytes('payload') }
  }
}

/** Payload bytes a message carries (for batching bounds). */
export function entriesBytes(entries: readonly Entry[]): number {
  let n = 0
  for (const e of entries) n += e.payload.length + 12
  return n
}
