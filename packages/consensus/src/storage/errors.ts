/** Why storage refused to go on. `code` is stable; the message names the file and offset. */
export type StorageErrorCode =
  | 'CORRUPT_LOG' // a bad record with durable records after it: not a torn tail, refuse to start
  | 'CORRUPT_EPOCH' // an epoch file that does not hold a non-negative integer
  | 'LOG_ORDER' // an append or truncate that would break strictly increasing zxids
  | 'LOG_FAILED' // an earlier write or fsync failed: the file's state is unknown, stop using it
  | 'CLOSED'

export class StorageError extends Error {
  override readonly name = 'StorageError'
  constructor(
    readonly code: StorageErrorCode,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(message, options)
  }
}

export function isStorageError(error: unknown, code?: StorageErrorCode): error is StorageError {
  return error instanceof StorageError && (code === undefined || error.code === code)
}

/** Where storage reports what it repaired at start (a truncated tail, a skipped snapshot). */
export type StorageLogger = (message: string, fields: Record<string, unknown>) => void

/** Loud by default: a repair at start is something an operator wants to see. */
export const stderrLogger: StorageLogger = (message, fields) => {
  const rendered = Object.entries(fields)
    .map(([key, value]) => `${key}=${typeof value === 'bigint' ? `0x${value.toString(16)}` : String(value)}`)
    .join(' ')
  process.stderr.write(`[zoo-storage] ${message} ${rendered}\n`)
}
