import t from 'tap'
import { RedisScript, randomLockValue, recipeRedisOptions } from '../src/redis.js'
import { eachRedis } from '../src/testing.js'

t.test('randomLockValue: 128 random bits, url-safe', async (t) => {
  const values = new Set(Array.from({ length: 100 }, randomLockValue))
  t.equal(values.size, 100)
  for (const v of values) t.match(v, /^[A-Za-z0-9_-]{22}$/)
})

t.test('recipeRedisOptions: bounded retries, overridable', async (t) => {
  const options = recipeRedisOptions({ db: 2 })
  t.equal(options.maxRetriesPerRequest, 1)
  t.equal(options.db, 2)
  t.equal(options.retryStrategy?.(100), 2_000, 'reconnect backoff is capped')
})

const compareAndDelete = new RedisScript('compare-and-delete', "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end", 1)

const setAndGet = new RedisScript('set', "return redis.call('set', KEYS[1], ARGV[1])", 1)
const getScript = new RedisScript('get', "return redis.call('get', KEYS[1])", 1)

eachRedis(t, async (t, target) => {
  const redis = target.connect()
  t.test('a script runs by EVALSHA after loading itself through EVAL', async (t) => {
    if (target.name === 'redis-server') await redis.script('FLUSH') // ioredis-mock has no SCRIPT
    await redis.set('k', 'mine')
    t.equal(await compareAndDelete.run(redis, ['k'], ['theirs']), 0)
    t.equal(await compareAndDelete.run(redis, ['k'], ['mine']), 1)
    t.equal(await redis.get('k'), null)
    t.equal(await compareAndDelete.run(redis, ['k'], ['mine']), 0, 'second run by sha')
  })
  t.test('Buffer arguments go byte for byte; runBuffer returns replies as Buffers', async (t) => {
    if (target.name === 'redis-server') await redis.script('FLUSH')
    // ioredis-mock's Lua passes strings through UTF-8, so it gets bytes it can carry; the server gets any.
    const bytes = target.name === 'redis-server' ? Buffer.from([0xff, 0x00, 0xc3, 0x28, 0x80, 0x7f]) : Buffer.from('h\u00e9llo \u2713\u0000')
    t.equal(await setAndGet.run(redis, ['bin'], [bytes]), 'OK')
    t.same(await redis.getBuffer('bin'), bytes, 'stored as sent, not as UTF-8 of a string')
    const reply = await getScript.runBuffer(redis, ['bin'])
    t.ok(Buffer.isBuffer(reply), 'a Buffer reply')
    t.same(reply, bytes, 'read back intact')
    t.equal(typeof (await getScript.run(redis, ['bin'])), 'string', 'run() still answers strings')
  })
  t.test('the key count is checked', async (t) => {
    await t.rejects(compareAndDelete.run(redis, []), RangeError)
    await t.rejects(compareAndDelete.runBuffer(redis, []), RangeError)
  })
})
