/**
 * EVALSHA with a fallback to EVAL on NOSCRIPT (a restarted or flushed server forgets scripts),
 * without defineCommand, which would change the caller's client object.
 * TODO(recipe-core): use recipe-core's Lua script loading once it exports one.
 */
import { createHash } from 'node:crypto'

/** The part of an ioredis client (Redis, Cluster or ioredis-mock) the latch uses. */
export interface RedisLike {
  evalsha(sha: string, numKeys: number, ...args: string[]): Promise<unknown>
  eval(script: string, numKeys: number, ...args: string[]): Promise<unknown>
  mget(...keys: string[]): Promise<(string | null)[]>
}

export class ScriptRunner {
  private readonly shas = new Map<string, string>()

  constructor(readonly redis: RedisLike) {}

  async run(script: string, keys: string[], args: string[]): Promise<unknown> {
    const sha = this.sha(script)
    try {
      return await this.redis.evalsha(sha, keys.length, ...keys, ...args)
    } catch (error) {
      if (!String((error as Error)?.message).includes('NOSCRIPT')) throw error
      return await this.redis.eval(script, keys.length, ...keys, ...args)
    }
  }

  private sha(script: string): string {
    let sha = this.shas.get(script)
    if (sha === undefined) {
      sha = createHash('sha1').update(script).digest('hex')
      this.shas.set(script, sha)
    }
    return sha
  }
}
