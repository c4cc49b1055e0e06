// Log- and JSON-friendly views of decoded messages: buffers become bounded hex, opcodes and error
// codes get their names. Bigints are kept (pass a replacer to JSON.stringify if you need strings).
import { errorName, opName } from './constants.js'
import type { ReplyHeader, RequestHeader } from './records.js'

/** Longer buffers are cut in a description, so describing a 1 MiB znode stays cheap. */
const MAX_DESCRIBED_BYTES = 64

export interface DescribedBytes {
  bytes: number
  hex: string
  /** The text, when every byte is printable ASCII. */
  text?: string
}

function describeBytes(b: Uint8Array): DescribedBytes {
  const buf = Buffer.from(b.buffer, b.byteOffset, b.byteLength)
  const shown = buf.subarray(0, MAX_DESCRIBED_BYTES)
  const hex = shown.toString('hex') + (buf.length > shown.length ? '…' : '')
  const printable = shown.every((c) => c >= 0x20 && c < 0x7f)
  return printable && buf.length > 0 ? { bytes: buf.length, hex, text: shown.toString('latin1') } : { bytes: buf.length, hex }
}

/** A plain copy of a record or message with buffers as DescribedBytes. */
export function describe(value: unknown): unknown {
  if (value instanceof Uint8Array) return describeBytes(value)
  if (Array.isArray(value)) return value.map(describe)
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {}
    for (const [key, v] of Object.entries(value)) out[key] = describe(v)
    return out
  }
  return value
}

/** `{ xid, op: 'getData', path, watch }` */
export function describeRequest(header: RequestHeader, request: object): Record<string, unknown> {
  return { xid: header.xid, op: opName(header.type), ...(describe(request) as object) }
}

/** `{ xid, zxid, err: 'NONODE', op: 'getData', response }` */
export function describeReply(header: ReplyHeader, response: unknown, opcode: number): Record<string, unknown> {
  const described: Record<string, unknown> = { xid: header.xid, zxid: header.zxid, err: errorName(header.err), op: opName(opcode) }
  if (response !== undefined) described.response = describe(response)
  return described
}
