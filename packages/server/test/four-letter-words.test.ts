import t from 'tap'
import type { Test } from 'tap'
import { fileURLToPath } from 'node:url'
import { answerFourLetterWord, connectionInfo, javaDate, NOT_SERVING } from '../src/four-letter-words.js'
import { whitelist } from '../src/config/schema.js'
import { sampleStatus as status } from './support/sample-status.js'
import { lines, lineShape, readSections } from './support/four-letter-fixtures.js'

const shared = readSections(fileURLToPath(new URL('../../../../shared/testdata/four-letter-words.txt', import.meta.url)))
const captured = readSections(fileURLToPath(new URL('./fixtures/apache-3.8-four-letter-words.txt', import.meta.url)))
const all = whitelist('*', false)

function sameShape(t: Test, ours: string, theirs: string, what: string): void {
  t.same(lines(ours).map(lineShape), lines(theirs).map(lineShape), `${what}: same keys, order and value kinds as Apache`)
}

/** mntr lines whose names are fixed (summary sets depend on the namespaces written). */
const fixedMntr = (text: string) => lines(text).filter((l) => !/_per_namespace\t|_learner_handler_qp_/.test(l)).join('\n')

t.test('srvr, stat, mntr, conf of a standalone server have Apache\'s shape (shared testdata)', async (t) => {
  const s = () => status('standalone')
  sameShape(t, answerFourLetterWord('srvr', all, s), shared.get('srvr') as string, 'srvr')
  sameShape(t, fixedMntr(answerFourLetterWord('mntr', all, s)), fixedMntr(shared.get('mntr') as string), 'mntr')
  sameShape(t, answerFourLetterWord('conf', all, s), shared.get('conf') as string, 'conf')
  // stat lists clients; the capture had one 4lw connection, ours two: compare the frame around them.
  const stat = lines(answerFourLetterWord('stat', all, s)).filter((l) => !l.startsWith(' /'))
  sameShape(t, stat.join('\n'), lines(shared.get('stat') as string).filter((l) => !l.startsWith(' /')).join('\n'), 'stat')
  t.equal(answerFourLetterWord('ruok', all, s), 'imok')
  t.equal(answerFourLetterWord('isro', all, s), 'rw')
  t.match(answerFourLetterWord('mntr', all, s), /^zk_avg_app_write_per_namespace\t18\.0$/m)
})

t.test('leader and follower answers have the shape of a 3.8.0 ensemble\'s', async (t) => {
  sameShape(t, answerFourLetterWord('srvr', all, () => status('leader')), captured.get('leader-srvr') as string, 'leader srvr')
  sameShape(t, answerFourLetterWord('srvr', all, () => status('follower')), captured.get('follower-srvr') as string, 'follower srvr')
  sameShape(t, fixedMntr(answerFourLetterWord('mntr', all, () => status('leader'))), fixedMntr(captured.get('leader-mntr') as string), 'leader mntr')
  sameShape(t, fixedMntr(answerFourLetterWord('mntr', all, () => status('follower'))), fixedMntr(captured.get('follower-mntr') as string), 'follower mntr')
  const conf = (text: string) => lines(text).map((l) => l.replace(/^(server\.\d+=).*$/, '$1<line>'))
  t.same(conf(answerFourLetterWord('conf', all, () => status('follower'))).map(lineShape), conf(captured.get('follower-conf') as string).map(lineShape), 'follower conf')
})

t.test('cons, wchs, wchc, wchp, dump, envi', async (t) => {
  const s = () => status('standalone')
  const cons = lines(answerFourLetterWord('cons', all, s))
  const apacheCons = lines(captured.get('standalone-cons') as string)
  t.equal(cons[0], ' /127.0.0.1:60706[1](queued=0,recved=10,sent=10,sid=0x1000017dfae0000,lop=EXIS,est=1795787778609,to=10000,lcxid=0x9,lzxid=0x4,lresp=1565148,llat=0,minlat=0,avglat=4,maxlat=23)')
  t.equal(cons[0], apacheCons[1], 'the session line is byte-identical to Apache\'s for the same values')
  t.equal(cons[1], ' /127.0.0.1:60792[0](queued=0,recved=1,sent=0)')
  t.equal(answerFourLetterWord('wchs', all, s), captured.get('standalone-wchs'))
  t.equal(answerFourLetterWord('wchc', all, s), captured.get('standalone-wchc'))
  t.equal(answerFourLetterWord('wchp', all, s), captured.get('standalone-wchp'))
  const dumpShape = (text: string) => lines(text).map((l) => l.replace(/0x[0-9a-f]+/g, '0x').replace(/\d+ expire at .*:$/, 'n expire at <date>:').replace(/:\d+ /, ':port '))
  t.same(dumpShape(answerFourLetterWord('dump', all, s)), dumpShape(captured.get('standalone-dump') as string))
  t.same(dumpShape(answerFourLetterWord('dump', all, () => status('follower'))).slice(0, 6), dumpShape(captured.get('follower-dump') as string).slice(0, 6))
  const envKeys = (text: string) => lines(text).map((l) => l.split('=')[0])
  t.same(envKeys(answerFourLetterWord('envi', all, s)), envKeys(captured.get('standalone-envi') as string))
})

t.test('whitelist rules: srvr always; others only when listed; unknown words refused alike', async (t) => {
  const s = () => status('standalone')
  const onlySrvr = whitelist(undefined, false)
  t.match(answerFourLetterWord('srvr', onlySrvr, s), /^Zookeeper version: 3\.8\.0-zoo-/)
  t.equal(answerFourLetterWord('mntr', onlySrvr, s), 'mntr is not executed because it is not in the whitelist.\n')
  t.equal(answerFourLetterWord('ruok', onlySrvr, s), 'ruok is not executed because it is not in the whitelist.\n')
  t.equal(answerFourLetterWord('ruok', whitelist('ruok', false), s), 'imok')
  t.equal(answerFourLetterWord('isro', whitelist('', true), s), 'rw', 'isro is on in read-only mode')
})

t.test('a member that is not serving says so (ruok and conf still answer)', async (t) => {
  const s = () => ({ ...status('follower'), serving: false })
  for (const word of ['srvr', 'stat', 'mntr', 'cons', 'wchs', 'dump']) t.equal(answerFourLetterWord(word, all, s), NOT_SERVING, word)
  t.equal(answerFourLetterWord('ruok', all, s), 'imok')
  t.match(answerFourLetterWord('conf', all, s), /^clientPort=2181$/m)
})

t.test('helpers', async (t) => {
  t.equal(javaDate(Date.UTC(2026, 10, 27, 13, 56, 29)), 'Fri Nov 27 13:56:29 UTC 2026')
  t.equal(connectionInfo({ remote: '/1.2.3.4:5', interestOps: 5, queued: 1, received: 2, sent: 3, expiresAtMs: 0 }, true), ' /1.2.3.4:5[5](queued=1,recved=2,sent=3)')
})
