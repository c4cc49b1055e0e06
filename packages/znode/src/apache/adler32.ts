// Adler-32 (RFC 1950), the checksum Apache ZooKeeper's snapshots and txn logs use
// (java.util.zip.Adler32). Node's zlib exposes crc32 but not adler32.
const MOD_ADLER = 65521
// The largest run of bytes whose sums cannot exceed 2^53 before a reduction (zlib's NMAX is for
// 32-bit sums; doubles allow far more, but a smaller run keeps the numbers small and fast).
const RUN_BYTES = 5552

/** The Adler-32 of `bytes`, continuing from `previous` (1 starts a new checksum). Unsigned. */
export function adler32(bytes: Uint8Array, previous = 1): number {
  let a = previous & 0xffff
  let b = previous >>> 16
  let i = 0
  while (i < bytes.length) {
    const end = Math.min(i + RUN_BYTES, bytes.length)
    for (; i < end; i++) {
      a += bytes[i] as number
      b += a
    }
    a %= MOD_ADLER
    b %= MOD_ADLER
  }
  return (b * 65536 + a) >>> 0
}
