/**
 * How bytes in a znode (or a Redis value) become the raw value the schema checks, and back.
 * JSON by default; anything else (YAML, TOML, protobuf) plugs in with the same two functions.
 */
export interface Parser {
  /** bytes -> a value for the schema; throw on malformed input */
  parse(bytes: Uint8Array): unknown
  /** a schema-checked value -> bytes; the inverse of parse */
  serialize(value: unknown): Uint8Array
}

const decoder = new TextDecoder('utf-8', { fatal: true })

export const jsonParser: Parser = {
  parse(bytes) {
    // fatal decoding: invalid UTF-8 is a malformed config, not a value with U+FFFD in it
    return JSON.parse(decoder.decode(bytes))
  },
  serialize(value) {
    const text = JSON.stringify(value)
    if (text === undefined) throw new TypeError(`cannot serialize ${typeof value} as JSON`)
    return Buffer.from(text, 'utf8')
  },
}

/** UTF-8 text as is: for a schema like z.string() or z.coerce.number(). */
export const textParser: Parser = {
  parse: (bytes) => decoder.decode(bytes),
  serialize: (value) => {
    if (typeof value !== 'string') throw new TypeError(`textParser serializes strings, got ${typeof value}`)
    return Buffer.from(value, 'utf8')
  },
}
