/**
 * Which of two observed config values is newer. A znode's `version` alone is not an order: it
 * restarts at 0 when the node is deleted and created again (CURATOR-391, recipe-pitfalls #5).
 * The pair (czxid, version) is: a later incarnation has a larger czxid, and within one
 * incarnation the version grows with every write. For one znode that is the same order as
 * mzxid, which the ZooKeeper backend asserts.
 */

/** Identifies one published value: the node's (or key's) incarnation and its version. */
export interface ConfigVersion {
  /** the node's data version (Stat.version); in subtree mode the parent's version */
  version: number
  /** the zxid that created the node: a new incarnation after delete + create has a larger one */
  czxid: bigint
  /** the zxid of the last change (in subtree mode: the newest change anywhere in the subtree) */
  mzxid: bigint
}

/**
 * The order key of an observation: [incarnation, position within it]. Node mode uses
 * [czxid, version]; subtree mode [czxid of the parent, newest zxid under it]; Redis
 * [epoch, version]. Keys are compared lexicographically.
 */
export type OrderKey = readonly [incarnation: bigint, position: bigint]

export function compareKeys(a: OrderKey, b: OrderKey): -1 | 0 | 1 {
  if (a[0] !== b[0]) return a[0] < b[0] ? -1 : 1
  if (a[1] !== b[1]) return a[1] < b[1] ? -1 : 1
  return 0
}

/** The key of a single znode's Stat, checking that (czxid, version) and mzxid agree. */
export function nodeKey(stat: { czxid: bigint; version: number; mzxid: bigint }): OrderKey {
  if (stat.mzxid < stat.czxid) throw new Error(`assertion failed: mzxid 0x${stat.mzxid.toString(16)} before czxid 0x${stat.czxid.toString(16)}`)
  if (stat.version === 0 && stat.mzxid !== stat.czxid) {
    // setData always bumps the version, so version 0 was never modified after creation.
    throw new Error(`assertion failed: version 0 with mzxid 0x${stat.mzxid.toString(16)} != czxid 0x${stat.czxid.toString(16)}`)
  }
  return [stat.czxid, BigInt(stat.version)]
}

export function formatVersion(v: ConfigVersion): string {
  return `version ${v.version} (czxid 0x${v.czxid.toString(16)}, mzxid 0x${v.mzxid.toString(16)})`
}
