import { mkdir, readdir, readFile, unlink } from 'node:fs/promises'
import { join } from 'node:path'
import { StorageError } from './errors.js'
import { writeFileAtomic } from './fs-util.js'

// File names and contents as Apache ZooKeeper's: the epoch in decimal text.
const ACCEPTED_EPOCH_FILE = 'acceptedEpoch'
const CURRENT_EPOCH_FILE = 'currentEpoch'
const MAX_EPOCH = 0xffff_ffff

export interface Epochs {
  acceptedEpoch: number
  currentEpoch: number
}

/**
 * Zab's two persisted epochs. acceptedEpoch (the last NEWEPOCH agreed to) is written before
 * currentEpoch (the last NEWLEADER synced to), so on disk acceptedEpoch >= currentEpoch holds.
 */
export class EpochStore {
  private constructor(
    readonly dir: string,
    private epochs: Epochs,
  ) {}

  /**
   * Loads both files. Like Apache, a missing currentEpoch falls back to `fallbackEpoch` (the
   * epoch of the last logged zxid) and a missing acceptedEpoch to currentEpoch; both are then
   * written so the next start reads them.
   */
  static async open(dir: string, options: { fallbackEpoch?: number } = {}): Promise<EpochStore> {
    await mkdir(dir, { recursive: true })
    // Temporaries left by a crash mid-write (writeFileAtomic names them <file>.<random>.tmp).
    for (const name of await readdir(dir)) {
      const leftover = [ACCEPTED_EPOCH_FILE, CURRENT_EPOCH_FILE].some((file) => name.startsWith(`${file}.`) && name.endsWith('.tmp'))
      if (leftover) await unlink(join(dir, name)).catch(() => undefined)
    }
    const current = await readEpochFile(dir, CURRENT_EPOCH_FILE)
    const accepted = await readEpochFile(dir, ACCEPTED_EPOCH_FILE)
    const currentEpoch = current ?? options.fallbackEpoch ?? 0
    const acceptedEpoch = accepted ?? currentEpoch
    if (currentEpoch > acceptedEpoch) {
      throw new StorageError('CORRUPT_EPOCH', `currentEpoch ${currentEpoch} is above acceptedEpoch ${acceptedEpoch} in ${dir}`)
    }
    const store = new EpochStore(dir, { acceptedEpoch, currentEpoch })
    if (accepted === undefined) await writeEpochFile(dir, ACCEPTED_EPOCH_FILE, acceptedEpoch)
    if (current === undefined) await writeEpochFile(dir, CURRENT_EPOCH_FILE, currentEpoch)
    return store
  }

  get acceptedEpoch(): number {
    return this.epochs.acceptedEpoch
  }

  get currentEpoch(): number {
    return this.epochs.currentEpoch
  }

  /** Durably records new epochs (acceptedEpoch first). Epochs never go backwards. */
  async update(next: Partial<Epochs>): Promise<void> {
    const acceptedEpoch = next.acceptedEpoch ?? this.epochs.acceptedEpoch
    const currentEpoch = next.currentEpoch ?? this.epochs.currentEpoch
    assertEpoch(acceptedEpoch)
    assertEpoch(currentEpoch)
    if (acceptedEpoch < this.epochs.acceptedEpoch || currentEpoch < this.epochs.currentEpoch) {
      throw new RangeError(`epochs go backwards: ${JSON.stringify(this.epochs)} -> ${JSON.stringify({ acceptedEpoch, currentEpoch })}`)
    }
    if (currentEpoch > acceptedEpoch) throw new RangeError(`currentEpoch ${currentEpoch} above acceptedEpoch ${acceptedEpoch}`)
    if (acceptedEpoch !== this.epochs.acceptedEpoch) await writeEpochFile(this.dir, ACCEPTED_EPOCH_FILE, acceptedEpoch)
    this.epochs = { ...this.epochs, acceptedEpoch }
    if (currentEpoch !== this.epochs.currentEpoch) await writeEpochFile(this.dir, CURRENT_EPOCH_FILE, currentEpoch)
    this.epochs = { acceptedEpoch, currentEpoch }
  }
}

function assertEpoch(epoch: number): void {
  if (!Number.isInteger(epoch) || epoch < 0 || epoch > MAX_EPOCH) throw new RangeError(`epoch ${epoch} is not a u32`)
}

async function readEpochFile(dir: string, name: string): Promise<number | undefined> {
  let text: string
  try {
    text = await readFile(join(dir, name), 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined
    throw error
  }
  const trimmed = text.trim()
  const epoch = Number(trimmed)
  if (!/^\d+$/.test(trimmed) || epoch > MAX_EPOCH) {
    throw new StorageError('CORRUPT_EPOCH', `${join(dir, name)} does not hold an epoch: ${JSON.stringify(text.slice(0, 40))}`)
  }
  return epoch
}

async function writeEpochFile(dir: string, name: string, epoch: number): Promise<void> {
  await writeFileAtomic(dir, name, [Buffer.from(String(epoch), 'utf8')])
}
