import { randomBytes } from 'node:crypto'
import { open, rename, unlink } from 'node:fs/promises'
import { join } from 'node:path'

/**
 * Makes a directory's entries (a created, renamed or removed file) durable. Without it a crash
 * can lose a file whose contents were fsynced, because the name lives in the directory.
 */
export async function fsyncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r')
  try {
    await handle.sync()
  } finally {
    await handle.close()
  }
}

/**
 * Replaces `dir/name` so that after a crash it holds either the old or the new bytes, never a
 * mix: write a temporary file, fsync it, rename over the target, fsync the directory. The
 * temporary name is unique per call: two writers of one target (a snapshot received from the
 * leader and one taken locally at the same zxid) must not rename each other's file away.
 */
export async function writeFileAtomic(dir: string, name: string, chunks: Iterable<Uint8Array> | AsyncIterable<Uint8Array>): Promise<void> {
  const target = join(dir, name)
  const temporary = `${target}.${randomBytes(6).toString('hex')}.tmp`
  const handle = await open(temporary, 'w')
  try {
    for await (const chunk of chunks) await writeFully(handle, chunk)
    await handle.sync()
  } catch (error) {
    await handle.close()
    await unlink(temporary).catch(() => undefined)
    throw error
  }
  await handle.close()
  await rename(temporary, target)
  await fsyncDir(dir)
}

/** FileHandle.write may write fewer bytes than asked; loop until all are written. */
export async function writeFully(handle: import('node:fs/promises').FileHandle, bytes: Uint8Array, position?: number): Promise<void> {
  let written = 0
  while (written < bytes.length) {
    const at = position === undefined ? null : position + written
    const { bytesWritten } = await handle.write(bytes, written, bytes.length - written, at)
    if (bytesWritten <= 0) throw new Error('write made no progress')
    written += bytesWritten
  }
}
