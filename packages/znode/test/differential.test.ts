// Differential test: the same seeded random ops against Apache ZooKeeper 3.8 (a real standalone
// server on a loopback port) and against @zoo/znode. Replies, Stats, data, children, ACLs and
// every notification must agree on every op. On a mismatch the seed is in the failure; replay
// with ZNODE_DIFF_SEEDS=<seed,...> (the seeds run in order on one fresh server).
import t from 'tap'
import { digestId } from '../src/index.js'
import { startApacheZooKeeper } from '@zoo/testkit'
import { DifferentialRun } from './support/differential.js'
import { Model } from './support/model.js'
import { SUPER_DIGEST } from './support/ops.js'

const OPS_PER_SEED = Number(process.env.ZNODE_DIFF_OPS ?? 800)
const seeds = process.env.ZNODE_DIFF_SEEDS
  ? process.env.ZNODE_DIFF_SEEDS.split(',').map(Number)
  : [1, 2, 3, 4, (Date.now() % 1_000_000) + 5]

// A few ms per op (each op also pings every session); long replays get the time they need.
t.setTimeout(60_000 + seeds.length * OPS_PER_SEED * 10)

/** Every opcode family (and outcome) a run must have exercised, or the generator has a gap. */
const MUST_APPEAR = [
  'create', 'create2', 'createContainer', 'createTTL', 'delete', 'setData', 'getData', 'exists', 'getChildren',
  'getChildren2', 'getAllChildrenNumber', 'getEphemerals', 'getACL', 'setACL', 'multi', 'multiRead', 'addWatch',
  'removeWatches', 'checkWatches', 'setWatches', 'setWatches2', 'auth', 'sync', 'whoAmI', 'createSession', 'closeSession',
  'multi.create', 'multi.create2', 'multi.delete', 'multi.setData', 'multi.check', 'multi failed', 'multi applied',
  'create ephemeral', 'create sequential', 'events', 'events filtered by ACL (3.8.4+)',
  'err NOAUTH', 'err NONODE', 'err NODEEXISTS', 'err BADVERSION', 'err NOTEMPTY', 'err BADARGUMENTS', 'err INVALIDACL',
  'err NOCHILDRENFOREPHEMERALS', 'err QUOTAEXCEEDED', 'err NOWATCHER',
]

t.test('znode agrees with Apache ZooKeeper 3.8 on seeded random ops', async (t) => {
  const zk = await startApacheZooKeeper({
    extendedTypes: true,
    systemProperties: {
      // The container reaper would add deleteContainer txns of its own: keep it out of the run.
      'znode.container.checkIntervalMs': 86_400_000,
      'zookeeper.enforceQuota': 'true',
      'zookeeper.DigestAuthenticationProvider.superDigest': SUPER_DIGEST,
    },
  })
  t.teardown(() => zk.stop())
  const model = new Model({ superDigest: digestId('super:superpw'), enforceQuota: true, ipId: { scheme: 'ip', id: '127.0.0.1' } })
  const run = new DifferentialRun(zk.members[0]!.clientPort, model)
  t.comment(`seeds ${seeds.join(',')}, ${OPS_PER_SEED} ops each`)
  for (const seed of seeds) await run.runSeed(seed, OPS_PER_SEED)
  const counts = [...run.counts].sort(([a], [b]) => a.localeCompare(b))
  t.comment(counts.map(([k, v]) => `${k}: ${v}`).join(', '))
  for (const family of MUST_APPEAR) t.ok((run.counts.get(family) ?? 0) > 0, `ran ${family}`)
  t.equal(model.tree.digestMismatches, 0, 'no txn digest mismatches')
  t.comment(`the Apache under test ${run.oracleFiltersEvents === false ? 'does not filter' : run.oracleFiltersEvents ? 'filters' : 'was not seen filtering (or not)'} watch events by ACL (3.8.4+ rule)`)
})
