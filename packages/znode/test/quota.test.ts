import t from 'tap'
import { QuotaPrefixes, StatsTrack, limitsPath, statsPath } from '../src/index.js'

t.test('StatsTrack reads and writes Apache quota text', async (t) => {
  const limits = new StatsTrack('count=-1,bytes=-1=;byteHardLimit=300;countHardLimit=6')
  t.equal(limits.get('count'), -1n)
  t.equal(limits.get('countHardLimit'), 6n)
  t.equal(limits.get('byteHardLimit'), 300n)
  t.equal(limits.toString(), 'count=-1,bytes=-1=;byteHardLimit=300;countHardLimit=6')
  const usage = new StatsTrack('count=3,bytes=10')
  usage.set('count', 4n)
  t.equal(usage.toString(), 'count=4,bytes=10')
  t.equal(new StatsTrack('').toString(), 'count=-1,bytes=-1', 'missing keys read -1')
  t.equal(new StatsTrack(null).get('bytes'), -1n)
})

t.test('what Apache cannot parse: undefined from parse, -1 from the lenient reader', async (t) => {
  for (const text of ['count', 'count=x', 'count=1,bytes=', ',count=1', 'count= 1', 'count=99999999999999999999']) {
    t.equal(StatsTrack.parse(text), undefined, JSON.stringify(text))
  }
  t.ok(StatsTrack.parse('count=+1,bytes=-0'))
  t.equal(new StatsTrack('count=x,bytes=5').get('count'), -1n)
  t.equal(new StatsTrack('count=x,bytes=5').get('bytes'), 5n)
})

t.test('quota prefixes: the deepest quota at or above a path; deleting drops those below', async (t) => {
  const q = new QuotaPrefixes()
  t.equal(q.quotaFor('/a/b'), undefined)
  q.add('/a')
  q.add('/a/b/c')
  q.add('/x//y/')
  t.same(q.list(), ['/a', '/a/b/c', '/x/y'], 'blank segments are skipped, as PathTrie')
  t.equal(q.quotaFor('/a/b'), '/a')
  t.equal(q.quotaFor('/a/b/c/d'), '/a/b/c')
  t.equal(q.quotaFor('/ab'), undefined)
  t.equal(q.quotaFor('/'), undefined, 'never the root')
  q.delete('/a')
  t.same(q.list(), ['/x/y'], 'PathTrie.deletePath drops the whole subtrie')
  t.equal(limitsPath('/a'), '/zookeeper/quota/a/zookeeper_limits')
  t.equal(statsPath('/a'), '/zookeeper/quota/a/zookeeper_stats')
})
