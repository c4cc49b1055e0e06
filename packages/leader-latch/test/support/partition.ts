import type { RedisLike } from '../../src/redis/index.js'

/** Wraps a connection so a test can cut it: every call then fails as a lost connection would. */
export function partitionable(redis: RedisLike): RedisLike & { cut: boolean } {
  const wrapper = {
    cut: false,
    evalsha: (sha: string, numKeys: number, ...args: string[]) => (wrapper.cut ? Promise.reject(new Error('Connection is closed.')) : redis.evalsha(sha, numKeys, ...args)),
    eval: (script: string, numKeys: number, ...args: string[]) => (wrapper.cut ? Promise.reject(new Error('Connection is closed.')) : redis.eval(script, numKeys, ...args)),
    mget: (...keys: string[]) => (wrapper.cut ? Promise.reject(new Error('Connection is closed.')) : redis.mget(...keys)),
  }
  return wrapper
}
