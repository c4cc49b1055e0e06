/**
 * Formatting shared by the server and the page (no Node or DOM APIs here): permissions, ids,
 * and the three ways the page shows a znode's data.
 */

const PERM_LETTERS: readonly [number, string][] = [
  [4, 'c'],
  [8, 'd'],
  [1, 'r'],
  [2, 'w'],
  [16, 'a'],
]

/** ZooKeeper's permission bits as zkCli writes them: `cdrwa`, missing ones left out. */
export function permsText(perms: number): string {
  return PERM_LETTERS.filter(([bit]) => (perms & bit) !== 0)
    .map(([, letter]) => letter)
    .join('')
}

export function hex64(value: bigint): string {
  return `0x${BigInt.asUintN(64, value).toString(16)}`
}

/** A classic hex dump: offset, 16 bytes in hex, and their printable ASCII. */
export function hexDump(bytes: Uint8Array, maxBytes = 64 * 1024): string {
  const lines: string[] = []
  const end = Math.min(bytes.length, maxBytes)
  for (let offset = 0; offset < end; offset += 16) {
    const row = bytes.subarray(offset, Math.min(offset + 16, end))
    const hexPart = Array.from(row, (b) => b.toString(16).padStart(2, '0')).join(' ')
    const text = Array.from(row, (b) => (b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.')).join('')
    lines.push(`${offset.toString(16).padStart(8, '0')}  ${hexPart.padEnd(47)}  ${text}`)
  }
  if (bytes.length > end) lines.push(`… ${bytes.length - end} more bytes`)
  return lines.join('\n')
}

/** The data as pretty JSON, or undefined when it is not JSON. */
export function prettyJson(text: string): string | undefined {
  if (text.trim() === '') return undefined
  try {
    return JSON.stringify(JSON.parse(text), null, 2)
  } catch {
    return undefined
  }
}

/** True when the bytes are UTF-8 text a person can read (no control characters but whitespace). */
export function looksLikeText(text: string): boolean {
  return !/[\u0000-\u0008\u000e-\u001f\ufffd]/.test(text)
}

/** base64 <-> bytes without Buffer (the page has none). */
export function fromBase64(data: string): Uint8Array {
  const binary = atob(data)
  const bytes = new Uint8Array(binary.length)
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i)
  return bytes
}

export function toBase64(bytes: Uint8Array): string {
  let binary = ''
  for (let i = 0; i < bytes.length; i += 0x8000) binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000))
  return btoa(binary)
}

/** Joins a parent path and a child name. */
export function childPath(parent: string, name: string): string {
  return parent === '/' ? `/${name}` : `${parent}/${name}`
}

export function parentPath(path: string): string {
  const slash = path.lastIndexOf('/')
  return slash <= 0 ? '/' : path.slice(0, slash)
}
