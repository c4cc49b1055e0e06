import t from 'tap'
import { adminMonitorValues, classifyWordAnswer, parseConf, parseEnsembleConfig, parseMntr, parseServerLine, parseSrvr, rawJsonInteger } from '../src/ensemble/parse.js'
import { fixture } from './support/fixtures.js'

t.test('classifyWordAnswer tells a disabled word, a member not serving, silence and text apart', async (t) => {
  t.same(classifyWordAnswer(fixture('mntr-disabled.txt')), { kind: 'disabled' })
  t.same(classifyWordAnswer('This ZooKeeper instance is not currently serving requests\n'), { kind: 'notServing' })
  t.same(classifyWordAnswer(''), { kind: 'silent' })
  t.equal(classifyWordAnswer(fixture('srvr-leader.txt')).kind, 'text')
})

t.test('parseMntr reads every zk_ line of a real mntr, keyed as the AdminServer keys them', async (t) => {
  const values = parseMntr(fixture('mntr-leader.txt'))!
  t.equal(values.get('server_state'), 'leader')
  t.equal(values.get('num_alive_connections'), '2')
  t.equal(values.get('p99_updatelatency'), '64')
  t.equal(values.get('cnt_readlatency'), '2')
  t.equal(parseMntr('mntr is not executed because it is not in the whitelist.\n'), undefined, 'no server_state: not an mntr answer')
})

t.test('parseSrvr reads mode, zxid (exact, as a bigint), latency and counts', async (t) => {
  const srvr = parseSrvr(fixture('srvr-leader.txt'))!
  t.equal(srvr.mode, 'leader')
  t.equal(srvr.zxid, 0x100000002n)
  t.equal(srvr.latencyMinMs, 1)
  t.equal(srvr.latencyAvgMs, 28)
  t.equal(srvr.latencyMaxMs, 64)
  t.equal(srvr.connections, 2)
  t.equal(srvr.nodeCount, 6)
  t.equal(parseSrvr(fixture('srvr-standalone.txt'))!.mode, 'standalone')
  t.equal(parseSrvr('garbage'), undefined)
  t.equal(parseSrvr('Zxid: 0xffffffffffffffff\nMode: follower\n')!.zxid, 0xffffffffffffffffn, 'a 64-bit zxid keeps its low bits')
})

t.test('parseConf reads the server id and the membership of a quorum member', async (t) => {
  const conf = parseConf(fixture('conf-leader.txt'))!
  t.equal(conf.serverId, 3)
  t.equal(conf.config.members.length, 3)
  t.same(conf.config.members.map((m) => m.id), [1, 2, 3])
  t.equal(conf.config.version, '0')
  t.equal(parseConf('no such thing'), undefined)
})

t.test('parseEnsembleConfig reads /zookeeper/config', async (t) => {
  const config = parseEnsembleConfig(fixture('zookeeper-config.txt'))
  t.equal(config.members.length, 3)
  t.match(config.members[0], { id: 1, host: '127.0.0.1', peerType: 'participant', clientPort: undefined })
})

t.test('parseServerLine: roles, client addresses, IPv6 and several addresses', async (t) => {
  t.match(parseServerLine('server.4', '10.0.0.4:2888:3888:observer;2181'), { id: 4, host: '10.0.0.4', quorumPort: 2888, electionPort: 3888, peerType: 'observer', clientHost: undefined, clientPort: 2181 })
  t.match(parseServerLine('server.1', 'zk1:2888:3888;0.0.0.0:2181'), { clientHost: '0.0.0.0', clientPort: 2181, peerType: 'participant' })
  t.match(parseServerLine('server.2', '[::1]:2888:3888:participant;[::1]:2182'), { host: '::1', clientHost: '::1', clientPort: 2182 })
  t.match(parseServerLine('server.3', 'a:1:2|b:3:4;2183'), { host: 'a', quorumPort: 1, electionPort: 2, clientPort: 2183 })
  t.equal(parseServerLine('version', '100000000'), undefined)
  t.equal(parseServerLine('server.x', 'a:1:2'), undefined)
  t.equal(parseServerLine('server.1', 'no ports'), undefined)
})

t.test('the AdminServer: monitor as the mntr map, 64-bit integers read exactly from the raw JSON', async (t) => {
  const raw = fixture('admin-monitor-follower.json')
  const values = adminMonitorValues(JSON.parse(raw))!
  t.equal(values.get('server_state'), 'follower')
  t.notOk(values.has('command'))
  const stats = fixture('admin-server_stats-leader.json')
  t.equal(rawJsonInteger(stats, 'last_processed_zxid'), 4294967298n)
  t.equal(rawJsonInteger('{"last_processed_zxid" : 9007199254740993}', 'last_processed_zxid'), 9007199254740993n, 'past 2^53 JSON.parse would round this')
  t.equal(rawJsonInteger('{}', 'last_processed_zxid'), undefined)
  t.equal(adminMonitorValues({ command: 'monitor' }), undefined)
})
