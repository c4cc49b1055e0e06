/**
 * group.watch() on ZooKeeper: one persistent recursive watch on the group path (ZooKeeper 3.6+
 * addWatch), so no change falls between an event and the re-arming of a one-shot watch
 * (pitfall #10). Every event asks the re-read loop for the member it names; `resync` (after a
 * reconnect, a new session, or an overflow: events may have been missed) asks for a `sync` and
 * a full re-list. The consumer gets the newest snapshot with the events since the last it saw.
 */
import { ErrorCode, isKeeperError, type PersistentWatchEvent, type ZooKeeperClient } from '@zoo/client'
import type * as z from 'zod'
import type { Layout } from '../layouts.js'
import { Rereader, backoffMs } from '../reread.js'
import { UpdateStream, type GroupUpdate } from '../stream.js'
import { ZkGroupReader, childName } from './reader.js'

/** Failures a later pass can get past: the connection, the session (renewed), load. */
const RETRIABLE: ReadonlySet<number> = new Set([
  ErrorCode.CONNECTIONLOSS, ErrorCode.SESSIONEXPIRED, ErrorCode.OPERATIONTIMEOUT, ErrorCode.REQUESTTIMEOUT, ErrorCode.THROTTLEDOP, ErrorCode.SESSIONMOVED,
])

export interface WatchGroupOptions {
  /** ends the iteration */
  signal?: AbortSignal
}

/** The watch with its read loop exposed, for tests and benchmarks. */
export interface GroupWatch<T> extends AsyncIterableIterator<GroupUpdate<T>> {
  return(): Promise<IteratorResult<GroupUpdate<T>>>
  readonly reader: ZkGroupReader<T>
  readonly rereader: Rereader
}

export function watchGroup<T>(zk: ZooKeeperClient, path: string, layout: Layout, schema: z.ZodType<T>, options: WatchGroupOptions = {}): GroupWatch<T> {
  const stop = new AbortController()
  const reader = new ZkGroupReader(zk, path, layout, schema)
  let syncFirst = false
  const stream = new UpdateStream<T>(() => {
    stop.abort()
    rereader.stop()
  })
  const rereader = new Rereader(
    async (work) => {
      if (work.full) {
        // After a reconnect the member we are on may be behind the leader: catch up first.
        if (syncFirst) await zk.sync(path, { signal: stop.signal })
        syncFirst = false
        await reader.readAll(stop.signal)
      } else await reader.readNames(work.names, stop.signal)
      const { snapshot, changed } = reader.snapshot()
      stream.publish(snapshot, changed)
    },
    (error, attempt) => {
      if (stop.signal.aborted) return undefined
      if (zk.state !== 'closed' && isKeeperError(error) && RETRIABLE.has(error.code)) return backoffMs(attempt)
      stream.fail(error)
      return undefined
    },
  )
  // addWatch is queued before the first read, so nothing between the read and the watch is missed.
  const events = zk.watch(path, { recursive: true, signal: stop.signal })
  rereader.requestFull()
  void pump(events, path, {
    resync: () => {
      syncFirst = true
      rereader.requestFull()
    },
    member: (name) => rereader.request(name),
    group: () => rereader.requestFull(),
  }).then(
    () => stream.end(),
    (error: unknown) => stream.fail(error),
  )
  const signal = options.signal
  if (signal?.aborted) stream.end()
  else signal?.addEventListener('abort', () => stream.end(), { once: true, signal: stop.signal })
  return Object.assign(stream, { reader, rereader })
}

interface Handlers {
  resync: () => void
  member: (name: string) => void
  group: () => void
}

async function pump(events: AsyncIterableIterator<PersistentWatchEvent>, path: string, on: Handlers): Promise<void> {
  for await (const event of events) {
    if (event.type === 'resync') on.resync()
    else if (event.path === path) on.group()
    else {
      // Deeper nodes (under a member) are no concern of the group's.
      const name = childName(path, event.path)
      if (name !== undefined) on.member(name)
    }
  }
}
