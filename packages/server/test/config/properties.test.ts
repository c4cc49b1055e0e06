import t from 'tap'
import { parseProperties } from '../../src/config/properties.js'

const values = (text: string) => Object.fromEntries([...parseProperties(text).entries].map(([k, v]) => [k, v.value]))

t.test('separators, comments and blank lines as java.util.Properties', async (t) => {
  const text = ['# comment', '! also a comment', '', 'tickTime=2000', 'initLimit : 10', 'syncLimit 5', '  dataDir = /var/zk  ', 'empty='].join('\n')
  t.same(values(text), { tickTime: '2000', initLimit: '10', syncLimit: '5', dataDir: '/var/zk', empty: '' })
})

t.test('each entry remembers its line; the last duplicate wins and is reported', async (t) => {
  const parsed = parseProperties('a=1\n\nb=2\na=3\n')
  t.same(parsed.entries.get('a'), { value: '3', line: 4 })
  t.same(parsed.entries.get('b'), { value: '2', line: 3 })
  t.same(parsed.duplicates, [{ key: 'a', line: 4 }])
})

t.test('continuations, escapes and CRLF', async (t) => {
  t.same(values('server.1=127.0.0.1:\\\n   2888:3888\r\nx=a\\tb\\u0041\nkey\\=with=eq\ny=ends\\\\\nz=1'), {
    'server.1': '127.0.0.1:2888:3888',
    x: 'a\tbA',
    'key=with': 'eq',
    y: 'ends\\',
    z: '1',
  })
})

t.test('a continuation on the last line does not swallow anything', async (t) => {
  t.same(values('a=1\\'), { a: '1' })
})
