// The simulated application: it keeps only how many txns it applied, the last zxid and a hash
// chain over (zxid, payload), which is enough to compare whole histories in O(1). Its snapshot
// is those three numbers plus deterministic filler bytes (to make SNAP transfers multi-chunk).
import type { Entry } from '../core/types.js'

export interface AppState {
  count: number
  lastZxid: bigint
  hash: number
}

export const emptyApp = (): AppState => ({ count: 0, lastZxid: 0n, hash: 0x811c9dc5 })

export function hashStep(hash: number, zxid: bigint, payload: Uint8Array): number {
  let h = hash
  for (let shift = 56n; shift >= 0n; shift -= 8n) h = Math.imul(h ^ Number((zxid >> shift) & 0xffn), 0x01000193)
  for (const b of payload) h = Math.imul(h ^ b, 0x01000193)
  return h >>> 0
}

export function applyEntry(s: AppState, e: Entry): void {
  s.count++
  s.lastZxid = e.zxid
  s.hash = hashStep(s.hash, e.zxid, e.payload)
}

const HEADER_BYTES = 16

export function encodeAppSnapshot(s: AppState, fillerBytes: number): Uint8Array {
  const out = new Uint8Array(HEADER_BYTES + fillerBytes)
  const v = new DataView(out.buffer)
  v.setUint32(0, s.count)
  v.setBigUint64(4, s.lastZxid)
  v.setUint32(12, s.hash)
  for (let i = 0; i < fillerBytes; i++) out[HEADER_BYTES + i] = (s.hash >>> (i % 24)) & 0xff
  return out
}

export function decodeAppSnapshot(data: Uint8Array): AppState {
  if (data.length < HEADER_BYTES) throw new Error(`app snapshot of ${data.length} bytes`)
  const v = new DataView(data.buffer, data.byteOffset, data.byteLength)
  const s = { count: v.getUint32(0), lastZxid: v.getBigUint64(4), hash: v.getUint32(12) }
  for (let i = HEADER_BYTES; i < data.length; i++) {
    if (data[i] !== ((s.hash >>> ((i - HEADER_BYTES) % 24)) & 0xff)) throw new Error('app snapshot filler corrupted')
  }
  return s
}
