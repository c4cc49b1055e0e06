/**
 * The Redis layout of a group `G` (keys share the `{G}` hash tag, so they sit in one slot):
 *   <prefix>:{G}:member:<id>   hash {token, version, registeredAtMs, data}, PEXPIRE ttl
 *   <prefix>:{G}:index         sorted set id -> expiry (ms, Redis clock): who should be alive, until when
 *   <prefix>:{G}:events        pub/sub channel: `join <id>`, `change <id>`, `leave <id>`
 * Every write is one Lua script, so the key, the index and the notice change together. Time is
 * Redis' own (TIME), never the caller's. The token is random per registration: only its holder
 * renews, updates or deletes the key.
 */
import { RedisScript } from '@zoo/recipe-core/redis'

// 1000.0: ioredis-mock's Lua (fengari) has 32-bit integers; Redis' Lua 5.1 has only doubles.
const NOW = `
local t = redis.call('TIME')
local nowMs = tonumber(t[1]) * 1000.0 + math.floor(tonumber(t[2]) / 1000)
`

/**
 * KEYS member, index, channel; ARGV id, token, ttlMs, data, policy, ourOldTokens...
 * Returns {1, nowMs, replacedToken or ''} when registered, {0, holderToken} when another
 * registration holds the id.
 * A key held by one of our old tokens (a registration we believe lost) is replaced.
 */
export const JOIN = new RedisScript('membership join', `${NOW}
local holder = redis.call('HGET', KEYS[1], 'token')
if holder and holder ~= ARGV[2] and ARGV[5] ~= 'replace' then
  local ours = false
  for i = 6, #ARGV do if ARGV[i] == holder then ours = true end end
  if not ours then return {0, holder} end
end
redis.call('DEL', KEYS[1])
redis.call('HSET', KEYS[1], 'token', ARGV[2], 'version', 0, 'registeredAtMs', nowMs, 'data', ARGV[4])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], nowMs + tonumber(ARGV[3]), ARGV[1])
redis.call('PUBLISH', KEYS[3], 'join ' .. ARGV[1])
if holder and holder ~= ARGV[2] then return {1, nowMs, holder} end
return {1, nowMs, ''}
`, 3)

/** KEYS member, index; ARGV id, token, ttlMs. 1: renewed; 0: the key is not ours (expired, replaced). */
export const HEARTBEAT = new RedisScript('membership heartbeat', `${NOW}
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[2] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], nowMs + tonumber(ARGV[3]), ARGV[1])
return 1
`, 2)

/** KEYS member, index, channel; ARGV id, token, ttlMs, data. 1: written (and renewed); 0: not ours. */
export const UPDATE = new RedisScript('membership update', `${NOW}
if redis.call('HGET', KEYS[1], 'token') ~= ARGV[2] then return 0 end
redis.call('HSET', KEYS[1], 'data', ARGV[4])
redis.call('HINCRBY', KEYS[1], 'version', 1)
redis.call('PEXPIRE', KEYS[1], ARGV[3])
redis.call('ZADD', KEYS[2], nowMs + tonumber(ARGV[3]), ARGV[1])
redis.call('PUBLISH', KEYS[3], 'change ' .. ARGV[1])
return 1
`, 3)

/** KEYS member, index, channel; ARGV id, ourTokens... Deletes the key if one of ours holds it. */
export const LEAVE = new RedisScript('membership leave', `
local holder = redis.call('HGET', KEYS[1], 'token')
if not holder then
  if redis.call('ZREM', KEYS[2], ARGV[1]) == 1 then redis.call('PUBLISH', KEYS[3], 'leave ' .. ARGV[1]) end
  return 0
end
for i = 2, #ARGV do
  if ARGV[i] == holder then
    redis.call('DEL', KEYS[1])
    redis.call('ZREM', KEYS[2], ARGV[1])
    redis.call('PUBLISH', KEYS[3], 'leave ' .. ARGV[1])
    return 1
  end
end
return 0
`, 3)

/**
 * KEYS index, channel; ARGV memberKeyPrefix. Drops index entries whose key is gone (expired:
 * the heartbeat stopped; or deleted by hand) and says `leave` for each, then returns
 * {nowMs, id1, expiresAtMs1, token1, version1, registeredAtMs1, data1, id2, ...}.
 */
export const LIST = new RedisScript('membership list', `${NOW}
local out = {nowMs}
local entries = redis.call('ZRANGE', KEYS[1], 0, -1, 'WITHSCORES')
for i = 1, #entries, 2 do
  local id = entries[i]
  local h = redis.call('HMGET', ARGV[1] .. id, 'token', 'version', 'registeredAtMs', 'data')
  if h[1] then
    table.insert(out, id)
    table.insert(out, entries[i + 1])
    table.insert(out, h[1])
    table.insert(out, h[2])
    table.insert(out, h[3])
    table.insert(out, h[4] or '')
  else
    redis.call('ZREM', KEYS[1], id)
    redis.call('PUBLISH', KEYS[2], 'leave ' .. id)
  end
end
-- ioredis-mock returns a table grown entry by entry as nil; a table constructor it returns.
-- Real Redis takes either, and unpack is bounded by its C stack, so only small replies go that way.
if #out < 4000 then return {(table.unpack or unpack)(out)} end
return out
`, 2)

export interface RedisKeys {
  /** `<prefix>:{G}:member:` (append the id) */
  memberPrefix: string
  index: string
  channel: string
}

export function redisKeys(prefix: string, group: string): RedisKeys {
  const base = `${prefix}:{${group}}`
  return { memberPrefix: `${base}:member:`, index: `${base}:index`, channel: `${base}:events` }
}

export interface ListedEntry {
  id: string
  expiresAtMs: number
  token: string
  version: number
  registeredAtMs: number
  data: string
}

/** LIST's flat reply, as entries (Redis time of the read first). */
export function parseList(reply: unknown): { nowMs: number; entries: ListedEntry[] } {
  if (!Array.isArray(reply) || reply.length % 6 !== 1) throw new TypeError(`membership list: unexpected reply ${JSON.stringify(reply)?.slice(0, 200)}`)
  const entries: ListedEntry[] = []
  for (let i = 1; i < reply.length; i += 6) {
    entries.push({
      id: String(reply[i]),
      expiresAtMs: Number(reply[i + 1]),
      token: String(reply[i + 2]),
      version: Number(reply[i + 3]),
      registeredAtMs: Number(reply[i + 4]),
      data: String(reply[i + 5]),
    })
  }
  return { nowMs: Number(reply[0]), entries }
}
