/**
 * Re-registering watches after a reconnect. One SetWatches2 frame holding every watched path
 * could pass the server's frame limit and then fail every reconnect forever, so the paths are
 * split over frames of at most 128 KiB (Apache's client does the same).
 */
import type { SetWatches2 } from '@zoo/protocol'
import type { WatchSnapshot } from './watches.js'

/** length prefix, xid and opcode, relativeZxid, five vector counts */
const FRAME_OVERHEAD_BYTES = 4 + 8 + 8 + 5 * 4
const LISTS = ['data', 'exist', 'child', 'persistent', 'recursive'] as const

const FIELD: Record<(typeof LISTS)[number], keyof Omit<SetWatches2, 'relativeZxid'>> = {
  data: 'dataWatches',
  exist: 'existWatches',
  child: 'childWatches',
  persistent: 'persistentWatches',
  recursive: 'persistentRecursiveWatches',
}

function emptyFrame(relativeZxid: bigint): SetWatches2 {
  return { relativeZxid, dataWatches: [], existWatches: [], childWatches: [], persistentWatches: [], persistentRecursiveWatches: [] }
}

/**
 * Splits the watched paths (already mapped to server paths) into SetWatches2 records whose
 * frames are at most `maxFrameBytes` each. A single path larger than that gets a frame of its
 * own. Returns [] when nothing is watched.
 */
export function splitSetWatches(watches: WatchSnapshot, relativeZxid: bigint, maxFrameBytes: number): SetWatches2[] {
  if (maxFrameBytes <= FRAME_OVERHEAD_BYTES) throw new RangeError(`maxFrameBytes must exceed ${FRAME_OVERHEAD_BYTES}`)
  const frames: SetWatches2[] = []
  let frame = emptyFrame(relativeZxid)
  let frameBytes = FRAME_OVERHEAD_BYTES
  let pathsInFrame = 0
  for (const list of LISTS) {
    for (const path of watches[list]) {
      const pathBytes = 4 + Buffer.byteLength(path, 'utf8')
      if (pathsInFrame > 0 && frameBytes + pathBytes > maxFrameBytes) {
        frames.push(frame)
        frame = emptyFrame(relativeZxid)
        frameBytes = FRAME_OVERHEAD_BYTES
        pathsInFrame = 0
      }
      frame[FIELD[list]].push(path)
      frameBytes += pathBytes
      pathsInFrame++
    }
  }
  if (pathsInFrame > 0) frames.push(frame)
  return frames
}
