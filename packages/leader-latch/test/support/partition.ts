import type { Redis } from 'ioredis'

/** Wraps a connection so a test can cut it: every call then fails as a lost connection would. */
export function partitionable(redis: Redis): { redis: Redis; cut: boolean } {
  const state = { cut: false, redis: undefined as unknown as Redis }
  const fail = () => Promise.reject(new Error('Connection is closed.'))
  state.redis = new Proxy(redis, {
    get(target, key, receiver) {
      const value = Reflect.get(target, key, receiver)
      if (typeof value !== 'function') return value
      return (...args: unknown[]) => (state.cut ? fail() : (value as (...a: unknown[]) => unknown).apply(target, args))
    },
  })
  return state
}
