// zxid = epoch << 32 | counter, as Apache's long. The counter's usable width is a config knob
// (counterBits) so the simulator can exhaust it quickly; the layout itself never changes.

export const MAX_EPOCH = 0xffff_ffff

export function makeZxid(epoch: number, counter: number): bigint {
  return (BigInt(epoch) << 32n) | BigInt(counter)
}

export function epochOf(zxid: bigint): number {
  return Number(zxid >> 32n)
}

export function counterOf(zxid: bigint): number {
  return Number(zxid & 0xffff_ffffn)
}

/**
 * Highest counter a leader may use. Apache refuses the proposal whose counter would be
 * 0xffffffff and forces a new epoch; with narrower counters the same rule applies at 2^bits - 1.
 */
export function maxCounter(counterBits: number): number {
  return 2 ** counterBits - 2
}

/** `0x<epoch>:<counter>` in hex, for logs and traces. */
export function formatZxid(zxid: bigint): string {
  return `${epochOf(zxid).toString(16)}:${counterOf(zxid).toString(16)}`
}
