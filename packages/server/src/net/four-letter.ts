// Apache answers a four-letter word when it is the first 4 bytes of a connection (before any
// ConnectRequest): NIOServerCnxn.checkFourLetterWord reads them as the "length" int.
import { FOUR_LETTER_WORDS } from '../config/schema.js'

const wordByInt = new Map<number, string>(FOUR_LETTER_WORDS.map((w) => [Buffer.from(w, 'ascii').readInt32BE(0), w]))

/** The four-letter word these 4 bytes spell, if they spell a known one. */
export function fourLetterWordOf(first4: Buffer): string | undefined {
  if (first4.length < 4) throw new RangeError('need 4 bytes')
  return wordByInt.get(first4.readInt32BE(0))
}
