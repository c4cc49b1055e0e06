// Loads the frames captured from real Apache ZooKeeper 3.8.0 and its clients (shared test data).
import { existsSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

export interface VectorFrame {
  client: string
  connection: number
  direction: 'client->server' | 'server->client'
  frame: string
  hex: string
}

export const VECTORS_PATH = fileURLToPath(new URL('../../../../shared/testdata/zk-vectors.json', import.meta.url))

export function loadVectors(): VectorFrame[] {
  if (!existsSync(VECTORS_PATH)) {
    throw new Error(`captured vectors missing: expected ${VECTORS_PATH} (the shared test data next to /work/main)`)
  }
  const parsed = JSON.parse(readFileSync(VECTORS_PATH, 'utf8')) as { frames?: VectorFrame[] }
  if (!Array.isArray(parsed.frames) || parsed.frames.length === 0) throw new Error(`${VECTORS_PATH} has no frames`)
  return parsed.frames
}

/** Frames grouped per TCP connection, in capture order. */
export function connections(frames: VectorFrame[]): Map<string, VectorFrame[]> {
  const byConnection = new Map<string, VectorFrame[]>()
  for (const f of frames) {
    const key = `${f.client}#${f.connection}`
    const list = byConnection.get(key) ?? []
    list.push(f)
    byConnection.set(key, list)
  }
  return byConnection
}

/** Parses a capture's frame name: `request create (xid 1)`, `response exists (xid 6, err -101)`, ... */
export function parseFrameName(name: string): { kind: string; op?: string; xid?: number; err?: number } {
  const m = /^(request|response|notification)(?: (\w+))? ?\(xid (-?\d+)(?:, err (-?\d+))?\)$/.exec(name)
  if (m === null) return { kind: name }
  const [, kind, op, xid, err] = m
  return { kind: kind as string, op, xid: Number(xid), err: err === undefined ? undefined : Number(err) }
}
