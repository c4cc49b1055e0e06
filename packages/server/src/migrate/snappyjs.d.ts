// snappyjs ships no types: the functions used here (compress by the tests).
declare module 'snappyjs' {
  const snappy: {
    /** Decodes one raw snappy block; throws on malformed input or an output over maxLength bytes. */
    uncompress<T extends Uint8Array | ArrayBuffer>(compressed: T, maxLength?: number): T
    compress<T extends Uint8Array | ArrayBuffer>(uncompressed: T): T
  }
  export default snappy
}
