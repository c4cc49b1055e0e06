export { freePort, fourLetterWord, waitFor } from './ports.js'
export { spawnTracked, tempDir, type Spawned } from './processes.js'
export { startApacheZooKeeper, apacheZooKeeperInstalled, APACHE_ZOOKEEPER_JAR, type ApacheEnsemble, type ApacheMember, type ApacheOptions } from './apache.js'
export { startRedis, redisInstalled, REDIS_SERVER, type RedisServer } from './redis.js'
