/**
 * The protected resource: a JSON file with a counter, the newest fencing token it accepted, and
 * the list of completed critical sections. It refuses a write whose token is older than the
 * newest it has seen: a holder that lost the lock without noticing (paused, partitioned) cannot
 * overwrite a newer holder's work. Writes go through a temp file and rename, so a kill -9 in the
 * middle never leaves half a file.
 */
import { readFileSync, renameSync, writeFileSync } from 'node:fs'

export interface Section {
  worker: string
  token: string
  /** CLOCK_MONOTONIC ns (process.hrtime), shared by every process on the machine */
  startNs: string
  endNs: string
}

export interface Ledger {
  counter: number
  newestToken: string
  sections: Section[]
  /** writes refused because their token was stale */
  refused: number
}

export function createLedger(file: string): void {
  write(file, { counter: 0, newestToken: '-1', sections: [], refused: 0 })
}

export function readLedger(file: string): Ledger {
  return JSON.parse(readFileSync(file, 'utf8')) as Ledger
}

function write(file: string, ledger: Ledger): void {
  const temp = `${file}.${process.pid}.tmp`
  writeFileSync(temp, JSON.stringify(ledger))
  renameSync(temp, file)
}

export class StaleTokenError extends Error {
  override readonly name = 'StaleTokenError'
}

/** Checks the token, then applies `change` to what was read and writes it back. */
export function fencedWrite(file: string, token: bigint, change: (ledger: Ledger) => void): void {
  const ledger = readLedger(file)
  if (token < BigInt(ledger.newestToken)) {
    ledger.refused++
    write(file, ledger)
    throw new StaleTokenError(`token ${token} is older than ${ledger.newestToken}`)
  }
  ledger.newestToken = String(token)
  change(ledger)
  write(file, ledger)
}
