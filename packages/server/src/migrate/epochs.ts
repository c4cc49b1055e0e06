// The epoch files (acceptedEpoch, currentEpoch: decimal text) that Apache's quorum members and
// zoo's members both keep, read for carrying epochs across a migration.
import { existsSync } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { MigrationError } from './apache-dir.js'

export const epochOf = (zxid: bigint): number => Number(zxid >> 32n)

export interface CarriedEpochs {
  currentEpoch: number
  acceptedEpoch: number
}

async function readEpoch(dir: string, name: string): Promise<number | undefined> {
  const file = join(dir, name)
  if (!existsSync(file)) return undefined
  const text = (await readFile(file, 'utf8')).trim()
  if (!/^\d+$/.test(text)) throw new MigrationError(`${file} does not hold an epoch: ${JSON.stringify(text.slice(0, 40))}`)
  return Number(text)
}

/**
 * The epochs to write beside a tree at `lastZxid`: those in `dir` (absent on a standalone Apache
 * server), raised to the zxid's epoch, since both servers refuse a currentEpoch older than their
 * last zxid and an acceptedEpoch below currentEpoch.
 */
export async function carriedEpochs(dir: string, lastZxid: bigint): Promise<CarriedEpochs> {
  const currentEpoch = Math.max(epochOf(lastZxid), (await readEpoch(dir, 'currentEpoch')) ?? 0)
  const acceptedEpoch = Math.max(currentEpoch, (await readEpoch(dir, 'acceptedEpoch')) ?? 0)
  return { currentEpoch, acceptedEpoch }
}
