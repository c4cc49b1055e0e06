// mntr's learner lines on a live 3-member ensemble, read as Apache's are: the leader counts its
// learner links and the followers it forwards to, and a member that leaves is no longer counted.
import t from 'tap'
import { fileURLToPath } from 'node:url'
import { fourLetterWord, waitFor } from '@zoo/testkit'
import { readSections } from '../support/four-letter-fixtures.js'
import { startEnsemble } from '../support/servers.js'

const LEARNER_LINES = ['learners', 'synced_followers', 'synced_non_voting_followers', 'synced_observers', 'pending_syncs']
const captured = readSections(fileURLToPath(new URL('../fixtures/apache-3.8-four-letter-words.txt', import.meta.url)))

/** The learner lines of a mntr answer, as name -> value. */
function learnerLines(mntr: string): Record<string, string> {
  const out: Record<string, string> = {}
  for (const line of mntr.split('\n')) {
    const [key, value] = line.split('\t')
    const name = key?.replace(/^zk_/, '')
    if (name !== undefined && value !== undefined && LEARNER_LINES.includes(name)) out[name] = value
  }
  return out
}

const ensemble = await startEnsemble(t, 3)
await waitFor(async () => ensemble.leader() !== undefined && ensemble.servers.every((s) => s?.status().serving), 20_000, 'a leader and every member serving')
const clientPort = (id: number) => Number(ensemble.connectString.split(',')[id - 1]?.split(':')[1])
const leaderId = () => ensemble.servers.findIndex((s) => s?.mode() === 'leader') + 1
const mntr = async (id: number) => learnerLines(await fourLetterWord(clientPort(id), 'mntr'))

t.test('a 3-member leader prints the values a 3-member Apache 3.8.0 leader printed', async (t) => {
  const apache = learnerLines(captured.get('leader-mntr') as string)
  t.same(apache, { learners: '2', synced_followers: '2', synced_non_voting_followers: '0', synced_observers: '0', pending_syncs: '0' }, 'the capture')
  t.same(await mntr(leaderId()), apache)
})

t.test('followers print none of them, as Apache\'s followers', async (t) => {
  t.same(learnerLines(captured.get('follower-mntr') as string), {})
  for (const id of [1, 2, 3].filter((id) => id !== leaderId())) t.same(await mntr(id), {}, `follower ${id}`)
})

t.test('a follower that stops is no longer a learner nor synced; back once it rejoins', async (t) => {
  const leader = leaderId()
  const follower = [1, 2, 3].find((id) => id !== leader) as number
  await ensemble.kill(follower)
  await waitFor(async () => (await mntr(leader)).learners === '1', 20_000, 'the leader to drop the stopped follower')
  t.same(await mntr(leader), { learners: '1', synced_followers: '1', synced_non_voting_followers: '0', synced_observers: '0', pending_syncs: '0' })
  await ensemble.start(follower)
  await waitFor(async () => (await mntr(leader)).synced_followers === '2', 20_000, 'the follower to sync again')
  t.same((await mntr(leader)).learners, '2')
})
