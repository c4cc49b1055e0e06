/**
 * The user's handle on a live config, shared by every backend: `current`, events, async
 * iteration, close. A backend (a `ConfigSource`) reads the store and feeds observations in;
 * the ConfigCell decides; this class only publishes the decisions.
 */
import { EventEmitter } from 'node:events'
import { ConfigUnavailableError, type InvalidConfigError } from './errors.js'
import type { ConfigCell, Decision, Observation, RawConfig } from './cell.js'
import type { ConfigVersion } from './version.js'

/** Where a backend delivers what it read. */
export interface ConfigSink {
  observe(observation: Observation): void
  /** something went wrong that retrying will not fix by itself (e.g. NOAUTH); `fatal` stops the watcher */
  error(error: unknown, fatal: boolean): void
}

/** A backend: reads the store whenever it may have changed, until closed. */
export interface ConfigSource {
  start(sink: ConfigSink): void
  close(): Promise<void>
}

export interface ReadyOptions {
  /** without a default: how long to wait for a first valid value (default 10 s) */
  initialTimeoutMs?: number
  /** aborts waiting for the first value (and closes the source) */
  signal?: AbortSignal
}

export const DEFAULT_INITIAL_TIMEOUT_MS = 10_000

type ChangeListener<T> = (next: T, prev: T, version: ConfigVersion) => void
type InvalidListener = (error: InvalidConfigError, raw: RawConfig, version: ConfigVersion) => void

export class ConfigWatcher<T> implements AsyncIterable<T> {
  private readonly events = new EventEmitter()
  private generation = 0
  private isClosed = false
  private readonly wakeups = new Set<() => void>()
  private closing: Promise<void> | undefined

  /** @internal use watchConfig() */
  constructor(
    readonly path: string,
    private readonly cell: ConfigCell<T>,
    private readonly source: ConfigSource,
  ) {
    // A watcher is long-lived and many parts of a service may listen to it.
    this.events.setMaxListeners(0)
  }

  /** The newest valid value (or the default until there is one). Never an invalid value. */
  get current(): T {
    return this.cell.current
  }

  /** Version of `current`; undefined while it is the default. */
  get version(): ConfigVersion | undefined {
    return this.cell.version
  }

  /** True while the node (key) does not exist; `current` is then the last good value. */
  get missing(): boolean {
    return this.cell.missing
  }

  get closed(): boolean {
    return this.isClosed
  }

  on(event: 'change', listener: ChangeListener<T>): this
  on(event: 'invalid', listener: InvalidListener): this
  on(event: 'missing', listener: () => void): this
  on(event: 'error', listener: (error: unknown) => void): this
  on(event: string, listener: (...args: any[]) => void): this {
    this.events.on(event, listener)
    return this
  }

  once(event: 'change', listener: ChangeListener<T>): this
  once(event: 'invalid', listener: InvalidListener): this
  once(event: 'missing', listener: () => void): this
  once(event: 'error', listener: (error: unknown) => void): this
  once(event: string, listener: (...args: any[]) => void): this {
    this.events.once(event, listener)
    return this
  }

  off(event: 'change' | 'invalid' | 'missing' | 'error', listener: (...args: any[]) => void): this {
    this.events.off(event, listener)
    return this
  }

  /**
   * Yields `current` at once, then each newer value. A slow loop skips intermediate values and
   * gets the newest (configs conflate): nothing buffers. Ends when the watcher closes.
   */
  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    let delivered = -1
    while (!this.isClosed) {
      if (delivered !== this.generation) {
        delivered = this.generation
        yield this.cell.current
        continue
      }
      await new Promise<void>((resolve) => this.wakeups.add(resolve))
    }
  }

  /** Stops watching. Listeners get nothing more; loops over the watcher end. */
  close(): Promise<void> {
    if (!this.closing) {
      this.isClosed = true
      this.wake()
      this.closing = this.source.close().finally(() => this.events.removeAllListeners())
    }
    return this.closing
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close()
  }

  /** @internal the sink the source writes to */
  sink(onDecision: (decision: Decision<T>) => void): ConfigSink {
    return {
      observe: (observation) => {
        if (this.isClosed) return
        const decision = this.cell.observe(observation)
        onDecision(decision)
        this.publish(decision)
      },
      error: (error, fatal) => {
        if (this.isClosed) return
        this.reportError(error)
        if (fatal) void this.close()
      },
    }
  }

  private publish(decision: Decision<T>): void {
    switch (decision.type) {
      case 'change':
        this.generation++
        this.wake()
        // Before the first value the watcher is not handed out yet: nobody to tell.
        if (decision.prev !== undefined) this.emit('change', decision.next, decision.prev, decision.version)
        return
      case 'invalid':
        return this.emit('invalid', decision.error, decision.raw, decision.version)
      case 'missing':
        return this.emit('missing')
      case 'none':
        return
    }
  }

  /** A listener that throws must not stop the others, nor the read loop that called us. */
  private emit(event: string, ...args: unknown[]): void {
    for (const listener of this.events.listeners(event)) {
      try {
        ;(listener as (...a: unknown[]) => void)(...args)
      } catch (error) {
        if (event === 'error') queueMicrotask(() => { throw error })
        else this.reportError(error)
      }
    }
  }

  /** Errors are never swallowed: to 'error' listeners, else a process warning (not a crash). */
  private reportError(error: unknown): void {
    if (this.events.listenerCount('error') > 0) this.emit('error', error)
    else process.emitWarning(error instanceof Error ? error : new Error(String(error)), { code: 'ZOO_CONFIG_WATCHER' })
  }

  private wake(): void {
    const wakeups = [...this.wakeups]
    this.wakeups.clear()
    for (const wake of wakeups) wake()
  }
}

/**
 * Starts `source` into a new watcher and resolves once it has a valid value: at once with a
 * default, else at the first valid read (or rejects with ConfigUnavailableError after
 * `initialTimeoutMs`, naming what was wrong: missing, or the last invalid value's error).
 */
export function startWatcher<T>(path: string, cell: ConfigCell<T>, source: ConfigSource, options: ReadyOptions): Promise<ConfigWatcher<T>> {
  const watcher = new ConfigWatcher(path, cell, source)
  const timeoutMs = options.initialTimeoutMs ?? DEFAULT_INITIAL_TIMEOUT_MS
  return new Promise((resolve, reject) => {
    let lastProblem: Error | undefined
    let settled = false
    const finish = (error?: Error) => {
      if (settled) return
      settled = true
      clearTimeout(timer)
      options.signal?.removeEventListener('abort', onAbort)
      if (error === undefined) return resolve(watcher)
      void watcher.close()
      reject(error)
    }
    const onAbort = () => finish(options.signal!.reason instanceof Error ? options.signal!.reason : new Error('aborted'))
    const timer = setTimeout(() => finish(new ConfigUnavailableError(path, `no valid config within ${timeoutMs} ms${lastProblem ? `: ${lastProblem.message}` : ''}`, { cause: lastProblem })), timeoutMs)
    if (options.signal?.aborted) return onAbort()
    options.signal?.addEventListener('abort', onAbort, { once: true })
    const sink = watcher.sink((decision) => {
      if (decision.type === 'invalid') lastProblem = decision.error
      else if (decision.type === 'missing') lastProblem = new Error('the node does not exist')
      if (cell.hasValue && decision.type !== 'none') finish()
    })
    source.start({
      observe: (observation) => {
        sink.observe(observation)
        // A default makes the watcher ready after the first read, whatever it found.
        if (cell.hasValue) finish()
      },
      error: (error, fatal) => {
        if (!settled && fatal) return finish(error instanceof Error ? error : new Error(String(error)))
        sink.error(error, fatal)
      },
    })
  })
}
