import t from 'tap'
import { CONTAINER_OWNER, MAX_TTL_MS, isValidSessionId, isValidTtl, kindOfOwner, ttlOfOwner, ttlOwner, visibleOwner } from '../src/ephemeral.js'

t.test('ephemeralOwner encodings as Apache EphemeralType', async (t) => {
  t.equal(kindOfOwner(0n), 'persistent')
  t.equal(kindOfOwner(0x100000000abcn), 'ephemeral')
  t.equal(kindOfOwner(CONTAINER_OWNER), 'container')
  t.equal(ttlOwner(1000n), BigInt.asIntN(64, 0xff000000000003e8n), 'TTL nodes: 0xFF high byte, TTL in the low bits')
  t.equal(kindOfOwner(ttlOwner(1000n)), 'ttl')
  t.equal(ttlOfOwner(ttlOwner(MAX_TTL_MS)), MAX_TTL_MS)
  t.throws(() => kindOfOwner(BigInt.asIntN(64, 0xff01000000000001n)), RangeError, 'unknown extended feature bits')
  t.equal(visibleOwner(ttlOwner(5n)), 0n)
  t.equal(visibleOwner(CONTAINER_OWNER), 0n)
  t.equal(visibleOwner(42n), 42n)
  t.notOk(isValidTtl(0n))
  t.notOk(isValidTtl(MAX_TTL_MS + 1n))
  t.throws(() => ttlOwner(-1n), RangeError)
  t.ok(isValidSessionId(0x100000000001n))
  t.notOk(isValidSessionId(BigInt.asIntN(64, 0xff00000000000001n)), 'server id 255 would look like a TTL node')
})
