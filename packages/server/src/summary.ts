// Apache's AvgMinMaxCounter / AvgMinMaxPercentileCounter: what mntr prints as
// zk_avg_x, zk_min_x, zk_max_x, zk_cnt_x, zk_sum_x (and zk_p50_x ... zk_p999_x).

/** Samples kept for percentiles: a sliding window of the most recent observations. */
export const PERCENTILE_WINDOW = 1024

export class Summary {
  count = 0
  sum = 0
  private minValue = Number.POSITIVE_INFINITY
  private maxValue = Number.NEGATIVE_INFINITY
  private readonly window: number[] | undefined
  private next = 0

  constructor(readonly withPercentiles = false) {
    this.window = withPercentiles ? [] : undefined
  }

  observe(value: number): void {
    if (!Number.isFinite(value)) throw new RangeError(`summary sample ${value}`)
    this.count++
    this.sum += value
    if (value < this.minValue) this.minValue = value
    if (value > this.maxValue) this.maxValue = value
    if (this.window !== undefined) {
      if (this.window.length < PERCENTILE_WINDOW) this.window.push(value)
      else this.window[this.next] = value
      this.next = (this.next + 1) % PERCENTILE_WINDOW
    }
  }

  get min(): number {
    return this.count === 0 ? 0 : this.minValue
  }

  get max(): number {
    return this.count === 0 ? 0 : this.maxValue
  }

  /** Rounded to 4 decimals, as Apache's AvgMinMaxCounter.getAvg. */
  get avg(): number {
    return this.count === 0 ? 0 : Math.round((this.sum / this.count) * 1e4) / 1e4
  }

  /** Nearest-rank percentile of the window (0 when empty). */
  percentile(p: number): number {
    if (this.window === undefined) throw new TypeError('summary keeps no percentiles')
    if (this.window.length === 0) return 0
    const sorted = [...this.window].sort((a, b) => a - b)
    const rank = Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))
    return sorted[rank] as number
  }

  reset(): void {
    this.count = 0
    this.sum = 0
    this.minValue = Number.POSITIVE_INFINITY
    this.maxValue = Number.NEGATIVE_INFINITY
    if (this.window !== undefined) this.window.length = 0
    this.next = 0
  }

  /** mntr's lines for this summary, in Apache's order. */
  entries(name: string): [string, number | string][] {
    const out: [string, number | string][] = [
      [`avg_${name}`, javaDouble(this.avg)],
      [`min_${name}`, this.min],
      [`max_${name}`, this.max],
      [`cnt_${name}`, this.count],
      [`sum_${name}`, this.sum],
    ]
    if (this.window !== undefined) {
      for (const [label, p] of PERCENTILES) out.push([`${label}_${name}`, this.percentile(p)])
    }
    return out
  }
}

export const PERCENTILES: readonly (readonly [string, number])[] = [['p50', 0.5], ['p95', 0.95], ['p99', 0.99], ['p999', 0.999]]

/** Java's Double.toString for the values we print: integers keep a ".0". */
export function javaDouble(value: number): string {
  if (!Number.isFinite(value)) return value > 0 ? 'Infinity' : value < 0 ? '-Infinity' : 'NaN'
  return Number.isInteger(value) ? value.toFixed(1) : String(value)
}
