// Codecs for record shapes that several jute records share (internal: not exported by the package).
import type { JuteReader, JuteWriter } from './jute.js'
import { MIN_STRING_BYTES, readStringItem, writeStringItem } from './jute.js'

export interface Codec<T> {
  encode(w: JuteWriter, value: T): void
  decode(r: JuteReader): T
}

export const writeStrings = (w: JuteWriter, items: readonly string[]): void => w.vector(items, writeStringItem)
export const readStrings = (r: JuteReader): string[] => r.list(readStringItem, MIN_STRING_BYTES)

/** Records that are just a path (GetACLRequest, SyncRequest, SyncResponse, CreateResponse, ...). */
export interface PathRecord {
  path: string
}
export const pathCodec: Codec<PathRecord> = {
  encode(w, v) {
    w.ustring(v.path)
  },
  decode(r) {
    return { path: r.string() }
  },
}

/** Records that are a path and a watch flag (exists, getData, getChildren, getChildren2). */
export interface PathWatchRecord {
  path: string
  watch: boolean
}
export const pathWatchCodec: Codec<PathWatchRecord> = {
  encode(w, v) {
    w.ustring(v.path)
    w.bool(v.watch)
  },
  decode(r) {
    return { path: r.string(), watch: r.bool() }
  },
}

/** Records that are a path and a version (DeleteRequest, CheckVersionRequest, CheckVersionTxn). */
export interface PathVersionRecord {
  path: string
  version: number
}
export const pathVersionCodec: Codec<PathVersionRecord> = {
  encode(w, v) {
    w.ustring(v.path)
    w.int(v.version)
  },
  decode(r) {
    return { path: r.string(), version: r.int() }
  },
}

/** Records that are a single int (ErrorResponse, ErrorTxn, ...): named by `field`. */
export function intRecord<K extends string>(field: K): Codec<Record<K, number>> {
  return {
    encode(w, v) {
      w.int(v[field])
    },
    decode(r) {
      return { [field]: r.int() } as Record<K, number>
    },
  }
}

export function stringsRecord<K extends string>(field: K): Codec<Record<K, string[]>> {
  return {
    encode(w, v) {
      writeStrings(w, v[field])
    },
    decode(r) {
      return { [field]: readStrings(r) } as Record<K, string[]>
    },
  }
}

export function tokenRecord(): Codec<{ token: Buffer | null }> {
  return {
    encode(w, v) {
      w.buffer(v.token)
    },
    decode(r) {
      return { token: r.buffer() }
    },
  }
}

