/** Small helpers shared by the integration suites. */
import type { EventEmitter } from 'node:events'
import type { Test } from 'tap'
import { createClient, type ClientOptions, type ZooKeeperClient } from '@zoo/client'
import type { GroupSnapshot, GroupUpdate } from '../../src/index.js'

export async function clientFor(t: Test, connectString: string, options: ClientOptions = {}): Promise<ZooKeeperClient> {
  const zk = await createClient(connectString, { sessionTimeoutMs: 10_000, ...options })
  t.teardown(() => zk.close())
  return zk
}

/**
 * Pulls updates until one's snapshot satisfies `done`; returns every update pulled. Fails after
 * `timeoutMs` (the watch stays open; the caller ends it).
 */
export async function pullUntil<T>(
  watch: AsyncIterator<GroupUpdate<T>>,
  done: (snapshot: GroupSnapshot<T>) => boolean,
  timeoutMs = 10_000,
): Promise<GroupUpdate<T>[]> {
  const pulled: GroupUpdate<T>[] = []
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const left = deadline - Date.now()
    if (left <= 0) throw new Error(`no matching snapshot within ${timeoutMs} ms; last: ${JSON.stringify(pulled.at(-1)?.snapshot.ids)}`)
    let timer: NodeJS.Timeout | undefined
    const next = await Promise.race([
      watch.next(),
      new Promise<'timeout'>((resolve) => (timer = setTimeout(() => resolve('timeout'), left))),
    ])
    clearTimeout(timer)
    if (next === 'timeout') throw new Error(`no matching snapshot within ${timeoutMs} ms; last: ${JSON.stringify(pulled.at(-1)?.snapshot.ids)}`)
    if (next.done) throw new Error('the watch ended')
    pulled.push(next.value)
    if (done(next.value.snapshot)) return pulled
  }
}

/**
 * Resolves with the event's arguments, or rejects after timeoutMs. Unlike events.once it does
 * not listen for `error`: a membership reports retried failures there, which are no verdict.
 */
export function nextEvent<A extends unknown[]>(emitter: EventEmitter, name: string, timeoutMs = 10_000): Promise<A> {
  return new Promise((resolve, reject) => {
    const listener = (...args: unknown[]) => {
      clearTimeout(timer)
      resolve(args as A)
    }
    const timer = setTimeout(() => {
      emitter.off(name, listener)
      reject(new Error(`no ${name} event within ${timeoutMs} ms`))
    }, timeoutMs)
    emitter.once(name, listener)
  })
}

export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms))

/** Polls until `probe` is truthy. */
export async function eventually<T>(probe: () => Promise<T> | T, what: string, timeoutMs = 10_000): Promise<NonNullable<T>> {
  const deadline = Date.now() + timeoutMs
  for (;;) {
    const value = await probe()
    if (value) return value as NonNullable<T>
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)
    await sleep(25)
  }
}
