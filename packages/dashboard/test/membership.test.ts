import t from 'tap'
import { endpointKey, planMembers } from '../src/ensemble/membership.js'
import { parseEnsembleConfig } from '../src/ensemble/parse.js'

const connect = [
  { host: '127.0.0.1', port: 2181 },
  { host: '127.0.0.1', port: 2182 },
]
const staticConfig = parseEnsembleConfig('server.1=127.0.0.1:2888:3888:participant\nserver.2=127.0.0.1:2889:3889:participant\nserver.3=127.0.0.1:2890:3890:participant\nversion=0\n')

t.test('the connect string alone: one row per host, in its order', async (t) => {
  const plans = planMembers(connect, undefined, new Map())
  t.same(plans.map((p) => p.key), ['127.0.0.1:2181', '127.0.0.1:2182'])
  t.equal(plans[0]!.id, undefined)
})

t.test('a static config (no client ports) joins by the ids the members told us', async (t) => {
  const ids = new Map([
    ['127.0.0.1:2181', 2],
    ['127.0.0.1:2182', 1],
  ])
  const plans = planMembers(connect, staticConfig, ids)
  t.same(
    plans.map((p) => [p.id, p.key]),
    [
      [1, '127.0.0.1:2182'],
      [2, '127.0.0.1:2181'],
      [3, 'server.3'],
    ],
    'rows in id order; member 3, missing from the connect string, gets a row of its own',
  )
  t.equal(plans[0]!.quorumAddress, '127.0.0.1:2888:3888')
  t.equal(plans[2]!.client, undefined, 'no client address known for member 3')
})

t.test('until every connect-string member is identified, config members without a client address wait (no double rows)', async (t) => {
  const plans = planMembers(connect, staticConfig, new Map([['127.0.0.1:2181', 1]]), false)
  t.same(plans.map((p) => p.key), ['127.0.0.1:2181', '127.0.0.1:2182'])
})

t.test('a dynamic config with client addresses: matched by address, and members beyond the connect string are probed', async (t) => {
  const config = parseEnsembleConfig('server.1=10.0.0.1:2888:3888:participant;127.0.0.1:2181\nserver.2=10.0.0.2:2888:3888:participant;0.0.0.0:2182\nserver.3=127.0.0.1:2890:3890:observer;2183\n')
  const plans = planMembers([{ host: '127.0.0.1', port: 2181 }], config, new Map(), false)
  t.same(
    plans.map((p) => [p.id, p.key, p.peerType]),
    [
      [1, '127.0.0.1:2181', 'participant'],
      [2, '10.0.0.2:2182', 'participant'],
      [3, '127.0.0.1:2183', 'observer'],
    ],
  )
  t.equal(plans[1]!.host, '10.0.0.2', 'a wildcard client address means the member\'s own host')
})

t.test('endpointKey brackets IPv6', async (t) => {
  t.equal(endpointKey({ host: '::1', port: 2181 }), '[::1]:2181')
  t.equal(endpointKey({ host: 'zk1', port: 2181 }), 'zk1:2181')
})
