// Layouts and codecs without a server: node names, Curator's ServiceInstance JSON (as Curator
// 5.4 writes it, captured from the interop driver), uriSpec parts, Jackson's payload typing.
import t from 'tap'
import * as z from 'zod'
import { curatorLayout, kazooPartyLayout, uriSpecParts, uriSpecTemplate, zooLayout } from '../src/index.js'
import { decodeInstance, encodeInstance, typedPayload, untypedPayload } from '../src/curator.js'
import { checkMember } from '../src/validate.js'

// What Curator 5.4's default serializer stored for an instance (see interop.test.ts).
const CURATOR_STORED = '{"name":"api","id":"java-1","address":"127.0.0.1","port":8081,"sslPort":null,"payload":{"@class":"java.util.LinkedHashMap","version":"1.2","weight":3},"registrationTimeUTC":1795789632738,"serviceType":"DYNAMIC","uriSpec":{"parts":[{"value":"scheme","variable":true},{"value":"://","variable":false},{"value":"address","variable":true},{"value":":","variable":false},{"value":"port","variable":true}]}}'

t.test('Curator ServiceInstance: read as Curator writes it, written so that it reads back', async (t) => {
  const { instance, payload } = decodeInstance(CURATOR_STORED)
  t.same(payload, { version: '1.2', weight: 3 }, '@class is not part of the payload')
  t.same(instance, {
    name: 'api', id: 'java-1', address: '127.0.0.1', port: 8081, sslPort: null, registrationTimeUTC: 1795789632738,
    serviceType: 'DYNAMIC', uriSpec: '{scheme}://{address}:{port}', enabled: true, payloadClass: 'java.util.LinkedHashMap',
  }, 'a missing `enabled` (compatible mode) reads as true')
  const options = { address: '10.0.0.1', port: 80, sslPort: 443, uriSpec: '{scheme}://{address}:{port}', enabled: false, payloadClass: 'com.example.Details' }
  const written = encodeInstance({ name: 'api', id: 'x', registrationTimeUTC: 5, options }, { a: 1 })
  t.same(JSON.parse(written), {
    name: 'api', id: 'x', address: '10.0.0.1', port: 80, sslPort: 443, payload: { '@class': 'com.example.Details', a: 1 },
    registrationTimeUTC: 5, serviceType: 'DYNAMIC', uriSpec: JSON.parse(CURATOR_STORED).uriSpec, enabled: false,
  }, 'the same field names and uriSpec parts as Curator')
  const back = decodeInstance(written)
  t.same(back.payload, { a: 1 })
  t.equal(back.instance.payloadClass, 'com.example.Details')
  t.throws(() => decodeInstance('{"id":"x"}'), /not a Curator ServiceInstance/)
  t.throws(() => decodeInstance('{"name":"a","id":"x","serviceType":"WHATEVER"}'), /serviceType/)
})

t.test("Jackson's payload typing: objects carry @class, lists are wrapped, JSON scalars go bare", async (t) => {
  t.same(typedPayload({ a: 1 }, 'java.util.HashMap'), { '@class': 'java.util.HashMap', a: 1 })
  t.same(typedPayload([1, 2], 'x.Y'), ['java.util.ArrayList', [1, 2]])
  for (const scalar of ['s', 1, 1.5, true, null]) t.same(typedPayload(scalar, 'x.Y'), scalar)
  t.same(untypedPayload(['java.util.ArrayList', [1, 2]]), { value: [1, 2], payloadClass: 'java.util.ArrayList' })
  t.same(untypedPayload(['not a class', 2]), { value: ['not a class', 2], payloadClass: null }, 'a plain 2-array stays')
  t.same(untypedPayload('s'), { value: 's', payloadClass: null })
})

t.test('uriSpec: split into parts as Curator does', async (t) => {
  t.same(uriSpecParts('{scheme}://foo:{ port }/x'), [
    { value: 'scheme', variable: true }, { value: '://foo:', variable: false }, { value: 'port', variable: true }, { value: '/x', variable: false },
  ])
  t.equal(uriSpecTemplate(uriSpecParts('{a}{b}c')), '{a}{b}c')
  t.throws(() => uriSpecParts('{a'), /not closed/)
  t.throws(() => uriSpecParts('a}'), /without/)
  t.throws(() => uriSpecParts('{a{b}}'), /inside/)
})

t.test('node names: ids that cannot name a node are refused; kazoo Party names', async (t) => {
  const zoo = zooLayout()
  t.equal(zoo.nodeName('worker-1'), 'worker-1')
  for (const bad of ['', 'a/b', '.', '..', 'bad\u0000']) t.throws(() => zoo.nodeName(bad), RangeError, JSON.stringify(bad))
  t.match(zoo.newId(), /^[0-9a-f-]{36}$/)
  const party = kazooPartyLayout()
  const id = party.newId()
  t.match(id, /^[0-9a-f]{32}$/, 'uuid4().hex, as kazoo')
  t.equal(party.nodeName(id), `${id}__party__`)
  t.equal(party.idOf(`${id}__party__`), id)
  t.equal(party.idOf('other'), undefined, 'not a party member')
  t.throws(() => party.nodeName('x__party__'), RangeError)
  t.equal(curatorLayout().nodeName('i-1'), 'i-1')
})

t.test('codecs: json and text; bad bytes become an invalid member, never an exception', async (t) => {
  const schema = z.object({ n: z.number() })
  const meta = (raw: string) => ({ id: 'm', path: '/g/m', registration: '1', version: 0, registeredAtMs: 0, raw: Buffer.from(raw) })
  const zoo = zooLayout()
  const ok = checkMember(schema, meta('{"n":1}'), () => zoo.decode(Buffer.from('{"n":1}'), 'm'))
  t.ok(ok.ok && ok.member.data.n === 1)
  const undecodable = checkMember(schema, meta('{'), () => zoo.decode(Buffer.from('{'), 'm'))
  t.ok(!undecodable.ok && undecodable.invalid.error.reason === 'decode')
  const rejected = checkMember(schema, meta('{"n":"1"}'), () => zoo.decode(Buffer.from('{"n":"1"}'), 'm'))
  t.ok(!rejected.ok && rejected.invalid.error.reason === 'schema' && rejected.invalid.error.issues[0]!.path[0] === 'n')
  const text = kazooPartyLayout()
  t.same(text.encode('héllo', { id: 'x', groupName: 'g', joinedAtMs: 0, instance: undefined }), Buffer.from('héllo'))
  t.throws(() => text.encode(5, { id: 'x', groupName: 'g', joinedAtMs: 0, instance: undefined }), /strings/)
  t.throws(() => text.decode(Buffer.from([0xff, 0xfe]), 'x'), 'bytes that are not UTF-8 do not decode')
  const curator = curatorLayout()
  t.throws(() => curator.decode(Buffer.from(CURATOR_STORED), 'other-id'), /node is "other-id"/, 'the instance id must match its node')
})
