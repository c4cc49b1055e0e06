/**
 * How a config lives in Redis: one hash per config key, written only by the publish script.
 *
 *   epoch    creation time in µs (Redis TIME): the incarnation, like a znode's czxid; a key
 *            deleted and published again gets a larger one, so its restarted version is newer
 *   version  0 on creation, +1 on every publish (like a znode's data version)
 *   mtime    time of the last publish in µs (reported as `mzxid`)
 *   value    the serialized config
 *
 * Every publish also PUBLISHes `epoch:version` on the notification channel. A watcher treats
 * a message only as a hint to re-read the hash: a lost or reordered message cannot leave it
 * on a stale value, only delay it until the next message, reconnect, or periodic re-read.
 */
import { RedisScript } from '@zoo/recipe-core/redis'
import type { OrderKey } from '../version.js'

export const FIELDS = ['epoch', 'version', 'mtime', 'value'] as const

export function defaultChannel(key: string): string {
  return `${key}:changes`
}

/** ARGV: value, mode (any|absent|version), expected version, expected epoch ('' = any), channel */
export const PUBLISH = new RedisScript(
  'zoo-config-publish',
  `
local exists = redis.call('EXISTS', KEYS[1]) == 1
local curEpoch, curVersion
if exists then
  curEpoch = redis.call('HGET', KEYS[1], 'epoch')
  curVersion = tonumber(redis.call('HGET', KEYS[1], 'version'))
  if not curEpoch or not curVersion then return redis.error_reply('ERR ' .. KEYS[1] .. ' is not a config hash written by publishConfig') end
end
local mode = ARGV[2]
if mode == 'absent' and exists then return {'conflict'} end
if mode == 'version' then
  if not exists or curVersion ~= tonumber(ARGV[3]) then return {'conflict'} end
  if ARGV[4] ~= '' and curEpoch ~= ARGV[4] then return {'conflict'} end
end
local t = redis.call('TIME')
local now = t[1] .. string.format('%06d', tonumber(t[2]))
local epoch = now
local version = 0
if exists then
  epoch = curEpoch
  version = curVersion + 1
end
redis.call('HSET', KEYS[1], 'epoch', epoch, 'version', version, 'mtime', now, 'value', ARGV[1])
redis.call('PUBLISH', ARGV[5], epoch .. ':' .. version)
return {'ok', epoch, tostring(version), now}
`,
  1,
)

/** `epoch:version` from a notification, or undefined when it is not one of ours. */
export function parseNotice(message: string): OrderKey | undefined {
  const match = /^(\d{1,20}):(\d{1,10})$/.exec(message)
  return match ? [BigInt(match[1]!), BigInt(match[2]!)] : undefined
}
