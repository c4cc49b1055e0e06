/**
 * Apache ZooKeeper's member-to-member quorum stream, read just enough to fake a broken follower.
 *
 * The stream is a sequence of jute QuorumPackets: int type, long zxid, buffer data (int length,
 * -1 for none), vector<Id> authinfo (int count, -1 for none; each Id two length-prefixed strings).
 * One exception: after a SNAP packet the leader streams a raw snapshot, which this reader does not
 * parse; it then gives up on the connection (`opaque`) and passes bytes through untouched.
 */
import type { ConnectionInterceptor, InterceptorFactory } from './proxy.js'

export const PacketType = { REQUEST: 1, PROPOSAL: 2, ACK: 3, COMMIT: 4, PING: 5, NEWLEADER: 10, UPTODATE: 12, DIFF: 13, TRUNC: 14, SNAP: 15 } as const

export interface QuorumPacket {
  type: number
  zxid: bigint
  /** the packet's bytes, exactly as they were on the wire */
  bytes: Buffer
}

/** Bounds what a corrupt length can make the reader wait for. */
const MAX_PACKET_BYTES = 64 * 1024 * 1024

/** The length of the packet at the start of `bytes`, or undefined if it is not all there yet. */
export function packetLength(bytes: Buffer): number | undefined {
  let offset = 12
  const need = (n: number) => offset + n <= bytes.length
  if (!need(4)) return undefined
  const dataLength = bytes.readInt32BE(offset)
  offset += 4
  if (dataLength > MAX_PACKET_BYTES) throw new Error(`quorum packet data of ${dataLength} bytes`)
  if (dataLength > 0) offset += dataLength
  if (!need(4)) return undefined
  const ids = bytes.readInt32BE(offset)
  offset += 4
  if (ids > 1_000) throw new Error(`quorum packet with ${ids} auth ids`)
  for (let i = 0; i < ids * 2; i++) {
    if (!need(4)) return undefined
    const length = bytes.readInt32BE(offset)
    offset += 4 + Math.max(0, length)
  }
  return need(0) ? offset : undefined
}

/** Splits a byte stream into whole packets, keeping the incomplete tail for the next chunk. */
export class PacketReader {
  private buffered: Buffer = Buffer.alloc(0)
  /** after SNAP: the rest is not packets */
  opaque = false

  /** the whole packets completed by `chunk`, and (once opaque) the raw rest */
  push(chunk: Buffer): { packets: QuorumPacket[]; raw: Buffer } {
    if (this.opaque) return { packets: [], raw: chunk }
    this.buffered = this.buffered.length === 0 ? chunk : Buffer.concat([this.buffered, chunk])
    const packets: QuorumPacket[] = []
    while (!this.opaque) {
      const length = packetLength(this.buffered)
      if (length === undefined) break
      const bytes = this.buffered.subarray(0, length)
      packets.push({ type: bytes.readInt32BE(0), zxid: bytes.readBigInt64BE(4), bytes: Buffer.from(bytes) })
      this.buffered = this.buffered.subarray(length)
      if (packets.at(-1)!.type === PacketType.SNAP) this.opaque = true
    }
    if (!this.opaque) return { packets, raw: Buffer.alloc(0) }
    const raw = this.buffered
    this.buffered = Buffer.alloc(0)
    return { packets, raw }
  }

  /** true when no partial packet is waiting for more bytes */
  get atBoundary(): boolean {
    return this.buffered.length === 0
  }
}

/** A follower's ACK of a proposal, as Apache's follower writes it (no data, no auth ids). */
export function ackPacket(zxid: bigint): Buffer {
  const bytes = Buffer.alloc(20)
  bytes.writeInt32BE(PacketType.ACK, 0)
  bytes.writeBigInt64BE(zxid, 4)
  bytes.writeInt32BE(-1, 12)
  bytes.writeInt32BE(-1, 16)
  return bytes
}

export interface LiarState {
  /** set by the harness: lie from now on */
  lying: boolean
  /** the follower finished syncing on this connection (UPTODATE went down it) */
  synced: boolean
  /** SNAP went down this connection: it cannot be read, so it cannot lie */
  opaque: boolean
  forgedAcks: number
  withheld: number
}

/**
 * A follower that acknowledges what it never got: on its quorum link to the leader, while
 * `lying`, each PROPOSAL is withheld from the follower (with its COMMIT) and an ACK for it is
 * sent to the leader in the follower's name. The leader then counts this follower toward a
 * quorum that does not hold the txn: it commits and answers clients for writes that a quorum
 * does not have. The same broken behaviour as a leader that acknowledges before a quorum has a
 * write, built outside the server so it can be shown against Apache ZooKeeper.
 *
 * A forged ACK never overtakes the follower's own ACK of an earlier proposal (one it got before
 * the lie began): Apache's leader commits strictly in zxid order and re-checks a proposal only
 * when an ACK for it arrives, so an ACK that came early would leave that proposal uncommitted
 * for good, and the leader stalled instead of lying.
 */
export function lyingFollower(state: LiarState): InterceptorFactory {
  return (inject): ConnectionInterceptor => {
    const upReader = new PacketReader()
    const downReader = new PacketReader()
    const withheld = new Set<bigint>()
    /** proposals passed to the synced follower whose ACK has not gone up yet */
    const unacked = new Set<bigint>()
    let pendingAcks: Buffer[] = []
    // Forged ACKs go in only between the follower's own packets, after its own earlier ACKs.
    const mayForge = () => pendingAcks.length > 0 && upReader.atBoundary && unacked.size === 0
    const flushAcks = () => {
      const out = Buffer.concat(pendingAcks)
      pendingAcks = []
      return out
    }
    return {
      up(chunk) {
        const { packets, raw } = upReader.push(chunk)
        for (const packet of packets) {
          if (packet.type !== PacketType.ACK) continue
          for (const zxid of unacked) if (zxid <= packet.zxid) unacked.delete(zxid)
        }
        const out = Buffer.concat([...packets.map((p) => p.bytes), raw])
        return mayForge() ? Buffer.concat([out, flushAcks()]) : out
      },
      down(chunk) {
        const { packets, raw } = downReader.push(chunk)
        if (downReader.opaque) state.opaque = true
        const passed: Buffer[] = []
        for (const packet of packets) {
          if (packet.type === PacketType.UPTODATE) state.synced = true
          const lie = state.lying && state.synced && !state.opaque
          if (lie && packet.type === PacketType.PROPOSAL) {
            withheld.add(packet.zxid)
            state.withheld++
            state.forgedAcks++
            pendingAcks.push(ackPacket(packet.zxid))
            continue
          }
          if (packet.type === PacketType.COMMIT && withheld.delete(packet.zxid)) continue
          if (packet.type === PacketType.PROPOSAL && state.synced && !state.opaque) unacked.add(packet.zxid)
          passed.push(packet.bytes)
        }
        if (mayForge()) inject.up(flushAcks())
        return Buffer.concat([...passed, raw])
      },
    }
  }
}
