/**
 * The lease as three small Lua scripts, so that each check-and-act is one atomic step on the
 * server. The lease key holds "<token> <id>"; the epoch key counts acquisitions, so its value
 * is the epoch of the current (or last) holder.
 */

/** KEYS: lease, epoch. ARGV: value, leaseMs. Returns the new epoch, or nil when held. */
export const ACQUIRE = `
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
  return redis.call('INCR', KEYS[2])
end
return false`

/** KEYS: lease. ARGV: value, leaseMs. 1 when still ours and extended, else 0. */
export const RENEW = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0`

/** KEYS: lease. ARGV: value. 1 when it was ours and is gone, else 0. */
export const RELEASE = `
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0`

/** Splits a lease value into its token and holder id. */
export function parseLeaseValue(value: string): { token: string; id: string } {
  const space = value.indexOf(' ')
  if (space <= 0) throw new Error(`malformed lease value ${JSON.stringify(value)}`)
  return { token: value.slice(0, space), id: value.slice(space + 1) }
}
