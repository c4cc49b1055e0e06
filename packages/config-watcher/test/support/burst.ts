/**
 * The "Done when" harness: many watchers, a burst of updates (some invalid), and checks that
 * every watcher ends on the last version, never held an invalid value, never went backwards.
 */
import * as z from 'zod'
import { createClient, type ClientOptions, type ZooKeeperClient } from '@zoo/client'
import { watchConfig, compareKeys, type ConfigVersion, type ConfigWatcher } from '../../src/index.js'

export const BurstSchema = z.strictObject({ seq: z.number().int().min(0), flag: z.boolean() })
export type BurstConfig = z.output<typeof BurstSchema>

export interface Observed {
  seq: number
  version: ConfigVersion
}

export interface TrackedWatcher {
  zk: ZooKeeperClient
  watcher: ConfigWatcher<BurstConfig>
  history: Observed[]
  invalidReports: number
}

/** Writes `0..count-1`, every `invalidEvery`-th one invalid (alternately bad JSON and bad shape). */
export function burstPayload(seq: number, invalidEvery: number): { bytes: string; valid: boolean } {
  if (seq % invalidEvery === invalidEvery - 1) {
    return { bytes: seq % 2 === 0 ? `{"seq": ${seq}, "flag": ` : JSON.stringify({ seq, flag: 'yes' }), valid: false }
  }
  return { bytes: JSON.stringify({ seq, flag: seq % 2 === 0 }), valid: true }
}

export async function startWatchers(count: number, connectString: string, path: string, clientOptions: ClientOptions = {}): Promise<TrackedWatcher[]> {
  return Promise.all(
    Array.from({ length: count }, async (_, i) => {
      const zk = await createClient(connectString, { sessionTimeoutMs: 10_000, ...clientOptions })
      // Half on persistent watches, half on re-armed one-shot watches (servers before 3.6).
      const watcher = await watchConfig(zk, path, BurstSchema, { watchMode: i % 2 === 0 ? 'persistent' : 'oneShot' })
      const version = watcher.version
      if (!version) throw new Error('assertion failed: a watcher without a default starts on a stored version')
      const tracked: TrackedWatcher = { zk, watcher, history: [{ seq: watcher.current.seq, version }], invalidReports: 0 }
      watcher.on('change', (next, _prev, v) => tracked.history.push({ seq: next.seq, version: v }))
      watcher.on('invalid', () => tracked.invalidReports++)
      return tracked
    }),
  )
}

export async function stopWatchers(watchers: TrackedWatcher[]): Promise<void> {
  await Promise.all(watchers.map(async (w) => {
    await w.watcher.close()
    await w.zk.close()
  }))
}

/**
 * `count` writes (seq 1..count), `window` in flight at a time (pipelined on one connection, so applied in
 * order). `onWritten(n)` runs after each window, for faults injected mid-burst.
 */
export async function publishBurst(zk: ZooKeeperClient, path: string, count: number, options: { window: number; invalidEvery: number; onWritten?: (written: number) => Promise<void> }): Promise<void> {
  if (!burstPayload(count, options.invalidEvery).valid) throw new Error('assertion failed: the last write of a burst must be valid')
  for (let start = 1; start <= count; start += options.window) {
    const end = Math.min(count, start + options.window - 1)
    const writes: Promise<unknown>[] = []
    for (let seq = start; seq <= end; seq++) writes.push(zk.setData(path, burstPayload(seq, options.invalidEvery).bytes))
    await Promise.all(writes)
    await options.onWritten?.(end)
  }
}

/** Problems with one watcher's history, or [] when it is what the guarantees promise. */
export function historyProblems(w: TrackedWatcher, final: ConfigVersion, finalSeq: number, invalidEvery: number): string[] {
  const problems: string[] = []
  const last = w.history.at(-1)!
  if (last.version.czxid !== final.czxid || last.version.version !== final.version || last.seq !== finalSeq) {
    problems.push(`ended on seq ${last.seq} version ${last.version.version}, not seq ${finalSeq} version ${final.version}`)
  }
  if (!BurstSchema.safeParse(w.watcher.current).success) problems.push('current does not pass the schema')
  for (const [i, seen] of w.history.entries()) {
    if (!burstPayload(seen.seq, invalidEvery).valid && seen.seq !== 0) problems.push(`held seq ${seen.seq}, an invalid write`)
    const prev = w.history[i - 1]
    if (!prev) continue
    if (compareKeys([prev.version.czxid, BigInt(prev.version.version)], [seen.version.czxid, BigInt(seen.version.version)]) >= 0) problems.push(`went from version ${prev.version.version} back to ${seen.version.version}`)
    if (seen.version.mzxid <= prev.version.mzxid) problems.push(`mzxid went back from 0x${prev.version.mzxid.toString(16)} to 0x${seen.version.mzxid.toString(16)}`)
    if (seen.seq <= prev.seq) problems.push(`seq went from ${prev.seq} back to ${seen.seq}`)
  }
  return problems
}
