// Writing a whole data directory so that it appears complete or not at all: everything goes to
// a temporary sibling, which is renamed to the target once fsynced.
import { randomBytes } from 'node:crypto'
import { existsSync } from 'node:fs'
import { mkdir, open, readdir, rename, rm, rmdir } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { MigrationError } from './apache-dir.js'

async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/** Refuses a target that exists and is not an empty directory: an import never merges. */
export async function checkTarget(target: string): Promise<void> {
  if (!existsSync(target)) {
    if (!existsSync(dirname(resolve(target)))) throw new MigrationError(`${dirname(resolve(target))} does not exist`)
    return
  }
  let entries: string[]
  try {
    entries = await readdir(target)
  } catch (e) {
    throw new MigrationError(`${target} exists and is not a readable directory: ${(e as Error).message}`)
  }
  if (entries.length > 0) throw new MigrationError(`${target} is not empty: give a new directory (nothing is ever merged into existing data)`)
}

/**
 * Runs `fill` on a temporary directory beside `target`, then renames it to `target`. If `fill`
 * throws, the temporary directory is removed and `target` is left as it was.
 */
export async function writeDirAtomically(target: string, fill: (dir: string) => Promise<void>): Promise<void> {
  await checkTarget(target)
  const absolute = resolve(target)
  const temporary = join(dirname(absolute), `.${basename(absolute)}.${randomBytes(6).toString('hex')}.tmp`)
  await mkdir(temporary)
  try {
    await fill(temporary)
    await fsyncDir(temporary)
    // An empty target directory is replaced (rename cannot replace a directory on every system).
    if (existsSync(absolute)) await rmdir(absolute)
    await rename(temporary, absolute)
    await fsyncDir(dirname(absolute))
  } catch (e) {
    await rm(temporary, { recursive: true, force: true })
    throw e
  }
}
