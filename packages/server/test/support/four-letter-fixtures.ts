// Reads captured four-letter-word answers ("=== name" sections) and compares answers by shape:
// same keys in the same order, and each value of the same kind (int, double, hex, a/b/c, text).
import { readFileSync } from 'node:fs'

export function readSections(path: string): Map<string, string> {
  const sections = new Map<string, string>()
  let name: string | undefined
  let lines: string[] = []
  const flush = () => {
    if (name !== undefined) sections.set(name, lines.join('\n'))
  }
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    const m = /^=== (\S+)$/.exec(line)
    if (m !== null) {
      flush()
      name = m[1]
      lines = []
    } else if (name !== undefined) {
      lines.push(line)
    }
  }
  flush()
  return sections
}

function valueKind(value: string): string {
  if (/^-?\d+$/.test(value)) return 'int'
  if (/^-?\d+\.\d+$/.test(value)) return 'double'
  if (/^0x[0-9a-f]+$/.test(value)) return 'hex'
  if (/^\d+\/\d+(\.\d+)?\/\d+$/.test(value)) return 'a/b/c'
  if (/^-?\d+\/-?\d+\/-?\d+$/.test(value)) return 'a/b/c'
  return 'text'
}

/** `key<sep>value` reduced to `key<sep>kind`; lines without a separator stay as they are. */
export function lineShape(line: string): string {
  const m = /^([^=:\t]+?)(: |\t|=)(.*)$/.exec(line)
  if (m === null) return line
  return `${m[1]}${m[2]}<${valueKind(m[3] as string)}>`
}

/** The answer's lines without trailing blank lines. */
export function lines(text: string): string[] {
  const out = text.split('\n')
  while (out.length > 0 && out.at(-1) === '') out.pop()
  return out
}
