// What every server benchmark gives both servers, so zoo and Apache run like with like.

export const SESSION_TIMEOUT_MS = 10_000
export const SNAP_COUNT = 100_000
/** zoo.cfg lines both servers get (the testkit adds tickTime, initLimit 10, syncLimit 5, ports). */
export const SHARED_CONFIG = { maxSessionTimeout: SESSION_TIMEOUT_MS * 2, snapCount: SNAP_COUNT }
/** Apache reads these as system properties: the same snapshot interval, and fsync on as zoo always has it. */
export const APACHE_SYSTEM_PROPERTIES = { 'zookeeper.snapCount': SNAP_COUNT, 'zookeeper.forceSync': 'yes' }

/** `--zoo-from`: true for the build (dist), false for source through tsx. */
export function fromDist(value: string | undefined): boolean {
  if (value !== 'dist' && value !== 'source') throw new Error(`--zoo-from ${value}: expected dist or source`)
  return value === 'dist'
}
