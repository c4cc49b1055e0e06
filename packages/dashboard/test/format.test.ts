import t from 'tap'
import { childPath, fromBase64, hex64, hexDump, looksLikeText, parentPath, permsText, prettyJson, toBase64 } from '../src/shared/format.js'

t.test('permsText writes ZooKeeper permission bits as zkCli does', async (t) => {
  t.equal(permsText(31), 'cdrwa')
  t.equal(permsText(1), 'r')
  t.equal(permsText(4 | 2), 'cw')
  t.equal(permsText(0), '')
})

t.test('hexDump: offsets, hex and printable ASCII, bounded', async (t) => {
  const dump = hexDump(new TextEncoder().encode('hello, zoo!\n\u0001abcdefgh'))
  t.equal(dump.split('\n')[0], '00000000  68 65 6c 6c 6f 2c 20 7a 6f 6f 21 0a 01 61 62 63  hello, zoo!..abc')
  t.match(dump.split('\n')[1], /^00000010  64 65 66 67 68 +defgh$/)
  t.match(hexDump(new Uint8Array(100), 32), /… 68 more bytes$/)
})

t.test('prettyJson, looksLikeText, base64 round trip, paths, hex64', async (t) => {
  t.equal(prettyJson('{"a":[1,2]}'), '{\n  "a": [\n    1,\n    2\n  ]\n}')
  t.equal(prettyJson('not json'), undefined)
  t.equal(prettyJson(''), undefined)
  t.ok(looksLikeText('a\tb\nc'))
  t.notOk(looksLikeText('a\u0000b'))
  const bytes = new Uint8Array(70_000).map((_, i) => i % 256)
  t.same(fromBase64(toBase64(bytes)), bytes)
  t.equal(toBase64(new TextEncoder().encode('zoo')), Buffer.from('zoo').toString('base64'))
  t.equal(childPath('/', 'a'), '/a')
  t.equal(childPath('/a', 'b'), '/a/b')
  t.equal(parentPath('/a/b'), '/a')
  t.equal(parentPath('/a'), '/')
  t.equal(hex64(-1n), '0xffffffffffffffff')
})
