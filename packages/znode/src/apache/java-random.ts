// The session passwords Apache ZooKeeper hands out: java.util.Random seeded with the session id
// XOR a fixed "superSecret", 16 bytes of nextBytes (ZooKeeperServer.generatePasswd). An imported
// session keeps the password its clients already hold, so they can reconnect to zoo with it.
const MULTIPLIER = 0x5deece66dn
const ADDEND = 0xbn
const MASK_48 = (1n << 48n) - 1n
/** ZooKeeperServer.superSecret. */
const SUPER_SECRET = 0xb3415c00n

/** java.util.Random's 48-bit LCG, enough of it for nextBytes. */
class JavaRandom {
  private seed: bigint

  constructor(seed: bigint) {
    this.seed = (BigInt.asUintN(64, seed) ^ MULTIPLIER) & MASK_48
  }

  nextInt(): number {
    this.seed = (this.seed * MULTIPLIER + ADDEND) & MASK_48
    return Number(BigInt.asIntN(32, this.seed >> 16n))
  }

  nextBytes(out: Uint8Array): void {
    for (let i = 0; i < out.length; ) {
      let random = this.nextInt()
      for (let n = Math.min(out.length - i, 4); n > 0; n--) {
        out[i++] = random & 0xff
        random >>= 8
      }
    }
  }
}

/** The 16-byte password Apache ZooKeeper gives session `sessionId`. */
export function apacheSessionPasswd(sessionId: bigint): Buffer {
  const passwd = Buffer.alloc(16)
  new JavaRandom(BigInt.asIntN(64, sessionId) ^ SUPER_SECRET).nextBytes(passwd)
  return passwd
}
