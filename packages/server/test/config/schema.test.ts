import t from 'tap'
import type { Test } from 'tap'
import { ConfigError, parseServerLine, resolveConfig, whitelist } from '../../src/config/schema.js'
import type { RawConfig } from '../../src/config/schema.js'

const raw = (values: Record<string, string>, extra: Partial<RawConfig> = {}): RawConfig => ({
  file: 'zoo.cfg',
  values: new Map(Object.entries(values)),
  lines: new Map(Object.keys(values).map((k, i) => [k, i + 1])),
  ...extra,
})
const myidFile = (text: string) => ({ myidFile: { path: '/d/myid', text } })

function configError(t: Test, fn: () => unknown): ConfigError {
  try {
    fn()
  } catch (e) {
    t.type(e, ConfigError)
    return e as ConfigError
  }
  t.fail('expected a ConfigError')
  throw new Error('unreachable')
}

t.test('a standalone zoo.cfg gets Apache defaults', async (t) => {
  const { config, warnings } = resolveConfig(raw({ dataDir: '/d', clientPort: '2181' }))
  t.same(warnings, [])
  t.equal(config.myid, 0)
  t.equal(config.tickTimeMs, 3000)
  t.equal(config.minSessionTimeoutMs, 6000)
  t.equal(config.maxSessionTimeoutMs, 60000)
  t.equal(config.maxClientCnxns, 60)
  t.equal(config.dataLogDir, '/d')
  t.equal(config.clientPortAddress, '0.0.0.0')
  t.equal(config.maxFrameBytes, 0xfffff)
  t.same(config.servers, [])
  t.same([...config.fourLetterWords], ['srvr'])
  t.same(config.admin, { enabled: true, serverAddress: '0.0.0.0', serverPort: 8080 })
  t.same(config.autopurge, { snapRetainCount: 3, purgeIntervalHours: 0 })
})

t.test('session timeout bounds follow tickTime unless set; -1 means derived', async (t) => {
  const { config } = resolveConfig(raw({ dataDir: '/d', clientPort: '1', tickTime: '2000', minSessionTimeout: '-1', maxSessionTimeout: '10000' }))
  t.equal(config.minSessionTimeoutMs, 4000)
  t.equal(config.maxSessionTimeoutMs, 10000)
  const e = configError(t, () => resolveConfig(raw({ dataDir: '/d', clientPort: '1', minSessionTimeout: '9000', maxSessionTimeout: '8000' })))
  t.match(e.issues, [{ key: 'minSessionTimeout', reason: /must not be larger than maxSessionTimeout/ }])
})

t.test('a quorum config reads myid and every server line', async (t) => {
  const { config } = resolveConfig(
    raw(
      {
        tickTime: '2000', initLimit: '10', syncLimit: '5', dataDir: '/d', clientPort: '2181',
        'server.1': '127.0.0.1:2888:3888', 'server.2': '127.0.0.1:2889:3889;127.0.0.1:2182', 'server.3': '127.0.0.1:2890:3890:observer',
        '4lw.commands.whitelist': 'ruok, mntr', 'readonlymode.enabled': 'true', 'autopurge.snapRetainCount': '1', 'jute.maxbuffer': '4096',
      },
      myidFile('2\n'),
    ),
  )
  t.equal(config.myid, 2)
  t.same(config.servers.map((s) => [s.id, s.role, s.clientPort]), [[1, 'participant', undefined], [2, 'participant', 2182], [3, 'observer', undefined]])
  t.same([...config.fourLetterWords].sort(), ['isro', 'mntr', 'ruok', 'srvr'])
  t.equal(config.autopurge.snapRetainCount, 3, 'raised to 3 as Apache does')
  t.equal(config.maxFrameBytes, 4096)
  t.equal(config.readOnlyModeEnabled, true)
})

t.test('clientPort may come from this member\'s server line', async (t) => {
  const { config } = resolveConfig(
    raw({ initLimit: '5', syncLimit: '2', dataDir: '/d', 'server.1': 'a:1:2;127.0.0.1:3000', 'server.2': 'b:1:2;4000' }, myidFile('1')),
  )
  t.equal(config.clientPort, 3000)
  t.equal(config.clientPortAddress, '127.0.0.1')
})

t.test('one server line with standaloneEnabled runs standalone', async (t) => {
  t.same(resolveConfig(raw({ dataDir: '/d', clientPort: '1', 'server.1': 'a:1:2' })).config.servers, [])
  const e = configError(t, () => resolveConfig(raw({ dataDir: '/d', clientPort: '1', 'server.1': 'a:1:2', standaloneEnabled: 'false' })))
  t.same(e.issues.map((i) => i.key).sort(), ['initLimit', 'myid', 'syncLimit'])
})

t.test('errors name the file, the key, the line and the reason; all of them at once', async (t) => {
  const e = configError(t, () => resolveConfig(raw({ tickTime: 'fast', clientPort: '70000', maxClientCnxns: '-3', 'admin.enableServer': 'yes' })))
  t.equal(e.file, 'zoo.cfg')
  t.same(e.issues.map((i) => [i.key, i.line]), [['tickTime', 1], ['clientPort', 2], ['maxClientCnxns', 3], ['admin.enableServer', 4]])
  t.match(e.message, /^zoo\.cfg:1: tickTime: must be an integer \(got "fast"\)$/m)
  t.match(e.message, /zoo\.cfg:2: clientPort: must be at most 65535/)
  t.match(e.message, /zoo\.cfg:4: admin\.enableServer: must be true or false/)
})

t.test('missing required keys', async (t) => {
  const e = configError(t, () => resolveConfig(raw({})))
  t.same(e.issues.map((i) => i.key), ['dataDir', 'clientPort'])
  const e2 = configError(t, () => resolveConfig(raw({ dataDir: '/d', clientPortAddress: '127.0.0.1' })))
  t.match(e2.issues, [{ key: 'clientPort' }, { key: 'clientPortAddress', reason: /clientPort is not set/ }])
})

t.test('myid problems', async (t) => {
  const base = { initLimit: '5', syncLimit: '2', dataDir: '/d', clientPort: '1', 'server.1': 'a:1:2', 'server.2': 'b:1:2' }
  t.match(configError(t, () => resolveConfig(raw(base))).issues, [{ key: 'myid', reason: /missing/ }])
  t.match(configError(t, () => resolveConfig(raw(base, myidFile('one')))).issues, [{ key: 'myid', reason: /\/d\/myid must hold a server id/ }])
  t.match(configError(t, () => resolveConfig(raw(base, myidFile('7')))).issues, [{ key: 'myid', reason: /7 has no server\.7 line/ }])
})

t.test('unknown keys warn; ignored keys say why; hierarchical quorums are refused', async (t) => {
  const { warnings } = resolveConfig(raw({ dataDir: '/d', clientPort: '1', fooBar: 'x', reconfigEnabled: 'true' }))
  t.match(warnings, [/unknown key fooBar/, /reconfigEnabled is ignored: dynamic reconfiguration is not supported/])
  t.match(configError(t, () => resolveConfig(raw({ dataDir: '/d', clientPort: '1', 'group.1': '1:2:3' }))).issues, [{ key: 'group.1', reason: /not supported/ }])
})

t.test('zoo.test.ackBeforeQuorum: a test-only switch, absent unless set', async (t) => {
  t.equal(resolveConfig(raw({ dataDir: '/d', clientPort: '1' })).config.unsafeTest, undefined)
  const { config, warnings } = resolveConfig(raw({ dataDir: '/d', clientPort: '1', 'zoo.test.ackBeforeQuorum': 'true' }))
  t.same(config.unsafeTest, { ackBeforeQuorum: true })
  t.same(warnings, [], 'a known key (the member logs it loudly at start)')
  t.equal(resolveConfig(raw({ dataDir: '/d', clientPort: '1', 'zoo.test.ackBeforeQuorum': 'false' })).config.unsafeTest, undefined)
  t.match(configError(t, () => resolveConfig(raw({ dataDir: '/d', clientPort: '1', 'zoo.test.ackBeforeQuorum': 'yes' }))).issues, [{ key: 'zoo.test.ackBeforeQuorum', reason: /true or false/ }])
})

t.test('server lines', async (t) => {
  t.same(parseServerLine(1, 'zk1.example:2888:3888'), { id: 1, host: 'zk1.example', quorumPort: 2888, electionPort: 3888, role: 'participant' })
  t.same(parseServerLine(4, '[::1]:2888:3888:observer;[::1]:2181'), {
    id: 4, host: '::1', quorumPort: 2888, electionPort: 3888, role: 'observer', clientAddress: '::1', clientPort: 2181,
  })
  t.match(parseServerLine(1, 'host:2888'), /does not have the form/)
  t.match(parseServerLine(1, 'host:2888:3888:witness'), /unknown peer type "witness"/)
  t.match(parseServerLine(1, 'host:2888:2888'), /must differ/)
  t.match(parseServerLine(1, 'host:2888:99999'), /out of range/)
  t.match(parseServerLine(0, 'host:1:2'), /from 1 to 255/)
  t.match(parseServerLine(1, 'host:1:2;x:y'), /not \[address:\]port/)
})

t.test('the 4lw whitelist follows Apache: * is all, srvr always, isro in read-only mode', async (t) => {
  t.same([...whitelist(undefined, false)], ['srvr'])
  t.ok(whitelist('*', false).has('wchs'))
  t.same([...whitelist(' stat ,,ruok', true)].sort(), ['isro', 'ruok', 'srvr', 'stat'])
})
