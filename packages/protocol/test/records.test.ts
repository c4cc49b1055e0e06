// encode then decode is the identity for every record codec the package exports (txns included),
// and decoding then encoding gives the same bytes back.
import { deepStrictEqual } from 'node:assert'
import fc from 'fast-check'
import t from 'tap'
import * as protocol from '../src/index.js'
import { JuteReader, JuteWriter, Stat, decodeRecord, encodeRecord } from '../src/index.js'
import type { Codec } from '../src/index.js'
import { recordArbitraries } from './arbitraries.js'
import { throwsProtocolError } from './helpers.js'

function isCodec(value: unknown): value is Codec<unknown> {
  return typeof value === 'object' && value !== null && typeof (value as Codec<unknown>).encode === 'function' && typeof (value as Codec<unknown>).decode === 'function'
}

const codecs = (Object.entries(protocol) as [string, unknown][]).filter((entry): entry is [string, Codec<unknown>] => isCodec(entry[1]))

t.test('every exported codec has an arbitrary, and every arbitrary a codec', async (t) => {
  const names = codecs.map(([name]) => name).sort()
  t.ok(names.length >= 60, `${names.length} codecs exported`)
  t.same(names, Object.keys(recordArbitraries).sort())
})

for (const [name, codec] of codecs) {
  const arbitrary = recordArbitraries[name]
  if (arbitrary === undefined) continue
  t.test(`${name}: decode(encode(v)) = v and encode(decode(b)) = b`, async (t) => {
    fc.assert(
      fc.property(arbitrary, (value) => {
        const bytes = encodeRecord(codec, value)
        const decoded = decodeRecord(codec, bytes)
        deepStrictEqual(decoded, value)
        deepStrictEqual(encodeRecord(codec, decoded), bytes)
      }),
    )
    t.pass(`${name} round-trips`)
  })
}

t.test('Stat is 68 bytes and in Apache field order', async (t) => {
  const stat: Stat = {
    czxid: 1n, mzxid: 2n, ctime: 3n, mtime: 4n, version: 5, cversion: 6, aversion: 7, ephemeralOwner: 8n,
    dataLength: 9, numChildren: 10, pzxid: 11n,
  }
  const bytes = encodeRecord(Stat, stat)
  t.equal(bytes.length, protocol.STAT_BYTES)
  t.equal(
    bytes.toString('hex'),
    '0000000000000001' + '0000000000000002' + '0000000000000003' + '0000000000000004' +
      '00000005' + '00000006' + '00000007' + '0000000000000008' + '00000009' + '0000000a' + '000000000000000b',
  )
})

t.test('decodeRecord insists the record fills the bytes', async (t) => {
  const bytes = encodeRecord(protocol.ErrorResponse, { err: -101 })
  throwsProtocolError(t, () => decodeRecord(protocol.ErrorResponse, Buffer.concat([bytes, Buffer.from([0])])), 'trailing-bytes')
  throwsProtocolError(t, () => decodeRecord(protocol.ErrorResponse, bytes.subarray(0, 3)), 'truncated')
})

t.test('required strings, vectors and txn data refuse null', async (t) => {
  const w = new JuteWriter()
  w.ustring(null)
  throwsProtocolError(t, () => protocol.SyncRequest.decode(new JuteReader(w.toBuffer())), 'malformed')
  const v = new JuteWriter()
  v.int(-1)
  throwsProtocolError(t, () => protocol.GetChildrenResponse.decode(new JuteReader(v.toBuffer())), 'malformed')
  const x = new JuteWriter()
  x.int(1)
  x.int(protocol.OpCode.delete)
  x.buffer(null)
  throwsProtocolError(t, () => protocol.MultiTxn.decode(new JuteReader(x.toBuffer())), 'malformed')
})

t.test('reconfig keeps null server lists (Apache sends them)', async (t) => {
  const value = { joiningServers: null, leavingServers: 'server.3', newMembers: null, curConfigId: -1n }
  const bytes = encodeRecord(protocol.ReconfigRequest, value)
  t.equal(bytes.subarray(0, 4).readInt32BE(0), -1)
  t.same(decodeRecord(protocol.ReconfigRequest, bytes), value)
})
