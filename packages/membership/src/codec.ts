/**
 * How a member's published value becomes node bytes and back. The schema checks the decoded
 * value; a codec only moves between bytes and plain values, and throws on bytes it cannot read.
 */

export interface Codec {
  /** the value as bytes (or a string, stored as UTF-8) */
  encode(value: unknown): Uint8Array | string
  /** the value from bytes; throws when the bytes are not of this codec */
  decode(bytes: Buffer): unknown
}

const utf8 = new TextDecoder('utf-8', { fatal: true })

/** JSON text, UTF-8. The default of the `zoo` layout. */
export const jsonCodec: Codec = {
  encode: (value) => {
    const text = JSON.stringify(value)
    if (text === undefined) throw new TypeError('the value has no JSON form')
    return text
  },
  decode: (bytes) => JSON.parse(utf8.decode(bytes)) as unknown,
}

/** The bytes as a UTF-8 string, as kazoo's Party stores its identifier. Default of `kazoo-party`. */
export const textCodec: Codec = {
  encode: (value) => {
    if (typeof value !== 'string') throw new TypeError(`the text codec stores strings, not ${typeof value}`)
    return value
  },
  decode: (bytes) => utf8.decode(bytes),
}

export type CodecOption = 'json' | 'text' | Codec

export function resolveCodec(option: CodecOption): Codec {
  if (option === 'json') return jsonCodec
  if (option === 'text') return textCodec
  return option
}

export function toBuffer(encoded: Uint8Array | string): Buffer {
  return typeof encoded === 'string' ? Buffer.from(encoded, 'utf8') : Buffer.from(encoded.buffer, encoded.byteOffset, encoded.byteLength)
}
