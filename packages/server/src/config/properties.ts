// Apache's zoo.cfg is a java.util.Properties file. This reads the parts of that format real
// configs use: `#`/`!` comments, `key=value`, `key: value` or `key value`, trailing-backslash
// continuations and the usual escapes; every entry remembers its line for error messages.

export interface PropertyEntry {
  value: string
  /** 1-based line of the key. */
  line: number
}

export interface ParsedProperties {
  entries: Map<string, PropertyEntry>
  /** Keys set more than once (the last one wins, as in java.util.Properties). */
  duplicates: { key: string; line: number }[]
}

/** Bound on one logical line, so a runaway continuation cannot grow without limit. */
const MAX_LOGICAL_LINE_CHARS = 1 << 20

export function parseProperties(text: string): ParsedProperties {
  const entries = new Map<string, PropertyEntry>()
  const duplicates: { key: string; line: number }[] = []
  for (const { text: logical, line } of logicalLines(text)) {
    const { key, value } = splitKeyValue(logical)
    if (key === '') continue
    if (entries.has(key)) duplicates.push({ key, line })
    entries.set(key, { value, line })
  }
  return { entries, duplicates }
}

function* logicalLines(text: string): Generator<{ text: string; line: number }> {
  const lines = text.split(/\r\n|\r|\n/)
  for (let i = 0; i < lines.length; i++) {
    const start = i
    let current = (lines[i] ?? '').replace(/^[ \t\f]+/, '')
    if (current === '' || current.startsWith('#') || current.startsWith('!')) continue
    while (endsWithContinuation(current) && i + 1 < lines.length) {
      i++
      current = current.slice(0, -1) + (lines[i] ?? '').replace(/^[ \t\f]+/, '')
      if (current.length > MAX_LOGICAL_LINE_CHARS) throw new RangeError(`line ${start + 1}: continued line longer than ${MAX_LOGICAL_LINE_CHARS} characters`)
    }
    if (endsWithContinuation(current)) current = current.slice(0, -1)
    yield { text: current, line: start + 1 }
  }
}

/** An odd number of trailing backslashes continues the line; an even number is escaped backslashes. */
function endsWithContinuation(line: string): boolean {
  let n = 0
  for (let i = line.length - 1; i >= 0 && line[i] === '\\'; i--) n++
  return n % 2 === 1
}

function splitKeyValue(line: string): { key: string; value: string } {
  let i = 0
  let key = ''
  while (i < line.length) {
    const c = line[i] as string
    if (c === '\\' && i + 1 < line.length) {
      key += unescape(line[i + 1] as string)
      i += 2
      continue
    }
    if (c === '=' || c === ':' || c === ' ' || c === '\t' || c === '\f') break
    key += c
    i++
  }
  // Separator: optional whitespace, at most one of '=' or ':', optional whitespace.
  while (i < line.length && /[ \t\f]/.test(line[i] as string)) i++
  if (line[i] === '=' || line[i] === ':') i++
  while (i < line.length && /[ \t\f]/.test(line[i] as string)) i++
  return { key, value: unescapeValue(line.slice(i)) }
}

function unescapeValue(raw: string): string {
  let out = ''
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i] as string
    if (c === '\\' && i + 1 < raw.length) {
      const next = raw[i + 1] as string
      if (next === 'u' && /^[0-9a-fA-F]{4}$/.test(raw.slice(i + 2, i + 6))) {
        out += String.fromCharCode(parseInt(raw.slice(i + 2, i + 6), 16))
        i += 5
      } else {
        out += unescape(next)
        i++
      }
    } else {
      out += c
    }
  }
  // Apache trims every value it reads from zoo.cfg (QuorumPeerConfig.parseProperties).
  return out.trim()
}

function unescape(c: string): string {
  switch (c) {
    case 't':
      return '\t'
    case 'n':
      return '\n'
    case 'r':
      return '\r'
    case 'f':
      return '\f'
    default:
      return c
  }
}
