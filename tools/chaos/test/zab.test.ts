import t from 'tap'
import { ackPacket, lyingFollower, packetLength, PacketReader, PacketType, type LiarState } from '../src/faults/zab.js'

function packet(type: number, zxid: bigint, data?: Buffer, ids: [string, string][] = []): Buffer {
  const parts: Buffer[] = []
  const head = Buffer.alloc(16)
  head.writeInt32BE(type, 0)
  head.writeBigInt64BE(zxid, 4)
  head.writeInt32BE(data === undefined ? -1 : data.length, 12)
  parts.push(head)
  if (data) parts.push(data)
  const count = Buffer.alloc(4)
  count.writeInt32BE(ids.length === 0 ? -1 : ids.length)
  parts.push(count)
  for (const [scheme, id] of ids) {
    for (const text of [scheme, id]) {
      const length = Buffer.alloc(4)
      length.writeInt32BE(Buffer.byteLength(text))
      parts.push(length, Buffer.from(text))
    }
  }
  return Buffer.concat(parts)
}

t.test('packet framing', async (t) => {
  t.equal(packetLength(ackPacket(5n)), 20)
  t.same(ackPacket(5n), packet(PacketType.ACK, 5n), 'a forged ACK is what a follower writes')
  const withData = packet(PacketType.PROPOSAL, 7n, Buffer.from('txn bytes'), [['digest', 'u:p']])
  t.equal(packetLength(withData), withData.length)
  t.equal(packetLength(withData.subarray(0, withData.length - 1)), undefined, 'incomplete')
  t.equal(packetLength(withData.subarray(0, 10)), undefined)
})

t.test('the reader splits a stream at any chunking and stops at a snapshot', async (t) => {
  const stream = Buffer.concat([packet(PacketType.PING, 1n), packet(PacketType.PROPOSAL, 2n, Buffer.alloc(300, 1)), packet(PacketType.COMMIT, 2n)])
  for (const size of [1, 7, 64, stream.length]) {
    const reader = new PacketReader()
    const got: number[] = []
    for (let i = 0; i < stream.length; i += size) got.push(...reader.push(stream.subarray(i, i + size)).packets.map((p) => p.type))
    t.same(got, [PacketType.PING, PacketType.PROPOSAL, PacketType.COMMIT], `chunks of ${size}`)
    t.ok(reader.atBoundary)
  }
  const reader = new PacketReader()
  const result = reader.push(Buffer.concat([packet(PacketType.SNAP, 9n), Buffer.from('raw snapshot bytes')]))
  t.same(result.packets.map((p) => p.type), [PacketType.SNAP])
  t.equal(result.raw.toString(), 'raw snapshot bytes')
  t.ok(reader.opaque)
  t.equal(reader.push(Buffer.from('more')).raw.toString(), 'more', 'after SNAP everything passes as raw bytes')
})

t.test('a lying follower withholds proposals and their commits and forges ACKs, only once synced and told to', async (t) => {
  const state: LiarState = { lying: false, synced: false, opaque: false, forgedAcks: 0, withheld: 0 }
  const injectedUp: Buffer[] = []
  const link = lyingFollower(state)({ up: (b) => injectedUp.push(b), down: () => undefined })
  const types = (bytes: Buffer) => new PacketReader().push(bytes).packets.map((p) => `${p.type}:${p.zxid}`)

  state.lying = true
  t.same(types(link.down(Buffer.concat([packet(PacketType.DIFF, 1n), packet(PacketType.PROPOSAL, 2n, Buffer.alloc(8)), packet(PacketType.COMMIT, 2n)]))), ['13:1', '2:2', '4:2'], 'no lies while syncing')
  t.same(types(link.down(packet(PacketType.UPTODATE, 2n))), ['12:2'])
  t.ok(state.synced)

  t.same(types(link.down(Buffer.concat([packet(PacketType.PROPOSAL, 3n, Buffer.alloc(8)), packet(PacketType.PING, 0n)]))), ['5:0'], 'the proposal is withheld, the ping passes')
  t.same(injectedUp.map(types), [['3:3']], 'an ACK goes to the leader in the follower\'s name')
  t.same(types(link.down(packet(PacketType.COMMIT, 3n))), [], 'and the commit of what it never got is withheld too')

  // The follower is in the middle of sending a packet: the forged ACK waits for the boundary.
  const ping = packet(PacketType.PING, 0n, Buffer.alloc(16))
  t.same(link.up(ping.subarray(0, 10)), Buffer.alloc(0))
  link.down(packet(PacketType.PROPOSAL, 4n, Buffer.alloc(8)))
  t.equal(injectedUp.length, 1, 'not injected mid-packet')
  t.same(types(link.up(ping.subarray(10))), ['5:0', '3:4'], 'appended right after the follower\'s packet')
  t.same([state.forgedAcks, state.withheld], [2, 2])

  state.lying = false
  t.same(types(link.down(packet(PacketType.PROPOSAL, 5n, Buffer.alloc(8)))), ['2:5'], 'honest again')
})

t.test('a forged ACK waits for the follower\'s own ACKs of proposals it got before the lie', async (t) => {
  const state: LiarState = { lying: false, synced: false, opaque: false, forgedAcks: 0, withheld: 0 }
  const injectedUp: Buffer[] = []
  const link = lyingFollower(state)({ up: (b) => injectedUp.push(b), down: () => undefined })
  const types = (bytes: Buffer) => new PacketReader().push(bytes).packets.map((p) => `${p.type}:${p.zxid}`)
  link.down(packet(PacketType.UPTODATE, 1n))
  t.same(types(link.down(Buffer.concat([packet(PacketType.PROPOSAL, 2n, Buffer.alloc(8)), packet(PacketType.PROPOSAL, 3n, Buffer.alloc(8))]))), ['2:2', '2:3'], 'honest: delivered')
  state.lying = true
  t.same(types(link.down(packet(PacketType.PROPOSAL, 4n, Buffer.alloc(8)))), [], 'lying: withheld')
  t.equal(injectedUp.length, 0, 'but its ACK would overtake the follower\'s ACKs of 2 and 3 (the leader would never commit 4)')
  t.same(types(link.up(packet(PacketType.ACK, 2n))), ['3:2'], 'the ACK of 2 passes; 3 is still unacknowledged')
  t.same(types(link.up(packet(PacketType.ACK, 3n))), ['3:3', '3:4'], 'after the ACK of 3, the forged ACK of 4 follows it')
  link.down(packet(PacketType.PROPOSAL, 5n, Buffer.alloc(8)))
  t.same(injectedUp.map(types), [['3:5']], 'then forged ACKs go at once')
})
