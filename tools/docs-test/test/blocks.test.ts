import t from 'tap'
import { linePattern, missingLine, runnableBlocks } from '../src/blocks.js'

t.test('runnableBlocks takes marked blocks and the expected block after each', async (t) => {
  const md = [
    '# x', '```sh', 'not run', '```', '```sh runnable', 'echo hi', '```', '```text expected', 'hi', '```',
    '```ts runnable', 'console.log(1)', '```', 'prose', '```text', 'not expected', '```',
  ].join('\n')
  const blocks = runnableBlocks(md)
  t.same(blocks.map((b) => [b.language, b.code, b.expected, b.line]), [
    ['sh', 'echo hi', ['hi'], 5],
    ['ts', 'console.log(1)', [], 11],
  ])
})

t.test('an expected block without a runnable one before it is an error', async (t) => {
  t.throws(() => runnableBlocks('```text expected\nx\n```\n'), /must follow a runnable block/)
  t.throws(() => runnableBlocks('```py runnable\nx\n```\n'), /sh or ts/)
})

t.test('placeholders match any text, the rest literally', async (t) => {
  t.ok(linePattern('zxid <zxid> after <ms> ms').test('zxid 0x100000003 after 120 ms'))
  t.notOk(linePattern('zxid <zxid> after <ms> ms').test('zxid 0x1 after  ms'))
  t.notOk(linePattern('a.b').test('axb'))
  t.ok(linePattern('member 1  follower').test('member 1 follower'))
})

t.test('expected lines must appear in order, others may come between', async (t) => {
  t.equal(missingLine(['a', 'c <n>'], 'a\nb\nc 3\n'), null)
  t.equal(missingLine(['c <n>', 'a'], 'a\nb\nc 3\n'), 'a')
  t.equal(missingLine(['d'], 'a\n'), 'd')
})
