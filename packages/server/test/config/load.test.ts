import t from 'tap'
import { mkdirSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { ConfigError } from '../../src/config/schema.js'
import { loadConfig } from '../../src/config/load.js'

t.test('zoo.cfg with a relative dataDir and a myid file', async (t) => {
  const dir = t.testdir({ 'zoo.cfg': 'tickTime=2000\ninitLimit=10\nsyncLimit=5\ndataDir=data\nclientPort=2181\nserver.1=127.0.0.1:1:2\nserver.2=127.0.0.1:3:4\n' })
  mkdirSync(join(dir, 'data'))
  writeFileSync(join(dir, 'data', 'myid'), '2\n')
  const { config } = loadConfig(join(dir, 'zoo.cfg'))
  t.equal(config.dataDir, join(dir, 'data'))
  t.equal(config.myid, 2)
})

t.test('JSON config with the same keys; numbers and booleans allowed', async (t) => {
  const dir = t.testdir({ 'zoo.json': JSON.stringify({ dataDir: '/tmp/x', clientPort: 2181, 'admin.enableServer': false, tickTime: 500 }) })
  const { config } = loadConfig(join(dir, 'zoo.json'))
  t.equal(config.clientPort, 2181)
  t.equal(config.admin.enabled, false)
  t.equal(config.minSessionTimeoutMs, 1000)
})

t.test('errors name the file', async (t) => {
  const dir = t.testdir({ 'bad.json': '{"dataDir": ["x"]}', 'broken.json': '{', 'zoo.cfg': 'dataDir=/d\nclientPort=x\n' })
  t.throws(() => loadConfig(join(dir, 'bad.json')), { name: 'ConfigError', message: /bad\.json: dataDir: must be a string, number or boolean/ })
  t.throws(() => loadConfig(join(dir, 'broken.json')), { message: /broken\.json: \(file\): is not valid JSON/ })
  t.throws(() => loadConfig(join(dir, 'zoo.cfg')), { message: /zoo\.cfg:2: clientPort: must be an integer/ })
  t.throws(() => loadConfig(join(dir, 'missing.cfg')), ConfigError)
})
