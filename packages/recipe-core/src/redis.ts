/**
 * Small helpers shared by the Redis backends of the recipes (ioredis is an optional peer
 * dependency: only this subpath needs it, and only as a type here).
 */
import { createHash, randomBytes } from 'node:crypto'
import type { Redis, RedisOptions } from 'ioredis'

/**
 * ioredis options for a recipe connection: a command fails after one reconnect attempt instead
 * of waiting in ioredis' offline queue for ever (a lock renewal that cannot reach Redis must say
 * so before the lease runs out), and reconnects back off up to 2 s.
 */
export function recipeRedisOptions(overrides: RedisOptions = {}): RedisOptions {
  return {
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    retryStrategy: (times: number) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
    ...overrides,
  }
}

/** 128 random bits, URL-safe: the value only the holder of a Redis lock knows. */
export function randomLockValue(): string {
  return randomBytes(16).toString('base64url')
}

/** A script argument: numbers and strings as Redis prints them, Buffers byte for byte. */
export type ScriptArg = string | number | Buffer

type EvalCommand = (script: string, numberOfKeys: number, ...keysAndArgs: ScriptArg[]) => Promise<unknown>

/**
 * A Lua script run by EVALSHA, falling back to EVAL (which also loads it) when the server does
 * not know it yet (NOSCRIPT: a fresh server, a restart, SCRIPT FLUSH).
 */
export class RedisScript {
  readonly sha1: string

  constructor(
    readonly name: string,
    readonly lua: string,
    readonly numberOfKeys: number,
  ) {
    if (!(Number.isInteger(numberOfKeys) && numberOfKeys >= 0)) throw new RangeError(`numberOfKeys must be a whole number, not ${numberOfKeys}`)
    this.sha1 = createHash('sha1').update(lua).digest('hex')
  }

  /** Runs the script; bulk-string replies come back as strings. Buffer arguments are sent byte for byte. */
  run(redis: Redis, keys: readonly string[], args: readonly ScriptArg[] = []): Promise<unknown> {
    return this.call(redis.evalsha.bind(redis), redis.eval.bind(redis), keys, args)
  }

  /** As run(), with bulk-string replies as Buffers: for scripts that return stored binary values. */
  runBuffer(redis: Redis, keys: readonly string[], args: readonly ScriptArg[] = []): Promise<unknown> {
    // ioredis has a Buffer variant of every command at run time; its typings omit the scripting ones.
    const buffered = redis as Redis & { evalshaBuffer: EvalCommand; evalBuffer: EvalCommand }
    return this.call(buffered.evalshaBuffer.bind(redis), buffered.evalBuffer.bind(redis), keys, args)
  }

  private async call(evalsha: EvalCommand, evaluate: EvalCommand, keys: readonly string[], args: readonly ScriptArg[]): Promise<unknown> {
    if (keys.length !== this.numberOfKeys) throw new RangeError(`script ${this.name} takes ${this.numberOfKeys} keys, got ${keys.length}`)
    try {
      return await evalsha(this.sha1, this.numberOfKeys, ...keys, ...args)
    } catch (error) {
      if (!(error instanceof Error && error.message.startsWith('NOSCRIPT'))) throw error
      return await evaluate(this.lua, this.numberOfKeys, ...keys, ...args)
    }
  }
}
