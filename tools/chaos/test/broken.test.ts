/**
 * The checker has teeth: an ensemble that acknowledges writes before a quorum has them must be
 * caught. Against Apache the switch is harness-side (proxies that forge followers' ACKs, see
 * src/broken.ts); against our own server it is the test-only config key zoo.test.ackBeforeQuorum.
 */
import t from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { tempDir } from '@zoo/testkit'
import { runChaos } from '../src/runner.js'
import { summaryText } from '../src/report/report.js'

t.test('acknowledging writes before a quorum has them is caught (Apache, lying followers)', { timeout: 240_000 }, async (t) => {
  const dir = tempDir('chaos-broken')
  // Kept when the test fails, for its member logs and history.
  t.teardown(() => (t.passing() ? dir.remove() : t.comment(`report and member logs kept in ${dir.path}`)))
  const lines: string[] = []
  const { report } = await runChaos({ target: 'apache', members: 3, durationMs: 30_000, faults: [], seed: 3, broken: 'ack-before-quorum', reportDir: dir.path, log: (line) => lines.push(line) })
  const section = (prefix: string) => report.sections.find((s) => s.name.startsWith(prefix))!
  if (report.verdict !== 'fail') t.comment(`${summaryText(report)}\n${lines.join('\n')}`)
  t.equal(report.verdict, 'fail', 'the verdict is fail')
  t.match(report.faults[0]?.notes.join(' '), /[1-9]\d* forged ACKs/, 'the followers did lie')
  t.equal(section('linearizability').verdict, 'fail', 'acknowledged writes were lost: no linearization')
  t.match(section('linearizability').violations[0], /not linearizable\. The longest linearizable prefix/)
  t.equal(section('register states').verdict, 'fail', 'two acknowledged states at one version')
  t.equal(section('member trees').verdict, 'pass', 'yet the members agree with each other afterwards: only the history shows the loss')
})

/**
 * The same against our server: the test-only zoo.cfg key makes its leader acknowledge a write once
 * its own log has it. The harness isolates that leader (it goes on acknowledging alone while the
 * others elect a leader without those writes), kills it, and restarts it: it rejoins truncated.
 */
t.test('the same against our server (--target zoo, test-only config key)', { timeout: 240_000 }, async (t) => {
  const dir = tempDir('chaos-broken-zoo')
  t.teardown(() => (t.passing() ? dir.remove() : t.comment(`report and member logs kept in ${dir.path}`)))
  const lines: string[] = []
  const { report } = await runChaos({ target: 'zoo', members: 3, durationMs: 30_000, faults: [], seed: 3, broken: 'ack-before-quorum', reportDir: dir.path, log: (line) => lines.push(line) })
  const section = (prefix: string) => report.sections.find((s) => s.name.startsWith(prefix))!
  if (report.verdict !== 'fail') t.comment(`${summaryText(report)}\n${lines.join('\n')}`)
  t.equal(report.verdict, 'fail', 'the verdict is fail')
  t.match(report.faults[0]?.notes.join(' '), /cut off from every follower for \d+ ms, then killed/, 'the leader was isolated, then killed')
  t.match(readFileSync(join(dir.path, 'cluster', `member-${report.faults[0]!.members[0]}`, 'member.log'), 'utf8'), /TEST-ONLY BROKEN BUILD: zoo\.test\.ackBeforeQuorum=true/, 'the broken leader said so in its log')
  t.equal(section('linearizability').verdict, 'fail', 'acknowledged writes were lost: no linearization')
  t.match(section('linearizability').violations[0], /not linearizable\. The longest linearizable prefix/)
  t.equal(section('register states').verdict, 'fail', 'two acknowledged states at one version')
  t.equal(section('member trees').verdict, 'pass', 'the restarted ex-leader was truncated: the members agree afterwards')
})
