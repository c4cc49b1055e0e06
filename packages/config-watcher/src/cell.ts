/**
 * The pure core of a watcher: given observations of the stored config (as read, in any order,
 * possibly stale or repeated), decide what the user sees. No I/O, no timers: the backends feed
 * it, the tests replay it.
 *
 * Rules:
 * - `current` only ever holds a value that parsed and passed the schema.
 * - An observation older than or equal to the newest one seen (valid or not) changes nothing:
 *   a stale read can never take the value backwards, and a value already rejected is not
 *   reported again on every re-read.
 * - A missing node/key keeps the last good value (as a bad update does) and is reported once.
 */
import * as z from 'zod'
import { InvalidConfigError } from './errors.js'
import { compareKeys, type ConfigVersion, type OrderKey } from './version.js'

/** What was stored: a znode's bytes, or in subtree mode each child's bytes by name. */
export type RawConfig = Uint8Array | Readonly<Record<string, Uint8Array>>

export type Observation =
  | { kind: 'value'; raw: RawConfig; key: OrderKey; version: ConfigVersion }
  | { kind: 'absent' }

export type Decision<T> =
  | { type: 'change'; next: T; prev: T | undefined; version: ConfigVersion }
  | { type: 'invalid'; error: InvalidConfigError; raw: RawConfig; version: ConfigVersion }
  | { type: 'missing' }
  | { type: 'none'; why: 'same' | 'stale' | 'still-missing' }

export interface CellOptions<T> {
  path: string
  schema: z.ZodType<T>
  /** raw -> value for the schema; throws on malformed input */
  decode: (raw: RawConfig) => unknown
  /** a starting value used until the store has a valid one */
  initial?: { value: unknown }
}

export class ConfigCell<T> {
  private value: { current: T; version: ConfigVersion | undefined } | undefined
  private newest: { key: OrderKey; raw: RawConfig } | undefined
  private absent = false

  constructor(private readonly options: CellOptions<T>) {
    if (options.initial) this.value = { current: this.checkDefault(options.initial.value), version: undefined }
  }

  get hasValue(): boolean {
    return this.value !== undefined
  }
  /** the current valid value; throws before there is one */
  get current(): T {
    if (!this.value) throw new Error('assertion failed: no valid config value yet')
    return this.value.current
  }
  /** the version of `current`, undefined while it is the default */
  get version(): ConfigVersion | undefined {
    return this.value?.version
  }
  get missing(): boolean {
    return this.absent
  }

  observe(observation: Observation): Decision<T> {
    if (observation.kind === 'absent') {
      if (this.absent) return { type: 'none', why: 'still-missing' }
      this.absent = true
      return { type: 'missing' }
    }
    const { raw, key, version } = observation
    const order = this.newest === undefined ? 1 : compareKeys(key, this.newest.key)
    if (order < 0) return { type: 'none', why: 'stale' }
    // Equal keys name the same write; only a subtree snapshot (read child by child, not
    // atomically) can differ, and then the later read is the more complete one.
    if (order === 0 && sameRaw(raw, this.newest!.raw)) return { type: 'none', why: 'same' }
    this.newest = { key, raw }
    this.absent = false
    const checked = this.check(raw)
    if (!checked.ok) return { type: 'invalid', error: checked.error, raw, version }
    const prev = this.value?.current
    this.value = { current: checked.value, version }
    return { type: 'change', next: checked.value, prev, version }
  }

  /** Parses and validates without changing anything (publish uses the same checks). */
  check(raw: RawConfig): { ok: true; value: T } | { ok: false; error: InvalidConfigError } {
    let decoded: unknown
    try {
      decoded = this.options.decode(raw)
    } catch (error) {
      return { ok: false, error: new InvalidConfigError('parse', this.options.path, (error as Error).message, { cause: error }) }
    }
    return validate(this.options.schema, this.options.path, decoded)
  }

  private checkDefault(value: unknown): T {
    const result = validate(this.options.schema, this.options.path, value)
    if (!result.ok) throw new TypeError(`the default config does not pass the schema: ${result.error.message}`, { cause: result.error })
    return result.value
  }
}

export function validate<T>(schema: z.ZodType<T>, path: string, value: unknown): { ok: true; value: T } | { ok: false; error: InvalidConfigError } {
  const result = schema.safeParse(value)
  if (result.success) return { ok: true, value: result.data }
  return { ok: false, error: new InvalidConfigError('schema', path, z.prettifyError(result.error), { cause: result.error, issues: result.error.issues }) }
}

function sameRaw(a: RawConfig, b: RawConfig): boolean {
  if (a instanceof Uint8Array || b instanceof Uint8Array) return a instanceof Uint8Array && b instanceof Uint8Array && Buffer.compare(a, b) === 0
  const keys = Object.keys(a)
  if (keys.length !== Object.keys(b).length) return false
  return keys.every((k) => b[k] !== undefined && Buffer.compare(a[k]!, b[k]!) === 0)
}
